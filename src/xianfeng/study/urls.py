from django.urls import path

from xianfeng.study.views import bank, points, quizzes

app_name = "study"

urlpatterns = [
    path("points/", points.my_points, name="points"),
    path("points/ranking/", points.ranking, name="ranking"),
    path("points/branches/", points.branch_averages, name="branch_averages"),
    path("points/rules/", points.rules_page, name="points_rules"),
    path("bank/", bank.bank_list, name="bank"),
    path("bank/import/", bank.bank_import, name="bank_import"),
    path("bank/import/<int:pk>/", bank.bank_import_detail, name="bank_import_detail"),
    path("bank/import/<int:pk>/commit/", bank.bank_import_commit, name="bank_import_commit"),
    path("bank/export/", bank.bank_export, name="bank_export"),
    path("quizzes/", quizzes.quiz_list, name="quizzes"),
    path("quizzes/<int:pk>/", quizzes.quiz_detail, name="quiz"),
    path("quizzes/<int:pk>/start/", quizzes.quiz_start, name="quiz_start"),
    path("quizzes/<int:pk>/results/", quizzes.quiz_results, name="quiz_results"),
    path("daily/", quizzes.daily_start, name="daily"),
    path("attempts/<int:pk>/", quizzes.attempt_page, name="attempt"),
    path("attempts/<int:pk>/save/", quizzes.attempt_save, name="attempt_save"),
    path("attempts/<int:pk>/submit/", quizzes.attempt_submit, name="attempt_submit"),
]
