from django.urls import path

from xianfeng.assessment import views, views_appraisal, views_scheme

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
    path("schemes/", views_scheme.scheme_list, name="schemes"),
    path("schemes/new/", views_scheme.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/", views_scheme.scheme_detail, name="scheme"),
    path("schemes/<int:pk>/do/<str:action>/", views_scheme.scheme_action, name="scheme_action"),
    path("schemes/<int:pk>/org/<str:code>/", views_scheme.scheme_sheet, name="scheme_sheet"),
]
