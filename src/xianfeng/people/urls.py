from django.urls import path

from xianfeng.people import (
    record_lists,
    views,
    views_groups,
    views_history,
    views_pipeline,
    views_roster,
)

app_name = "people"
urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/login/verify/", views.login_verify, name="login_verify"),
    path("accounts/register/", views.register_view, name="register"),
    path("accounts/password/<str:key>/", views.password_link, name="password_link"),
    path("me/", views.me_view, name="me"),
    path("text-size/", views.text_size, name="text_size"),
    path("me/two-step/", views.two_step_view, name="two_step"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/export.xlsx", views.member_export, name="member_export"),
    path("members/records/<str:code>/<str:month>/<str:what>/", record_lists.view, name="records"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/history/", views_history.member_status, name="member_status"),
    path("members/<int:pk>/password/", views.member_set_password, name="member_set_password"),
    path(
        "members/<int:pk>/password-link/", views.member_password_link, name="member_password_link"
    ),
    path("members/pipeline/", views_pipeline.pipeline_index, name="pipeline"),
    path("members/pipeline/new/", views_pipeline.applicant_new, name="applicant_new"),
    path("members/pipeline/<int:pk>/", views_pipeline.applicant_detail, name="applicant_detail"),
    path(
        "members/pipeline/<int:pk>/<str:step>/",
        views_pipeline.applicant_step,
        name="applicant_step",
    ),
    path("members/import/", views_roster.import_list, name="import_list"),
    path("members/import/<int:pk>/", views_roster.import_detail, name="import_detail"),
    path("members/import/<int:pk>/commit/", views_roster.import_commit, name="import_commit"),
    path("members/import/<int:pk>/rollback/", views_roster.import_rollback, name="import_rollback"),
    # A role at an org, granted from the org's page to a person found by phone or name.
    path("orgs/<str:code>/roles/", views.role_grant, name="role_grant"),
    path("orgs/<str:code>/group-members/", views_groups.group_members, name="group_members"),
    path("members/import/template.xlsx", views_roster.import_template, name="import_template"),
]
