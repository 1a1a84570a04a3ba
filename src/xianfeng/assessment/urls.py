from django.urls import path

from xianfeng.assessment import views, views_appraisal, views_cycle, views_scheme

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
    path("checks/", views_cycle.check_list, name="checks"),
    path("checks/new/", views_cycle.check_start, name="check_start"),
    path("checks/spot/", views_cycle.spotcheck_create, name="spotcheck_create"),
    path("checks/<int:pk>/", views_cycle.check_detail, name="check"),
    path("checks/<int:pk>/do/<str:action>/", views_cycle.check_action, name="check_action"),
    path(
        "checks/<int:pk>/evidence/<int:evidence_id>/",
        views_cycle.evidence_file,
        name="evidence",
    ),
    path("bulletins/", views_cycle.bulletin_list, name="bulletins"),
    path("bulletins/new/", views_cycle.bulletin_create, name="bulletin_create"),
    path("bulletins/<int:pk>/", views_cycle.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/bulletin.pdf", views_cycle.bulletin_pdf, name="bulletin_pdf"),
    path("bulletins/<int:pk>/bulletin.xlsx", views_cycle.bulletin_xlsx, name="bulletin_xlsx"),
    path(
        "bulletins/<int:pk>/do/<str:action>/", views_cycle.bulletin_action, name="bulletin_action"
    ),
]
