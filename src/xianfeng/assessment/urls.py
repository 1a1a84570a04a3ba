from django.urls import path

from xianfeng.assessment import views, views_appraisal

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("appraisals/", views_appraisal.appraisal_list, name="appraisals"),
    path("appraisals/new/", views_appraisal.appraisal_create, name="appraisal_create"),
    path("appraisals/<int:pk>/", views_appraisal.appraisal_detail, name="appraisal"),
    path(
        "appraisals/<int:pk>/<str:action>/",
        views_appraisal.appraisal_action,
        name="appraisal_action",
    ),
    path("org/<str:code>/", views.org_page, name="org"),
]
