from django.urls import path

from xianfeng.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="mark_read"),
    path("<int:pk>/read/", views.mark_one_read, name="mark_one_read"),
    path("settings/", views.settings_page, name="settings"),
    path("sent/<int:pk>/", views.reach, name="reach"),
    path("org/<str:code>/", views.org_policy, name="org_policy"),
]
