from django.urls import path

from xianfeng.meetings import views
from xianfeng.meetings.views import life

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.meeting_list, name="list"),
    path("new/", views.plan, name="plan"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/held/", views.held, name="held"),
    path("<int:pk>/attendees/", views.attendees, name="attendees"),
    path("<int:pk>/attendance/", views.record, name="record"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/leave/<int:leave_id>/", views.leave_decide, name="leave_decide"),
    path("<int:pk>/qr/", views.qr, name="qr"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/do/<str:action>/", views.minutes_action, name="action"),
    path("<int:pk>/amend/", views.amend, name="amend"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("<int:pk>/minutes.pdf", views.minutes_pdf, name="pdf"),
    path("<int:pk>/life/", life.life, name="life"),
    path("<int:pk>/life/material/<int:material_id>/", life.material_file, name="material_file"),
    path(
        "<int:pk>/life/criticism/<int:criticism_id>/delete/",
        life.criticism_delete,
        name="criticism_delete",
    ),
    path("rectification/", life.rectifications, name="rectifications"),
    path("rectification/<int:pk>/", life.rectification, name="rectification"),
    path("rectification/<int:pk>/close/", life.rectification_close, name="rectification_close"),
    path("rectification/<int:pk>/evidence/<int:update_id>/", life.evidence, name="evidence"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("compliance/", views.overview, name="overview"),
    path("compliance/<str:code>/", views.branch, name="branch"),
    path("ledger/<str:code>/<int:year>.xlsx", views.ledger, name="ledger"),
    path("rules/<str:code>/", views.rules_page, name="rules"),
    path("settings/", views.settings_page, name="settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
]
