from django.urls import path

from xianfeng.dues import views

app_name = "dues"
urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("org/<str:code>/", views.ledger, name="ledger"),
    path("org/<str:code>/rollup/", views.town, name="town"),
    path("member/<int:pk>/", views.member, name="member"),
    path("member/<int:pk>/assess/", views.assess, name="assess"),
    path("member/<int:pk>/pay/", views.pay, name="pay"),
    path("member/<int:pk>/payments/<int:payment_pk>/cancel/", views.cancel_payment, name="cancel"),
]
