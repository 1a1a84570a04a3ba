from django.urls import path

from xianfeng.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("org/<str:code>/", views.org_page, name="org"),
    path("screen/<str:code>/", views.screen, name="screen"),
    path("screen/<str:code>/data.json", views.screen_data, name="screen_data"),
]
