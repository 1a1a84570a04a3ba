from django.urls import path

from xianfeng.study.views import articles, bank, plans, points, quizzes

app_name = "study"

urlpatterns = [
    path("articles/", articles.article_list, name="articles"),
    path("articles/<int:pk>/", articles.article_detail, name="article"),
    path("articles/<int:pk>/read/", articles.article_read, name="article_read"),
    path("articles/<int:pk>/cover/", articles.article_cover, name="article_cover"),
    path(
        "articles/<int:pk>/files/<int:attachment_id>/",
        articles.article_attachment,
        name="article_attachment",
    ),
    path("manage/articles/", articles.manage_articles, name="articles_manage"),
    path("manage/articles/new/", articles.article_new, name="article_new"),
    path("manage/articles/<int:pk>/", articles.article_edit, name="article_edit"),
    path("manage/articles/<int:pk>/readers/", articles.article_readers, name="article_readers"),
    path(
        "manage/articles/<int:pk>/<slug:action>/",
        articles.article_action,
        name="article_action",
    ),
    path(
        "manage/articles/<int:pk>/files/<int:attachment_id>/delete/",
        articles.attachment_delete,
        name="article_attachment_delete",
    ),
    path("plans/", plans.plan_list, name="plans"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("plans/<int:pk>/checkin/", plans.plan_checkin, name="plan_checkin"),
    path("plans/<int:pk>/note/", plans.plan_note, name="plan_note"),
    path("plans/<int:pk>/reminder/", plans.plan_reminder, name="plan_reminder"),
    path("plans/<int:pk>/day/", plans.plan_day, name="plan_day"),
    path("manage/columns/", articles.columns_manage, name="columns_manage"),
    path("manage/columns/<int:pk>/toggle/", articles.column_toggle, name="column_toggle"),
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
