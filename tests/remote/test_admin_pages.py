"""The site administration pages: the sites workbook (preview → commit), 停用 periods,
targets inherited down the tree, discussion photos; each with data that could leak."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image

from tests.factories import LessonFactory, UserFactory, grant, make_site
from xianfeng.orgs.enums import RoleKind
from xianfeng.remote import services
from xianfeng.remote.enums import ImportState
from xianfeng.remote.models import (
    RemoteTarget,
    Site,
    SiteImportBatch,
    SiteSuspension,
    ViewingPhoto,
)

pytestmark = pytest.mark.django_db


def workbook(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["青山县远程教育站点登记表"])
    ws.merge_cells("A1:E1")
    ws.append(["站点编码", "站点名称", "所属党组织", "类型", "启用日期"])
    for row in rows:
        ws.append(row)
    ws.append(["合计", "若干"])
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("站点.xlsx", out.getvalue())


GOOD = [
    ["DJ01", "东街社区远程教育站点", "东街社区党支部", "社区站点", "2026-03-01"],
    ["ＸＪ０１", "西街社区远程教育站点", "A2", "社区站点", None],
]


def test_upload_preview_then_commit_once(client, county):
    client.force_login(county.town_a_admin)
    page = client.get("/remote/sites/import/")
    assert page.status_code == 200
    assert "城关镇党委（TA）" in page.content.decode()
    posted = client.post("/remote/sites/import/", {"org": county.town_a.pk, "file": workbook(GOOD)})
    batch = SiteImportBatch.objects.get()
    assert posted.status_code == 302 and posted["Location"] == f"/remote/sites/import/{batch.pk}/"
    assert (batch.row_count, batch.error_count, batch.status) == (2, 0, ImportState.PREVIEWED)
    assert not Site.objects.exists()  # a preview writes no site
    preview = client.get(f"/remote/sites/import/{batch.pk}/").content.decode()
    assert "东街社区远程教育站点" in preview and "XJ01" in preview
    assert "确认导入 2 个站点" in preview
    done = client.post(f"/remote/sites/import/{batch.pk}/commit/")
    assert done.status_code == 302
    assert sorted(Site.objects.values_list("code", "org__code", "service_start")) == [
        ("DJ01", "A1", datetime.date(2026, 3, 1)),
        ("XJ01", "A2", datetime.date.today()),
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, bytes(batch.content)) == (
        ImportState.COMMITTED,
        2,
        b"",
    )
    # A double click: the second commit is refused with a message, nothing twice.
    again = client.post(f"/remote/sites/import/{batch.pk}/commit/", follow=True)
    assert "这批站点已经导入过了" in again.content.decode()
    assert Site.objects.count() == 2


def test_rows_with_errors_are_listed_and_cannot_be_committed(client, county):
    make_site(county.branch_a1, code="OLD1")
    client.force_login(county.town_a_admin)
    client.post(
        "/remote/sites/import/",
        {
            "org": county.town_a.pk,
            "file": workbook(
                [
                    ["OLD1", "重复的站点", "A1", "村站点", None],
                    ["LW09", "柳湾站点", "柳湾村党支部", "村站点", None],  # town B: out of reach
                    ["GOOD1", "好站点", "A1", "卫星站", None],
                ]
            ),
        },
    )
    batch = SiteImportBatch.objects.get()
    assert (batch.row_count, batch.error_count) == (3, 3)
    page = client.get(f"/remote/sites/import/{batch.pk}/").content.decode()
    assert "第 3 行：站点编码“OLD1”已存在" in page
    assert "第 4 行：找不到党组织“柳湾村党支部”（须在“城关镇党委”之下）" in page
    assert "类型“卫星站”不正确" in page
    assert "确认导入" not in page
    client.post(f"/remote/sites/import/{batch.pk}/commit/")
    assert list(Site.objects.values_list("code", flat=True)) == ["OLD1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0old excel", "旧版 Excel（.xls）"),
        (b"name,code\n", "请上传 Excel 的 .xlsx 文件"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_in_chinese(client, county, content, message):
    client.force_login(county.town_a_admin)
    page = client.post(
        "/remote/sites/import/",
        {"org": county.town_a.pk, "file": SimpleUploadedFile("sites.xlsx", content)},
    )
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not SiteImportBatch.objects.exists()


def test_site_import_scoping(client, county, sites2):
    client.force_login(county.town_a_admin)
    new = [["NEW1", "新站点", "A1", "村站点", None]]
    client.post("/remote/sites/import/", {"org": county.town_a.pk, "file": workbook(new)})
    batch = SiteImportBatch.objects.get()
    # A forged org outside the admin's reach is not a valid choice.
    forged = client.post("/remote/sites/import/", {"org": county.town_b.pk, "file": workbook(GOOD)})
    assert forged.status_code == 400 and SiteImportBatch.objects.count() == 1
    town_b_admin = UserFactory(username="town_b_admin")
    grant(town_b_admin, county.town_b, RoleKind.ADMIN)
    for user in (town_b_admin, sites2.admin_a, county.secretary_a1, county.resident):
        client.force_login(user)
        assert client.get(f"/remote/sites/import/{batch.pk}/").status_code == 404
        assert client.post(f"/remote/sites/import/{batch.pk}/commit/").status_code == 404
    for user in (sites2.admin_a, county.resident):
        client.force_login(user)
        assert client.get("/remote/sites/import/").status_code == 403
    client.logout()
    assert client.get(f"/remote/sites/import/{batch.pk}/").status_code == 302
    assert not Site.objects.filter(code="NEW1").exists()


@pytest.mark.parametrize("n", [1, 3])
def test_import_list_query_count(client, county, django_assert_num_queries, n):
    client.force_login(county.town_a_admin)
    for i in range(n):
        SiteImportBatch.objects.create(
            org=county.town_a, filename=f"{i}.xlsx", content=b"", created_by=county.town_a_admin
        )
    # session, user, roles (rule), orgs for the form, count, page, badge
    with django_assert_num_queries(7):
        html = client.get("/remote/sites/import/").content.decode()
    assert html.count('class="title"') == n


# --- suspensions ---------------------------------------------------------------------------


def test_site_admin_records_and_removes_a_suspension(client, county, sites2):
    client.force_login(sites2.admin_a)
    url = f"/remote/sites/{sites2.a.code}/suspensions/"
    assert client.get(url).status_code == 200
    done = client.post(
        url, {"starts_on": "2026-11-03", "ends_on": "2026-11-05", "reason": "设备维修"}
    )
    assert done.status_code == 302
    suspension = SiteSuspension.objects.get(site=sites2.a)
    assert (suspension.starts_on, suspension.ends_on, suspension.created_by) == (
        datetime.date(2026, 11, 3),
        datetime.date(2026, 11, 5),
        sites2.admin_a,
    )
    overlap = client.post(
        url, {"starts_on": "2026-11-05", "ends_on": "2026-11-09", "reason": "搬迁"}
    )
    assert overlap.status_code == 400 and "与已有的停用期重叠" in overlap.content.decode()
    backwards = client.post(
        url, {"starts_on": "2026-11-09", "ends_on": "2026-11-07", "reason": "搬迁"}
    )
    assert "停用结束日期不能早于开始日期" in backwards.content.decode()
    assert SiteSuspension.objects.count() == 1
    client.post(f"{url}{suspension.pk}/remove/")
    assert not SiteSuspension.objects.exists()


def test_suspensions_of_another_village_are_out_of_reach(client, county, sites2):
    other = services.site_suspend(
        actor=None,
        site=sites2.b,
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 2),
        reason="维修",
    )
    client.force_login(sites2.admin_a)
    assert client.get(f"/remote/sites/{sites2.b.code}/suspensions/").status_code == 404
    assert (
        client.post(
            f"/remote/sites/{sites2.b.code}/suspensions/",
            {"starts_on": "2026-11-03", "ends_on": "2026-11-05", "reason": "x"},
        ).status_code
        == 404
    )
    # The other site's suspension through one's own site code: still a miss.
    assert (
        client.post(f"/remote/sites/{sites2.a.code}/suspensions/{other.pk}/remove/").status_code
        == 404
    )
    client.force_login(county.secretary_b1)  # sees the site, does not run it
    assert client.get(f"/remote/sites/{sites2.b.code}/suspensions/").status_code == 404
    assert SiteSuspension.objects.count() == 1


# --- targets -------------------------------------------------------------------------------


def test_targets_are_inherited_down_the_tree(client, county):
    client.force_login(county.county_admin)
    page = client.get("/remote/targets/").content.decode()
    assert "沿用默认目标" in page
    done = client.post(
        "/remote/targets/",
        {"org": "C", "min_viewings": "3", "min_hours": "30", "boot_rate_pct": "90"},
    )
    assert done.status_code == 302
    client.post(
        "/remote/targets/",
        {"org": "TB", "min_viewings": "1", "min_hours": "10", "boot_rate_pct": "80"},
    )
    county_page = client.get("/remote/targets/?org=C").content.decode()
    assert "本组织单独设置了目标" in county_page
    town_a = client.get("/remote/targets/?org=TA").content.decode()
    assert "沿用“青山县委”的目标" in town_a
    assert 'value="30"' in town_a  # the form starts from the inherited figures
    from xianfeng.remote.selectors import targets_of

    rows = {
        r.org.code: (r.min_viewings, r.min_hours, r.boot_rate_pct, r.own)
        for r in targets_of([county.branch_a1, county.branch_b1, county.town_b])
    }
    assert rows == {"A1": (3, 30, 90, False), "B1": (1, 10, 80, False), "TB": (1, 10, 80, True)}
    bad = client.post(
        "/remote/targets/",
        {"org": "TA", "min_viewings": "2", "min_hours": "20", "boot_rate_pct": "120"},
    )
    assert bad.status_code == 400
    assert not RemoteTarget.objects.filter(org=county.town_a).exists()
    client.post("/remote/targets/", {"org": "TB", "action": "clear"})
    assert list(RemoteTarget.objects.values_list("org__code", flat=True)) == ["C"]


def test_targets_scoping(client, county, sites2):
    client.force_login(county.town_a_admin)
    assert client.get("/remote/targets/?org=TB").status_code == 404
    assert (
        client.post(
            "/remote/targets/",
            {"org": "C", "min_viewings": "0", "min_hours": "0", "boot_rate_pct": "0"},
        ).status_code
        == 404
    )
    for user in (sites2.admin_a, county.secretary_a1, county.resident):
        client.force_login(user)
        assert client.get("/remote/targets/").status_code == 403
    assert not RemoteTarget.objects.exists()


@pytest.mark.parametrize("n", [1, 3])
def test_targets_page_query_count(client, county, django_assert_num_queries, n):
    from tests.factories import OrgFactory

    for i in range(n):
        OrgFactory(code=f"TX{i}", name=f"新镇{i}", parent=county.county)
    client.force_login(county.county_admin)
    # session, user, roles, root org, children, targets up the tree, badge
    with django_assert_num_queries(7):
        html = client.get("/remote/targets/?org=C").content.decode()
    assert html.count("?org=TX") == n


# --- discussion photos ---------------------------------------------------------------------


def png(width=1200, height=900) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 20, 20)).save(out, format="PNG")
    return SimpleUploadedFile("讨论.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def viewing(county, sites2):
    return services.viewing_start(
        actor=sites2.admin_a,
        site=sites2.a,
        title="学习二十大精神",
        lessons=[LessonFactory(published=True)],
    )


def test_discussion_photos_upload_show_and_delete(
    client, county, sites2, viewing, private_storage_in_tmp, django_capture_on_commit_callbacks
):
    client.force_login(sites2.admin_a)
    done = client.post(f"/remote/viewings/{viewing.pk}/photos/", {"image": png(2000, 1000)})
    assert done.status_code == 302
    photo = ViewingPhoto.objects.get()
    assert (photo.width, photo.height) == (1600, 800)
    page = client.get(f"/remote/viewings/{viewing.pk}/").content.decode()
    assert f"/remote/viewings/{viewing.pk}/photos/{photo.pk}/?size=thumb" in page
    image = client.get(f"/remote/viewings/{viewing.pk}/photos/{photo.pk}/")
    assert image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"] == "private, max-age=3600"
    broken = client.post(
        f"/remote/viewings/{viewing.pk}/photos/",
        {"image": SimpleUploadedFile("x.jpg", b"not a picture")},
        follow=True,
    )
    assert "无法识别的图片" in broken.content.decode()
    assert ViewingPhoto.objects.count() == 1
    stored = list(private_storage_in_tmp.rglob("*.jpg"))
    assert len(stored) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/remote/viewings/{viewing.pk}/photos/{photo.pk}/delete/")
    assert not ViewingPhoto.objects.exists()
    assert not list(private_storage_in_tmp.rglob("*.jpg"))


def test_discussion_photos_do_not_leak(client, county, sites2, viewing, private_storage_in_tmp):
    photo = services.viewing_photo_add(
        actor=sites2.admin_a, viewing=viewing, handle=png(), size=1000
    )
    url = f"/remote/viewings/{viewing.pk}/photos/{photo.pk}/"
    for user in (sites2.admin_b, county.secretary_b1, county.resident, county.member_a1.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(f"{url}delete/").status_code == 404
        assert (
            client.post(f"/remote/viewings/{viewing.pk}/photos/", {"image": png()}).status_code
            == 404
        )
    # The secretary of the branch sees the viewing and its photos but cannot add or delete.
    client.force_login(county.secretary_a1)
    assert client.get(url).status_code == 200
    client.post(f"{url}delete/")
    client.post(f"/remote/viewings/{viewing.pk}/photos/", {"image": png()})
    assert ViewingPhoto.objects.count() == 1
    client.logout()
    assert client.get(url).status_code == 302
