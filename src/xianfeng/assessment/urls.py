from django.urls import path

from xianfeng.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.org_page, name="org"),
]
