from django.urls import path

from xianfeng.contests import record_lists, views
from xianfeng.contests.views import stage

app_name = "contests"
urlpatterns = [
    path("", views.contest_list, name="list"),
    path("new/", views.contest_create, name="create"),
    path("records/<str:code>/<str:month>/<str:what>/", record_lists.view, name="records"),
    path("<int:pk>/", views.contest_detail, name="detail"),
    path("<int:pk>/do/<str:action>/", views.contest_action, name="action"),
    path("<int:pk>/results.xlsx", views.results_export, name="results"),
    path("<int:pk>/awards/<int:award_id>/certificate.pdf", views.certificate, name="certificate"),
    path("<int:pk>/entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path("<int:pk>/rounds/<int:number>/decide/", views.decide, name="decide"),
    path("<int:pk>/rounds/<int:number>/judge/", views.judge_home, name="judge"),
    path(
        "<int:pk>/rounds/<int:number>/judge/<int:entry_id>/", views.judge_entry, name="judge_entry"
    ),
    path("<int:pk>/rounds/<int:number>/ranking/", views.ranking, name="ranking"),
    path("<int:pk>/rounds/<int:number>/vote/", views.vote, name="vote"),
    path("<int:pk>/rounds/<int:number>/stage/", stage.host, name="stage_host"),
    path(
        "<int:pk>/rounds/<int:number>/stage/do/<str:action>/",
        stage.host_action,
        name="stage_action",
    ),
    path("<int:pk>/rounds/<int:number>/stage/judge/", stage.judge, name="stage_judge"),
    path("<int:pk>/rounds/<int:number>/stage/board/", stage.board, name="stage_board"),
]
