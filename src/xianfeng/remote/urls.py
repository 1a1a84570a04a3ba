from django.urls import path

from xianfeng.remote import views, views_admin, views_loop

app_name = "remote"
urlpatterns = [
    path("", views.index, name="index"),
    path("sites/import/", views_admin.import_list, name="import_list"),
    path("sites/import/<int:pk>/", views_admin.import_detail, name="import_detail"),
    path("sites/import/<int:pk>/commit/", views_admin.import_commit, name="import_commit"),
    path("sites/<str:code>/", views.site_detail, name="site"),
    path("sites/<str:code>/report/", views.site_report, name="site_report"),
    path("sites/<str:code>/suspensions/", views_admin.suspensions, name="suspensions"),
    path(
        "sites/<str:code>/suspensions/<int:pk>/remove/",
        views_admin.suspension_remove,
        name="suspension_remove",
    ),
    path("targets/", views_admin.targets, name="targets"),
    path("devices/<int:device_id>/revoke/", views.device_revoke, name="device_revoke"),
    path("pair/", views.pair, name="pair"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("plans/", views_loop.plan_list, name="plans"),
    path("plans/new/", views_loop.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views_loop.plan_detail, name="plan"),
    path("plans/<int:pk>/publish/", views_loop.plan_publish, name="plan_publish"),
    path("plans/<int:pk>/next/", views_loop.plan_next, name="plan_next"),
    path("viewings/new/", views_loop.viewing_new, name="viewing_new"),
    path("viewings/<int:pk>/", views_loop.viewing_detail, name="viewing"),
    path("viewings/<int:pk>/do/<str:action>/", views_loop.viewing_action, name="viewing_action"),
    path("viewings/<int:pk>/photos/", views_admin.photo_add, name="photo_add"),
    path("viewings/<int:pk>/photos/<int:photo_id>/", views_admin.photo, name="photo"),
    path(
        "viewings/<int:pk>/photos/<int:photo_id>/delete/",
        views_admin.photo_delete,
        name="photo_delete",
    ),
    path("viewings/<int:pk>/feedback/", views_loop.feedback, name="feedback"),
    path("v/<str:token>/", views_loop.checkin, name="checkin"),
    path("tv/", views.tv, name="tv"),
    path("tv/pair/", views.tv_pair, name="tv_pair"),
    path("tv/pair/start", views.tv_pair_start, name="tv_pair_start"),
    path("tv/pair/poll", views.tv_pair_poll, name="tv_pair_poll"),
]
