from django.urls import path

from xianfeng.transfers import views

app_name = "transfers"
urlpatterns = [
    path("", views.index, name="index"),
    path("start/<int:member_pk>/", views.start, name="start"),
    path("start/<int:member_pk>/out/", views.start_out, name="start_out"),
    path("in/", views.register_in, name="register_in"),
    path("<int:pk>/receipt/", views.complete_out, name="complete_out"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/letter.pdf", views.letter, name="letter"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/return/", views.send_back, name="return"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
]
