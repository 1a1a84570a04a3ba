from django.urls import path

from xianfeng.remote import views

app_name = "remote"
urlpatterns = [
    path("", views.index, name="index"),
    path("sites/<str:code>/", views.site_detail, name="site"),
    path("devices/<int:device_id>/revoke/", views.device_revoke, name="device_revoke"),
    path("pair/", views.pair, name="pair"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("tv/", views.tv, name="tv"),
    path("tv/pair/", views.tv_pair, name="tv_pair"),
    path("tv/pair/start", views.tv_pair_start, name="tv_pair_start"),
    path("tv/pair/poll", views.tv_pair_poll, name="tv_pair_poll"),
]
