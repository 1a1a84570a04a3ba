from django.urls import path

from xianfeng.lessons import record_lists, views
from xianfeng.lessons.practice import channel_views, speaker_views, tour_views
from xianfeng.lessons.practice import views as practice

app_name = "lessons"
urlpatterns = [
    path("", views.feed, name="feed"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("manage/", views.manage, name="manage"),
    path("showcases/", channel_views.showcases, name="showcases"),
    path("showcases/<int:pk>/", views.showcase, name="showcase"),
    path("showcases/<int:pk>/manage/", channel_views.showcase_manage, name="showcase_manage"),
    path("showcases/<int:pk>/cover.jpg", channel_views.showcase_cover, name="showcase_cover"),
    path("showcases/<int:pk>/play/", channel_views.showcase_play, name="showcase_play"),
    path("series/new/", views.series_new, name="series_new"),
    path("requests/", practice.requests, name="requests"),
    path("requests/<int:pk>/", practice.request_detail, name="request"),
    path("requests/<int:pk>/do/<str:action>/", practice.request_action, name="request_action"),
    path("rotas/", practice.rotas, name="rotas"),
    path("rotas/<int:pk>/", practice.rota, name="rota"),
    path("rotas/slots/<int:pk>/do/<str:action>/", practice.slot_action, name="slot_action"),
    path("coverage/", practice.coverage, name="coverage"),
    path("records/<str:code>/<str:month>/<str:what>/", record_lists.view, name="records"),
    path("tours/", tour_views.tours, name="tours"),
    path("tours/<int:pk>/", tour_views.tour, name="tour"),
    path("tours/<int:pk>/stops/<int:stop_id>/held/", tour_views.stop_held, name="tour_stop_held"),
    path("tours/f/<str:key>/", tour_views.tour_feedback, name="tour_feedback"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/speakers/", speaker_views.lesson_speakers, name="speakers"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/do/<str:action>/", views.transition, name="transition"),
    path("<int:pk>/watch/", views.watch, name="watch"),
    path("<int:pk>/view/", views.view, name="view"),
    path("<int:pk>/playback/", views.playback, name="playback"),
    path("<int:pk>/like/", views.like, name="like"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/share/", views.share, name="share"),
    path("<int:pk>/poster.png", views.poster, name="poster"),
    path("<int:pk>/reflection/", views.reflection, name="reflection"),
    path("<int:pk>/commentary/", views.commentary, name="commentary"),
    path("<int:pk>/comments/", views.comment, name="comment"),
    path("<int:pk>/comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("<int:pk>/participation/", views.participation, name="participation"),
]
