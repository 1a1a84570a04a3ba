"""Offline packs (离线包): a plan or a week's menu packed for a site without a network (MP4s
remuxed from the HLS renditions, a file:// player page, the plan, a roll-call sheet with a
QR per viewing), downloadable only by the site's admins and the plan's publisher; back
online, a sheet's figures become the viewing, its 代签 attendance and 集体收看 credit, once."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import av
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image, ImageChops
from pypdf import PdfReader

from tests.factories import MemberFactory, published_lesson
from tests.media.conftest import top_level_boxes
from xianfeng.common.qr import qr_png
from xianfeng.lessons.models import GroupViewing, Lesson
from xianfeng.media.models import Video
from xianfeng.remote import offline, services
from xianfeng.remote.enums import PackState, SignInHow, ViewingState
from xianfeng.remote.models import OfflinePack, Viewing, ViewingAttendance

pytestmark = pytest.mark.django_db


def _plan(county, sites, lessons, *, publish=True):
    plan = services.plan_create(
        actor=county.county_admin,
        org=county.county,
        title="十二月第一周集中收看",
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 7),
        lessons=lessons,
        sites=sites,
        note="请各站点组织党员集中收看。",
    )
    if publish:
        plan = services.plan_publish(actor=county.county_admin, plan=plan)
    return plan


def _zip(client, pack) -> zipfile.ZipFile:
    response = client.get(f"/remote/offline/{pack.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _packets(data: bytes | str) -> tuple[int, int]:
    """How many video packets, and their bytes."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with av.open(source) as container:
        sizes = [p.size for p in container.demux(container.streams.video[0]) if p.size]
    return len(sizes), sum(sizes)


# --- building -------------------------------------------------------------------------------


def test_a_plan_pack_holds_remuxed_mp4s_a_player_the_plan_and_the_sheet(
    client, county, sites2, real_lesson, django_capture_on_commit_callbacks, settings
):
    lesson = real_lesson()
    plan = _plan(county, [sites2.a, sites2.b], [lesson])
    member_a = county.member_a1
    client.force_login(sites2.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/remote/plans/{plan.pk}/offline/", {"site": "DJ01"})
    pack = OfflinePack.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/remote/offline/{pack.pk}/"
    assert (pack.state, pack.progress, pack.failure_reason) == (PackState.READY, 100, "")
    assert pack.file.name.startswith("remote/offline/") and pack.size > 0

    page = client.get(f"/remote/offline/{pack.pk}/").content.decode()
    assert f"/remote/offline/{pack.pk}/download/" in page
    archive = _zip(client, pack)
    assert sorted(archive.namelist()) == [
        "index.html",
        "plan.txt",
        "roll-call.pdf",
        "videos/01-360p.mp4",
        "videos/01-720p.mp4",
    ]
    # The renditions, remuxed: moov first, H.264 copied (the HLS segments' packets).
    video = lesson.video
    for name in ("360p", "720p"):
        data = archive.read(f"videos/01-{name}.mp4")
        boxes = top_level_boxes(data)
        assert boxes.index("moov") < boxes.index("mdat")
        with av.open(io.BytesIO(data)) as mp4:
            assert mp4.duration / 1e6 == pytest.approx(3.0, abs=0.3)
            context = mp4.streams.video[0].codec_context
            assert context.name == "h264"
            assert context.height == int(name[:-1])
            assert len(mp4.streams.audio) == 1
        rendition = next(r for r in video.renditions if r["name"] == name)
        base = settings.MEDIA_ROOT / rendition["playlist"].rsplit("/", 1)[0]
        parts = [_packets(str(ts)) for ts in sorted(base.glob("seg_*.ts"))]
        count, size = _packets(data)
        # The same packets (MPEG-TS start codes become MP4 length fields: a few bytes move).
        assert count == sum(n for n, _ in parts)
        assert abs(size - sum(b for _, b in parts)) <= count

    html = archive.read("index.html").decode()
    assert '<video controls preload="metadata" src="videos/01-360p.mp4"' in html
    assert 'href="videos/01-720p.mp4"' in html
    assert "学习二十届四中全会精神" in html
    assert "http:" not in html and "https:" not in html
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert links and all(link.startswith(("videos/", "#")) for link in links)

    slot = pack.slots.get()
    text = archive.read("plan.txt").decode()
    assert "收看计划：十二月第一周集中收看" in text
    assert "请各站点组织党员集中收看。" in text
    assert "1. 学习二十届四中全会精神" in text and f"录入码：{slot.code}" in text

    reader = PdfReader(io.BytesIO(archive.read("roll-call.pdf")))
    assert len(reader.pages) == 1  # one page per viewing
    sheet = reader.pages[0].extract_text()
    for words in (
        "远程教育组织收看签到表",
        "学习二十届四中全会精神",
        "收看日期",
        "群众",
        slot.code,
    ):
        assert words in sheet
    assert member_a.user.name in sheet  # the branch's members, to tick
    entry_url = f"{settings.SITE_URL}/remote/offline/s/{slot.code}/"
    (image,) = reader.pages[0].images
    drawn = image.image.convert("L").point(lambda v: 255 if v > 127 else 0)
    expected = Image.open(io.BytesIO(qr_png(entry_url, box_size=6))).convert("L")
    assert ImageChops.difference(drawn.resize(expected.size), expected).getbbox() is None


def test_720p_stays_out_when_too_big_and_a_menu_pack_has_a_page_per_item(
    client, county, sites2, real_lesson, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(offline, "HD_MAX_BYTES", 1)
    lesson = real_lesson()
    week = datetime.date(2026, 11, 30)
    offer = services.menu_offer_add(
        actor=sites2.admin_a, week=week, lesson=lesson, site=sites2.a, pitch="全会精神"
    )
    other = published_lesson(
        org=county.county, author=county.member_a1.user, title="无视频", public=True
    )
    offer2 = services.menu_offer_add(actor=sites2.admin_a, week=week, lesson=other, site=sites2.a)
    at = timezone.make_aware(datetime.datetime(2026, 12, 2, 19, 30))
    services.menu_fix(
        actor=sites2.admin_a,
        site=sites2.a,
        week=week,
        choices=[
            services.MenuChoice(offer=offer, starts_at=at),
            services.MenuChoice(offer=offer2, starts_at=at + datetime.timedelta(days=1)),
        ],
    )
    # A lesson without a video (courseware still being made) gets a tile saying so.
    Lesson.objects.filter(pk=other.pk).update(video=None)
    client.force_login(sites2.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/remote/sites/DJ01/menu/offline/", {"week": "2026-12-02"})
    pack = OfflinePack.objects.get()
    assert (pack.week, pack.plan, pack.state) == (week, None, PackState.READY)
    archive = _zip(client, pack)
    assert sorted(archive.namelist()) == [
        "index.html",
        "plan.txt",
        "roll-call.pdf",
        "videos/01-360p.mp4",
    ]
    assert [s.starts_at for s in pack.slots.order_by("number")] == [
        at,
        at + datetime.timedelta(days=1),
    ]
    assert len(PdfReader(io.BytesIO(archive.read("roll-call.pdf"))).pages) == 2
    assert "该课件没有可用的视频文件" in archive.read("index.html").decode()


def test_a_failed_build_says_why_and_can_be_retried(
    client, county, sites2, django_capture_on_commit_callbacks, real_lesson
):
    # (real_lesson: the storages in tmp_path)
    lesson = published_lesson(org=county.county, author=county.member_a1.user)
    # A rendition listed whose files are gone from the storage.
    Video.objects.filter(pk=lesson.video_id).update(
        renditions=[{"name": "360p", "playlist": "videos/gone/1/360p/index.m3u8", "bandwidth": 1}]
    )
    plan = _plan(county, [sites2.a], [lesson])
    client.force_login(sites2.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/remote/plans/{plan.pk}/offline/", {"site": "DJ01"})
    pack = OfflinePack.objects.get()
    assert pack.state == PackState.FAILED
    assert pack.failure_reason == "生成失败：《一节微党课》的视频文件缺失，请重新处理该视频后再生成"
    assert client.get(f"/remote/offline/{pack.pk}/download/").status_code == 404
    page = client.get(f"/remote/offline/{pack.pk}/").content.decode()
    assert 'id="pack-retry"' in page and pack.failure_reason in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/remote/offline/{pack.pk}/retry/").status_code == 302
    pack.refresh_from_db()
    assert pack.state == PackState.FAILED  # the files are still missing


# --- who may ----------------------------------------------------------------------------------


def test_only_the_sites_admins_and_the_publisher_reach_a_pack(client, county, sites2):
    lesson = published_lesson(org=county.county, author=county.member_a1.user)
    plan = _plan(county, [sites2.a, sites2.b], [lesson])
    pack = services.offline_pack_for_plan(actor=sites2.admin_a, plan=plan, site=sites2.a)
    pack.state = PackState.READY  # as if built (the file is not read by the refusals)
    pack.save(update_fields=["state"])
    code = pack.slots.get().code
    urls = [
        f"/remote/offline/{pack.pk}/",
        f"/remote/offline/{pack.pk}/download/",
        f"/remote/offline/s/{code}/",
        f"/remote/offline/enter/?code={code}",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    # Village B's admin and village A's branch secretary (who sees the site but does not
    # run it) get nothing.
    for outsider in (sites2.admin_b, county.secretary_a1):
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
        assert client.post(f"/remote/offline/{pack.pk}/retry/").status_code == 404
        assert client.post(f"/remote/offline/s/{code}/", {"day": "2026-12-02"}).status_code == 404
    # B's admin cannot pack A's copy of the plan either.
    client.force_login(sites2.admin_b)
    client.post(f"/remote/plans/{plan.pk}/offline/", {"site": "DJ01"})
    assert OfflinePack.objects.count() == 1
    assert Viewing.objects.count() == 0
    # The publisher downloads the pack of any site of the plan; and cannot enter a sheet.
    client.force_login(county.county_admin)
    assert client.get(f"/remote/offline/{pack.pk}/").status_code == 200
    plan_page = client.get(f"/remote/plans/{plan.pk}/").content.decode()
    assert "东街社区远程教育站点" in plan_page and "柳湾村远程教育站点" in plan_page


def test_a_draft_plan_has_no_pack(county, sites2):
    lesson = published_lesson(org=county.county, author=county.member_a1.user)
    plan = _plan(county, [sites2.a], [lesson], publish=False)
    from xianfeng.common.errors import Refused

    with pytest.raises(Refused, match="发布后"):
        services.offline_pack_for_plan(actor=county.county_admin, plan=plan, site=sites2.a)
    assert OfflinePack.objects.count() == 0


# --- back online -------------------------------------------------------------------------------


def test_entering_a_sheet_credits_the_ticked_members_once(client, county, sites2):
    lesson = published_lesson(org=county.county, author=county.member_a1.user, title="党史一课")
    plan = _plan(county, [sites2.a], [lesson])
    pack = services.offline_pack_for_plan(actor=sites2.admin_a, plan=plan, site=sites2.a)
    slot = pack.slots.get()
    elder = MemberFactory(org=county.branch_a1, user__name="王大爷")
    other = MemberFactory(org=county.branch_a1, user__name="李大娘")
    client.force_login(sites2.admin_a)
    page = client.get(f"/remote/offline/s/{slot.code}/").content.decode()
    assert "王大爷" in page and "李大娘" in page
    form = {"day": "2026-12-02", "time": "19:30", "residents": "5"}
    response = client.post(
        f"/remote/offline/s/{slot.code}/", {**form, "members": [elder.pk, county.member_a1.pk]}
    )
    assert response.status_code == 302
    viewing = Viewing.objects.get()
    slot.refresh_from_db()
    assert slot.viewing == viewing and slot.recorded_at is not None
    assert (viewing.plan, viewing.site, viewing.state, viewing.residents) == (
        plan,
        sites2.a,
        ViewingState.HELD,
        5,
    )
    assert timezone.localtime(viewing.starts_at) == timezone.make_aware(
        datetime.datetime(2026, 12, 2, 19, 30)
    )
    assert list(viewing.lessons.all()) == [lesson]
    rows = {(a.user_id, a.how, a.is_member, a.recorded_by_id) for a in viewing.attendance.all()}
    assert rows == {
        (elder.user_id, SignInHow.PROXY, True, sites2.admin_a.pk),
        (county.member_a1.user_id, SignInHow.PROXY, True, sites2.admin_a.pk),
    }
    credits = {
        (g.user_id, g.lesson_id, g.source, g.source_id, g.viewed_on)
        for g in GroupViewing.objects.all()
    }
    day = datetime.date(2026, 12, 2)
    assert credits == {
        (elder.user_id, lesson.pk, "remote.viewing", viewing.pk, day),
        (county.member_a1.user_id, lesson.pk, "remote.viewing", viewing.pk, day),
    }
    summary = services.plan_summary(plan)
    assert (summary.viewings, summary.members, summary.residents) == (1, 2, 5)

    # The same sheet again: nothing new.
    client.post(
        f"/remote/offline/s/{slot.code}/", {**form, "members": [county.member_a1.pk, elder.pk]}
    )
    assert (Viewing.objects.count(), ViewingAttendance.objects.count()) == (1, 2)
    assert GroupViewing.objects.count() == 2
    # A correction: one more name, one more resident.
    client.post(
        f"/remote/offline/s/{slot.code}/",
        {**form, "residents": "6", "members": [county.member_a1.pk, elder.pk, other.pk]},
    )
    viewing.refresh_from_db()
    assert (Viewing.objects.count(), viewing.attendance.count(), viewing.residents) == (1, 3, 6)
    assert GroupViewing.objects.count() == 3
    page = client.get(f"/remote/offline/{pack.pk}/").content.decode()
    assert "已录入：签到 3 人，群众 6 人" in page


def test_a_sheet_refuses_names_from_another_branch(client, county, sites2):
    lesson = published_lesson(org=county.county, author=county.member_a1.user)
    plan = _plan(county, [sites2.a], [lesson])
    pack = services.offline_pack_for_plan(actor=sites2.admin_a, plan=plan, site=sites2.a)
    slot = pack.slots.get()
    client.force_login(sites2.admin_a)
    response = client.post(
        f"/remote/offline/s/{slot.code}/",
        {"day": "2026-12-02", "residents": "2", "members": [county.member_b1.pk]},
    )
    assert response.status_code == 400
    assert "不在本站点所属组织的名单中" in response.content.decode()
    assert (Viewing.objects.count(), ViewingAttendance.objects.count()) == (0, 0)
    assert GroupViewing.objects.count() == 0


def test_a_menu_sheet_becomes_the_menu_items_viewing(client, county, sites2):
    lesson = published_lesson(
        org=county.county, author=county.member_a1.user, title="种植技术", public=True
    )
    week = datetime.date(2026, 11, 30)
    offer = services.menu_offer_add(actor=sites2.admin_a, week=week, lesson=lesson, site=sites2.a)
    at = timezone.make_aware(datetime.datetime(2026, 12, 1, 19, 0))
    (menu_slot,) = services.menu_fix(
        actor=sites2.admin_a,
        site=sites2.a,
        week=week,
        choices=[services.MenuChoice(offer=offer, starts_at=at)],
    )
    pack = services.offline_pack_for_menu(actor=sites2.admin_a, site=sites2.a, week=week)
    slot = pack.slots.get()
    assert (slot.menu_slot, slot.starts_at, slot.lesson) == (menu_slot, at, lesson)
    client.force_login(sites2.admin_a)
    page = client.get(f"/remote/offline/s/{slot.code}/").content.decode()
    assert 'value="2026-12-01"' in page and 'value="19:00"' in page
    for _ in range(2):
        client.post(
            f"/remote/offline/s/{slot.code}/",
            {"day": "2026-12-01", "time": "19:00", "members": [county.member_a1.pk]},
        )
    menu_slot.refresh_from_db()
    viewing = Viewing.objects.get()
    assert menu_slot.viewing == viewing
    assert viewing.state == ViewingState.HELD
    assert GroupViewing.objects.filter(source_id=viewing.pk).count() == 1


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["pack", "plan"])
def test_the_pack_and_plan_pages_query_the_same_for_1_and_3_items(client, county, sites2, page):
    counts = []
    client.force_login(county.county_admin)
    for n in (1, 3):
        lessons = [
            published_lesson(org=county.county, author=county.member_a1.user, title=f"课{i}")
            for i in range(n)
        ]
        sites = [sites2.a, sites2.b][: min(n, 2)]
        plan = _plan(county, sites, lessons)
        packs = [
            services.offline_pack_for_plan(actor=county.county_admin, plan=plan, site=site)
            for site in sites
        ]
        for slot in packs[0].slots.all():
            services.offline_slot_record(
                actor=county.county_admin,
                slot=slot,
                member_ids=[county.member_a1.pk],
                residents=1,
                starts_at=timezone.now() - datetime.timedelta(hours=1),
            )
        url = f"/remote/offline/{packs[0].pk}/" if page == "pack" else f"/remote/plans/{plan.pk}/"
        assert client.get(url).status_code == 200  # warm: the first request loads the roles
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
