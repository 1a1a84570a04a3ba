from django.urls import path

from xianfeng.common import views

app_name = "common"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]
