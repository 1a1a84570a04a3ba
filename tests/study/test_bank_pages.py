"""The bank pages: upload → preview → commit, who sees which bank and import, query counts."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.study.test_bank_import import messy_workbook
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Question, QuestionImport

pytestmark = pytest.mark.django_db


def make_question(org, stem="党的根本宗旨是什么？", kind="single"):
    return Question.objects.create(
        org=org,
        kind=kind,
        stem=stem,
        options=["全心全意为人民服务", "发展经济"],
        answer=["A"],
        fingerprint=fingerprint(kind, stem),
    )


def upload(client, org):
    return client.post(
        reverse("study:bank_import"),
        {
            "org": org.pk,
            "file": SimpleUploadedFile(
                "题库.xlsx",
                messy_workbook(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        },
    )


def test_upload_previews_with_row_errors_and_writes_no_question(client, county):
    client.force_login(county.secretary_a1)
    response = upload(client, county.branch_a1)
    batch = QuestionImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("study:bank_import_detail", args=[batch.pk])
    html = client.get(response["Location"]).content.decode()
    assert "导入到“东街社区党支部”题库：8 道题可以导入，6 行有错误。" in html
    assert html.count('class="error-row"') == 6
    assert (
        "<td>单选多选</td><td>7</td><td>正确答案</td>"
        "<td>答案“E”超出了选项范围：本题只有 A–D 4 个选项</td>" in html
    )
    assert html.count('class="sample-row"') == 8
    assert Question.objects.count() == 0
    # Commit without choosing to skip the failures: refused, nothing written.
    response = client.post(reverse("study:bank_import_commit", args=[batch.pk]), follow=True)
    assert "有 6 行不能导入" in response.content.decode()
    assert Question.objects.count() == 0
    client.post(reverse("study:bank_import_commit", args=[batch.pk]), {"skip_invalid": "on"})
    client.post(reverse("study:bank_import_commit", args=[batch.pk]), {"skip_invalid": "on"})
    assert Question.objects.filter(org=county.branch_a1).count() == 8  # twice: once
    batch.refresh_from_db()
    assert (batch.state, batch.imported) == ("committed", 8)


def test_an_org_outside_the_reach_cannot_be_chosen(client, county):
    client.force_login(county.secretary_b1)
    response = upload(client, county.branch_a1)
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert QuestionImport.objects.count() == 0


def test_a_member_has_no_bank_pages(client, county):
    client.force_login(county.member_a1.user)
    for name in ("study:bank", "study:bank_import"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("study:bank_export"), {"org": "A1"}).status_code == 403


def test_anonymous_is_sent_to_login(client, county):
    for name in ("study:bank", "study:bank_import"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login" in response["Location"]


def test_another_branchs_import_is_a_404_and_cannot_be_committed(client, county):
    client.force_login(county.secretary_a1)
    upload(client, county.branch_a1)
    batch = QuestionImport.objects.get()
    client.force_login(county.secretary_b1)
    assert client.get(reverse("study:bank_import_detail", args=[batch.pk])).status_code == 404
    response = client.post(
        reverse("study:bank_import_commit", args=[batch.pk]), {"skip_invalid": "on"}
    )
    assert response.status_code == 404
    assert Question.objects.count() == 0
    html = client.get(reverse("study:bank_import")).content.decode()
    assert "题库.xlsx" not in html


def test_the_bank_list_shows_only_banks_in_reach(client, county):
    make_question(county.branch_a1, "东街支部的题")
    make_question(county.branch_b1, "柳湾村支部的题")
    make_question(county.county, "县里的题")
    client.force_login(county.secretary_b1)
    html = client.get(reverse("study:bank")).content.decode()
    assert "柳湾村支部的题" in html
    assert "东街支部的题" not in html and "县里的题" not in html
    client.force_login(county.town_a_admin)
    html = client.get(reverse("study:bank")).content.decode()
    assert "东街支部的题" in html and "柳湾村支部的题" not in html


def test_export_of_another_org_is_a_404_and_of_ones_own_reads_back(client, county):
    make_question(county.branch_a1, "东街支部的题")
    client.force_login(county.secretary_b1)
    assert client.get(reverse("study:bank_export"), {"org": "A1"}).status_code == 404
    client.force_login(county.secretary_a1)
    response = client.get(reverse("study:bank_export"), {"org": "A1"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "东街社区党支部题库"
    assert rows[2][:4] == ("单选题", "东街支部的题", "全心全意为人民服务", "发展经济")


@pytest.mark.parametrize("n", [1, 3])
def test_bank_list_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        make_question(county.branch_a1, f"第{i}题")
    client.force_login(county.secretary_a1)
    # session, user, roles, count, page (+org), orgs for export, the unread badge
    with django_assert_num_queries(7):
        html = client.get(reverse("study:bank")).content.decode()
    assert html.count('class="question-row"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_import_list_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        QuestionImport.objects.create(org=county.branch_a1, filename=f"第{i}批.xlsx")
    client.force_login(county.secretary_a1)
    with django_assert_num_queries(7):
        html = client.get(reverse("study:bank_import")).content.decode()
    assert html.count('class="import-row"') == n
