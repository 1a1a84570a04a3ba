from django.urls import path

from xianfeng.live import views

app_name = "live"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/studio/", views.studio, name="studio"),
    path("<int:pk>/rtmp/", views.rtmp, name="rtmp"),
    path("<int:pk>/watch/", views.watch, name="watch"),
    path("<int:pk>/runs/", views.run_open, name="run_open"),
    path("<int:pk>/runs/<int:run>/chunks/<int:seq>/", views.chunk, name="chunk"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/playlist.m3u8", views.playlist, name="playlist"),
    path("<int:pk>/feed/", views.feed, name="feed"),
    path("<int:pk>/comments/", views.comment, name="comment"),
    path("<int:pk>/like/", views.like, name="like"),
    path(
        "<int:pk>/comments/<int:comment_id>/<str:action>/",
        views.comment_action,
        name="comment_action",
    ),
]
