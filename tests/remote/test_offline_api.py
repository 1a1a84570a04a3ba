"""The offline packs' JSON API (/api/v1/remote/…): a site's packs, asking for a build, its
state and download, entering a filled roll-call sheet — the pack pages' selectors and
services, so the same people reach them (the site's admins, the plan's publisher) and
everyone else gets the same 404."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import MemberFactory, published_lesson
from xianfeng.lessons.models import GroupViewing
from xianfeng.remote import services
from xianfeng.remote.enums import PackState, SignInHow, ViewingState
from xianfeng.remote.models import OfflinePack, Viewing, ViewingAttendance

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _plan(county, sites, lessons, *, title="十二月第一周集中收看"):
    plan = services.plan_create(
        actor=county.county_admin,
        org=county.county,
        title=title,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=6),
        lessons=lessons,
        sites=sites,
    )
    return services.plan_publish(actor=county.county_admin, plan=plan)


@pytest.fixture
def pack_storage(monkeypatch, tmp_path):
    storage = OfflinePack._meta.get_field("file").storage
    monkeypatch.setattr(storage, "base_location", str(tmp_path / "private"))
    monkeypatch.setattr(storage, "location", str(tmp_path / "private"))
    return storage


def _ready(pack) -> bytes:
    """As if built: a small zip saved where the task keeps it."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("plan.txt", "收看计划")
    pack.file.save(f"pack-{pack.pk}.zip", ContentFile(data.getvalue()), save=False)
    OfflinePack.objects.filter(pk=pack.pk).update(
        state=PackState.READY,
        progress=100,
        file=pack.file.name,
        size=len(data.getvalue()),
        ready_at=timezone.now(),
    )
    return data.getvalue()


def test_ask_for_a_pack_follow_it_and_download_it(
    client, county, sites2, pack_storage, django_capture_on_commit_callbacks
):
    lesson = published_lesson(org=county.county, author=county.member_a1.user, title="党史一课")
    plan = _plan(county, [sites2.a], [lesson])
    client.force_login(sites2.admin_a)
    # The build is queued on commit; not run here (test_offline.py builds real packs).
    asked = client.post(
        "/api/v1/remote/offline-packs", {"site": "DJ01", "plan": plan.pk}, content_type=JSON
    )
    assert asked.status_code == 201, asked.content
    pack = OfflinePack.objects.get()
    got = asked.json()
    assert (got["id"], got["site"], got["plan"], got["week"], got["state"], got["download"]) == (
        pack.pk,
        "DJ01",
        plan.pk,
        None,
        "queued",
        None,
    )
    status = client.get(f"/api/v1/remote/offline-packs/{pack.pk}").json()
    (slot,) = status["slots"]
    assert (slot["number"], slot["lesson"], slot["code"], slot["viewing"]) == (
        1,
        "党史一课",
        pack.slots.get().code,
        None,
    )
    assert client.get(f"/api/v1/remote/offline-packs/{pack.pk}/download").status_code == 404
    zipped = _ready(pack)
    status = client.get(f"/api/v1/remote/offline-packs/{pack.pk}").json()
    assert status["state"] == "ready" and status["size"] == len(zipped)
    assert status["download"] == f"/api/v1/remote/offline-packs/{pack.pk}/download"
    response = client.get(status["download"])
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content) == zipped
    listed = client.get("/api/v1/remote/sites/DJ01/offline-packs").json()
    assert [(p["id"], p["state"]) for p in listed] == [(pack.pk, "ready")]
    # A ready pack can be built again (a lesson's video was replaced).
    with django_capture_on_commit_callbacks(execute=False):
        again = client.post(f"/api/v1/remote/offline-packs/{pack.pk}/retry")
    assert again.status_code == 200 and again.json()["state"] == "queued"


def test_bad_requests_for_a_pack_say_why(client, county, sites2):
    lesson = published_lesson(org=county.county, author=county.member_a1.user)
    plan = _plan(county, [sites2.a], [lesson])
    client.force_login(sites2.admin_a)
    url = "/api/v1/remote/offline-packs"
    both = client.post(
        url, {"site": "DJ01", "plan": plan.pk, "week": "2026-11-30"}, content_type=JSON
    )
    neither = client.post(url, {"site": "DJ01"}, content_type=JSON)
    for response in (both, neither):
        assert response.status_code == 400
        assert response.json() == {
            "detail": "请指定收看计划（plan）或菜单周（week），二者选一",
            "field": "plan",
        }
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    no_menu = client.post(url, {"site": "DJ01", "week": monday.isoformat()}, content_type=JSON)
    assert no_menu.status_code == 400
    assert no_menu.json()["detail"] == "本周还没有确定菜单，确定菜单后才能生成离线包"
    tuesday = (monday + datetime.timedelta(days=1)).isoformat()
    assert client.post(url, {"site": "DJ01", "week": tuesday}, content_type=JSON).json() == {
        "detail": "周的第一天应为周一",
        "field": "week",
    }
    # The plan does not include village B's site.
    other = client.post(url, {"site": "LW01", "plan": plan.pk}, content_type=JSON)
    assert other.status_code == 404
    assert OfflinePack.objects.count() == 0


def test_only_the_sites_admins_and_the_publisher_reach_packs_through_the_api(
    client, county, sites2, pack_storage
):
    lesson = published_lesson(org=county.county, author=county.member_a1.user)
    plan = _plan(county, [sites2.a, sites2.b], [lesson])
    pack = services.offline_pack_for_plan(actor=sites2.admin_a, plan=plan, site=sites2.a)
    _ready(pack)
    code = pack.slots.get().code
    sheet = {"members": [county.member_a1.pk], "starts_at": timezone.now().isoformat()}
    reads = [
        f"/api/v1/remote/offline-packs/{pack.pk}",
        f"/api/v1/remote/offline-packs/{pack.pk}/download",
    ]
    for url in reads:
        assert client.get(url).status_code == 401
    assert client.get("/api/v1/remote/sites/DJ01/offline-packs").status_code == 401
    # Village B's admin, and village A's branch secretary (sees the site, does not run it).
    for outsider in (sites2.admin_b, county.secretary_a1):
        client.force_login(outsider)
        for url in reads:
            assert client.get(url).status_code == 404, (outsider, url)
        assert client.get("/api/v1/remote/sites/DJ01/offline-packs").json() == []
        assert client.post(f"/api/v1/remote/offline-packs/{pack.pk}/retry").status_code == 404
        entered = client.post(f"/api/v1/remote/offline-sheets/{code}", sheet, content_type=JSON)
        assert entered.status_code == 404
        asked = client.post(
            "/api/v1/remote/offline-packs", {"site": "DJ01", "plan": plan.pk}, content_type=JSON
        )
        assert asked.status_code in (403, 404), (outsider, asked.content)
    assert OfflinePack.objects.count() == 1
    assert Viewing.objects.count() == 0
    # The publisher (the county admin here) reads and downloads the pack.
    client.force_login(county.county_admin)
    assert [p["id"] for p in client.get("/api/v1/remote/sites/DJ01/offline-packs").json()] == [
        pack.pk
    ]
    for url in reads:
        assert client.get(url).status_code == 200


def test_a_sheet_entered_through_the_api_twice_counts_once(client, county, sites2):
    lesson = published_lesson(org=county.county, author=county.member_a1.user, title="党史一课")
    plan = _plan(county, [sites2.a], [lesson])
    pack = services.offline_pack_for_plan(actor=sites2.admin_a, plan=plan, site=sites2.a)
    slot = pack.slots.get()
    elder = MemberFactory(org=county.branch_a1, user__name="王大爷")
    outsider = MemberFactory(org=county.branch_b1, user__name="柳湾党员")
    client.force_login(sites2.admin_a)
    url = f"/api/v1/remote/offline-sheets/{slot.code.lower()}"  # typed in lower case: fine
    at = timezone.localtime() - datetime.timedelta(hours=2)
    sheet = {
        "members": [elder.pk, county.member_a1.pk],
        "residents": 5,
        "starts_at": at.isoformat(),
    }
    first = client.post(url, sheet, content_type=JSON)
    assert first.status_code == 200, first.content
    viewing = Viewing.objects.get()
    got = first.json()
    # (the API writes times to the millisecond)
    assert abs(datetime.datetime.fromisoformat(got.pop("starts_at")) - at) < datetime.timedelta(
        milliseconds=1
    )
    assert got == {
        "id": viewing.pk,
        "site": "DJ01",
        "title": "十二月第一周集中收看：党史一课",
        "place": "离线收看",
        "audience": "all",
        "state": "held",
        "plan": plan.pk,
        "attendance": 2,
        "residents": 5,
    }
    assert client.post(url, sheet, content_type=JSON).json()["attendance"] == 2
    assert (Viewing.objects.count(), ViewingAttendance.objects.count()) == (1, 2)
    assert {a.how for a in ViewingAttendance.objects.all()} == {SignInHow.PROXY}
    assert GroupViewing.objects.filter(source_id=viewing.pk).count() == 2
    assert viewing.state == ViewingState.HELD
    status = client.get(f"/api/v1/remote/offline-packs/{pack.pk}").json()
    assert (status["slots"][0]["viewing"], status["slots"][0]["attendance"]) == (viewing.pk, 2)
    assert status["slots"][0]["residents"] == 5
    # Refusals, each with its reason; nothing changes.
    wrong = client.post(url, {**sheet, "members": [outsider.pk]}, content_type=JSON)
    assert wrong.json() == {"detail": "所选党员不在本站点所属组织的名单中", "field": "members"}
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    future = client.post(url, {**sheet, "starts_at": later}, content_type=JSON)
    assert future.json() == {"detail": "收看时间不能晚于现在", "field": "starts_at"}
    naive = client.post(url, {**sheet, "starts_at": "2026-12-01T19:00:00"}, content_type=JSON)
    assert naive.status_code == 422
    too_many = client.post(url, {**sheet, "residents": 10_001}, content_type=JSON)
    assert too_many.status_code == 422
    assert ViewingAttendance.objects.count() == 2
    assert (
        client.post("/api/v1/remote/offline-sheets/NOPE", sheet, content_type=JSON).status_code
        == 404
    )


def test_a_sites_pack_list_queries_the_same_for_1_and_3_packs(client, county, sites2):
    client.force_login(sites2.admin_a)
    counts = []
    for n in (1, 3):
        OfflinePack.objects.all().delete()
        lesson = published_lesson(org=county.county, author=county.member_a1.user)
        plan = _plan(county, [sites2.a], [lesson], title=f"计划{n}")
        for _ in range(n):
            services.offline_pack_for_plan(actor=sites2.admin_a, plan=plan, site=sites2.a)
        url = "/api/v1/remote/sites/DJ01/offline-packs"
        assert len(client.get(url).json()) == n
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
