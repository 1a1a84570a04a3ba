from django.urls import path

from xianfeng.study.views import bank, points

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
]
