"""The roster import pages: upload, preview, commit, roll back, and who may reach what."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.people.roster_support import (
    id_number,
    roster_bytes,
    upload,
    use_tmp_private_storage,
)
from xianfeng.people import services
from xianfeng.people.enums import ImportStatus
from xianfeng.people.exports import HEADERS
from xianfeng.people.models import Member, RosterImport, User
from xianfeng.people.roster import MSG_OLD_XLS

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = reverse("people:import_list")


@pytest.fixture(autouse=True)
def _private_storage(monkeypatch, tmp_path):
    use_tmp_private_storage(monkeypatch, tmp_path)


def people(prefix: str, n: int = 2, start: int = 1) -> list[dict]:
    return [
        {
            "姓名": f"{prefix}{i}",
            "身份证号": id_number(D(1980, 3, i), 100 + i),
            "手机号": f"1370000{ord(prefix[0]) % 100:02d}{i:02d}",
            "入党日期": "2005-07-01",
        }
        for i in range(start, start + n)
    ]


def batch_for(county, secretary, branch, prefix, *, commit=False) -> RosterImport:
    batch = services.roster_import_preview(
        actor=secretary, org=branch, upload=upload(roster_bytes(people(prefix)), f"{prefix}.xlsx")
    )
    if commit:
        batch = services.roster_import_commit(actor=secretary, batch=batch)
    return batch


def test_upload_preview_commit_through_the_pages(client, county):
    client.force_login(county.secretary_a1)
    page = client.get(LIST)
    assert page.status_code == 200
    assert page.context["form"].fields["org"].widget.choices == [
        (county.branch_a1.pk, "东街社区党支部（A1）")
    ]
    response = client.post(
        LIST,
        {"org": county.branch_a1.pk, "file": upload(roster_bytes(people("东")), "东街.xlsx")},
    )
    batch = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:import_detail", args=[batch.pk])
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "核对无误，共 2 人" in html
    assert [r.data.name for r in detail.context["sample"]] == ["东1", "东2"]
    assert "确认导入" in html
    response = client.post(reverse("people:import_commit", args=[batch.pk]), follow=True)
    assert "已导入 2 名党员" in response.content.decode()
    assert sorted(
        Member.objects.filter(import_batch=batch).values_list("user__name", flat=True)
    ) == [
        "东1",
        "东2",
    ]
    listing = client.get(LIST).content.decode()
    assert "撤销本批" in listing and "已导入 2 人" in listing
    response = client.post(reverse("people:import_rollback", args=[batch.pk]), follow=True)
    assert "本批的改动已恢复" in response.content.decode()
    assert not Member.objects.filter(user__name__in=["东1", "东2"]).exists()


def test_preview_page_shows_each_error(client, county):
    rows = people("东")
    rows[1]["入党日期"] = "2020-02-30"
    batch = services.roster_import_preview(
        actor=county.secretary_a1, org=county.branch_a1, upload=upload(roster_bytes(rows))
    )
    client.force_login(county.secretary_a1)
    html = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "发现 1 处错误" in html
    assert "<td>3</td>" in html and "<td>入党日期</td>" in html
    assert "日期“2020-02-30”不存在，请核对" in html
    assert "确认导入" not in html
    response = client.post(reverse("people:import_commit", args=[batch.pk]), follow=True)
    assert "预览中还有 1 处错误" in response.content.decode()
    assert not Member.objects.filter(import_batch=batch).exists()


def test_old_excel_file_gets_a_message_on_the_form(client, county):
    client.force_login(county.secretary_a1)
    xls = upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024, "名册.xls")
    response = client.post(LIST, {"org": county.branch_a1.pk, "file": xls})
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [MSG_OLD_XLS]}
    assert RosterImport.objects.count() == 0


def test_secretary_cannot_reach_another_branchs_imports(client, county):
    theirs = batch_for(county, county.secretary_b1, county.branch_b1, "柳", commit=True)
    their_preview = batch_for(county, county.secretary_b1, county.branch_b1, "湾")
    ours = batch_for(county, county.secretary_a1, county.branch_a1, "东")
    counts = User.objects.count(), Member.objects.count()
    client.force_login(county.secretary_a1)
    listing = client.get(LIST)
    html = listing.content.decode()
    assert [b.pk for b in listing.context["page"].object_list] == [ours.pk]
    assert "柳.xlsx" not in html and "湾.xlsx" not in html
    for name in ("import_detail", "import_commit", "import_rollback"):
        for batch in (theirs, their_preview):
            method = client.get if name == "import_detail" else client.post
            assert method(reverse(f"people:{name}", args=[batch.pk])).status_code == 404
    assert (User.objects.count(), Member.objects.count()) == counts
    assert RosterImport.objects.get(pk=theirs.pk).status == ImportStatus.COMMITTED
    assert RosterImport.objects.get(pk=their_preview.pk).status == ImportStatus.PREVIEWED
    # The form does not offer branch B, and a forged choice is refused.
    assert f'value="{county.branch_b1.pk}"' not in html
    response = client.post(
        LIST, {"org": county.branch_b1.pk, "file": upload(roster_bytes(people("伪")))}
    )
    assert response.status_code == 200
    assert "org" in response.context["form"].errors
    assert RosterImport.objects.count() == 3


def test_people_without_roster_rights_get_no_import_pages(client, county):
    batch = batch_for(county, county.secretary_a1, county.branch_a1, "东")
    for username in ("propaganda_a1", "member_a1", "judge"):
        client.force_login(User.objects.get(username=username))
        assert client.get(LIST).status_code == 403
        assert client.get(reverse("people:import_template")).status_code == 403
        assert client.get(reverse("people:import_detail", args=[batch.pk])).status_code == 404
    client.logout()
    assert client.get(LIST).status_code == 302


def test_town_admin_sees_the_branch_imports_below(client, county):
    a1 = batch_for(county, county.secretary_a1, county.branch_a1, "东")
    batch_for(county, county.secretary_b1, county.branch_b1, "柳")
    client.force_login(county.town_a_admin)
    page = client.get(LIST)
    assert [b.pk for b in page.context["page"].object_list] == [a1.pk]
    assert client.get(reverse("people:import_detail", args=[a1.pk])).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_import_list_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        batch = services.roster_import_preview(
            actor=county.secretary_a1,
            org=county.branch_a1,
            upload=upload(roster_bytes(people("东", 2, start=1 + 2 * i))),
        )
        if i == 0:
            services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    client.force_login(county.secretary_a1)
    # session, user, roles, the org choices, paginator count, the imports with their org
    # and uploader, the unread badge
    with django_assert_num_queries(7):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == n


def test_template_download(client, county):
    client.force_login(county.secretary_a1)
    response = client.get(reverse("people:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in wb["党员名册"][1]] == HEADERS
