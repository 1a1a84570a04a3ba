from django.urls import path

from xianfeng.community import views
from xianfeng.community.views import activities, civic, honors

app_name = "community"
urlpatterns = [
    path("", views.wall, name="index"),
    path("wishes/new/", views.wish_new, name="wish_new"),
    path("wishes/<int:pk>/", views.wish_detail, name="wish"),
    path("wishes/<int:pk>/photos/<int:photo_id>/", views.photo, name="photo"),
    path("wishes/<int:pk>/<str:action>/", views.wish_action, name="wish_action"),
    path("mine/", views.mine, name="mine"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("review/", views.review_queue, name="review"),
    path("analysis/", views.analysis_page, name="analysis"),
    path("analysis/wishes.xlsx", views.export, name="export"),
    path("projects/", civic.projects, name="projects"),
    path("projects/new/", civic.project_new, name="project_new"),
    path("projects/<int:pk>/", civic.project, name="project"),
    path("projects/<int:pk>/photo/", civic.project_photo, name="project_photo"),
    path(
        "projects/<int:pk>/updates/<int:update_id>/photo/",
        civic.project_photo,
        name="update_photo",
    ),
    path("projects/<int:pk>/<str:action>/", civic.project_action, name="project_action"),
    path("votes/new/", civic.round_new, name="round_new"),
    path("votes/<int:pk>/", civic.vote_round, name="round"),
    path("votes/<int:pk>/count/", civic.round_count, name="round_count"),
    path("activities/", activities.activities, name="activities"),
    path("activities/new/", activities.activity_new, name="activity_new"),
    path("activities/hours/", activities.my_hours, name="my_hours"),
    path("activities/hours/org/", activities.org_hours, name="org_hours"),
    path("activities/scan/<str:token>/", activities.activity_scan, name="activity_scan"),
    path("activities/<int:pk>/", activities.activity, name="activity"),
    path("activities/<int:pk>/qr/", activities.activity_qr, name="activity_qr"),
    path("activities/<int:pk>/<str:action>/", activities.activity_action, name="activity_action"),
    path("honors/", honors.honors, name="honors"),
    path("honors/new/", honors.honor_new, name="honor_new"),
    path("honors/<int:pk>/", honors.honor, name="honor"),
    path("honors/<int:pk>/photo/", honors.honor_photo, name="honor_photo"),
    path("honors/<int:pk>/<str:action>/", honors.honor_action, name="honor_action"),
    path("org/<str:code>/", honors.org_page, name="org_page"),
    path("org/<str:code>/notices/", honors.org_notice, name="org_notice"),
    path("org/<str:code>/notices/<int:pk>/photo/", honors.notice_photo, name="notice_photo"),
]
