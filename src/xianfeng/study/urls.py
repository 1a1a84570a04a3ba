from django.urls import path

from xianfeng.study.views import points

app_name = "study"

urlpatterns = [
    path("points/", points.my_points, name="points"),
    path("points/ranking/", points.ranking, name="ranking"),
    path("points/branches/", points.branch_averages, name="branch_averages"),
    path("points/rules/", points.rules_page, name="points_rules"),
]
