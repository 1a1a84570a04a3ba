from django.urls import path

from xianfeng.community import views

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
]
