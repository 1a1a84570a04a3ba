"""党课微直播 pages and the rules around them: scheduling with an audience and reminders,
a test run before going public, a dropped run answered 410, watching capped by real time,
who reaches which page, and query counts of the list and the viewers' page."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory
from xianfeng.common.errors import Refused
from xianfeng.live import ingest, services
from xianfeng.live.models import LiveLesson, LiveWatch
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield Path(settings.MEDIA_ROOT)
    cache.clear()


def schedule(county, *, minutes: int = 60, title: str = "七一党课直播", remind: int = 15):
    return services.live_schedule(
        actor=county.town_a_admin,
        org=county.town_a,
        audience=county.town_a,
        title=title,
        speaker=county.member_a1.user,
        scheduled_at=timezone.now() + datetime.timedelta(minutes=minutes),
        remind_minutes=remind,
    )


def test_scheduling_on_the_page_tells_the_audience_only(client, county):
    client.force_login(county.town_a_admin)
    when = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        reverse("live:index"),
        {
            "title": " 学习二十大 ",
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
            "audience": county.branch_a1.code,
            "speaker": county.member_a1.pk,
            "remind_minutes": "30",
        },
    )
    live = LiveLesson.objects.get()
    assert response.status_code == 302 and response.url == reverse("live:detail", args=[live.pk])
    assert (live.title, live.org, live.audience, live.speaker, live.remind_minutes) == (
        "学习二十大",
        county.branch_a1,
        county.branch_a1,
        county.member_a1.user,
        30,
    )
    told = set(Notification.objects.filter(kind="live.announce").values_list("user_id", flat=True))
    assert told == {county.member_a1.user_id}  # not 李西街 (another branch), not 王柳湾


def test_a_member_cannot_schedule(client, county):
    client.force_login(county.member_a2.user)
    response = client.post(reverse("live:index"), {"title": "直播"})
    assert response.status_code == 403
    assert LiveLesson.objects.count() == 0


def test_a_bad_time_is_a_clear_message_and_nothing_made(client, county):
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("live:index"),
        {
            "title": "直播",
            "scheduled_at": "明天下午",
            "audience": county.town_a.code,
            "speaker": county.member_a1.pk,
            "remind_minutes": "15",
        },
    )
    assert response.status_code == 200
    assert "开播时间" in response.content.decode() and LiveLesson.objects.count() == 0


def test_the_reminder_goes_once_within_its_time(county):
    near = schedule(county, minutes=10, remind=15)
    far = schedule(county, minutes=120, remind=15, title="远期直播")
    assert services.live_remind_due() == 1
    assert services.live_remind_due() == 0
    near.refresh_from_db()
    far.refresh_from_db()
    assert near.reminded_at is not None and far.reminded_at is None
    reminded = Notification.objects.filter(kind="live.remind")
    assert sorted(reminded.values_list("user_id", flat=True)) == sorted(
        [county.member_a1.user_id, county.member_a2.user_id]
    )
    assert reminded.first().url == reverse("live:detail", args=[near.pk])


def test_a_test_run_stays_private_until_the_live_goes_public(client, county):
    live = schedule(county)
    speaker = county.member_a1.user
    run = services.live_run_open(actor=speaker, live=live, public=False)
    assert services.live_chunk(actor=speaker, live=live, run=run, seq=0, data=b"x") is True
    live.refresh_from_db()
    assert (live.state, live.public_from_run, live.run_count) == ("scheduled", 0, 1)
    folder = ingest.live_dir(live.storage_key)
    (folder / "r1.m3u8").write_text("#EXTM3U\n#EXTINF:2.000,\nr1_00000.ts\n", encoding="utf-8")
    playlist = reverse("live:playlist", args=[live.pk])
    client.force_login(county.member_a2.user)  # a viewer sees nothing of the test
    assert "r1_00000.ts" not in client.get(playlist).content.decode()
    client.force_login(speaker)
    assert "r1_00000.ts" in client.get(playlist).content.decode()

    run = services.live_run_open(actor=speaker, live=live, public=True)
    live.refresh_from_db()
    assert (run, live.state, live.public_from_run) == (2, "live", 2)
    (folder / "r2.m3u8").write_text("#EXTM3U\n#EXTINF:2.000,\nr2_00000.ts\n", encoding="utf-8")
    client.force_login(county.member_a2.user)
    text = client.get(reverse("live:playlist", args=[live.pk])).content.decode()
    assert "r2_00000.ts" in text and "r1_00000.ts" not in text
    assert client.get(reverse("live:feed", args=[live.pk])).json()["ready"] is True


def test_a_chunk_for_a_stopped_run_is_410_and_the_next_run_carries_on(client, county):
    live = schedule(county)
    client.force_login(county.member_a1.user)
    run = client.post(reverse("live:run_open", args=[live.pk]), {"public": "1"}).json()["run"]
    live.refresh_from_db()
    (ingest.live_dir(live.storage_key) / f"r{run}.m3u8").write_text(
        "#EXTM3U\n#EXTINF:2.000,\nr1_00000.ts\n#EXT-X-ENDLIST\n", encoding="utf-8"
    )
    url = reverse("live:chunk", args=[live.pk, run, 0])
    response = client.post(url, b"late", content_type="video/webm")
    assert response.status_code == 410 and "重新连接" in response.json()["detail"]
    source = ingest.run_source(live.storage_key, run)
    assert not source.exists() or not source.read_bytes()
    again = client.post(reverse("live:run_open", args=[live.pk]), {"public": "1"}).json()
    assert again == {"run": 2, "next": 0, "state": "live"}


def test_an_audio_only_run_gets_a_still_picture(county):
    live = schedule(county)
    args = ingest.chunk_command(live.storage_key, 1, audio_only=True)
    assert ingest.STILL in args and args[args.index("-map") + 1] == "1:v:0"
    assert ingest.STILL not in ingest.chunk_command(live.storage_key, 2)


def test_watching_is_capped_by_real_time(county):
    live = schedule(county)
    services.live_run_open(actor=county.member_a1.user, live=live)
    live.refresh_from_db()
    viewer = county.member_a2.user
    row = services.live_watch_report(user=viewer, live=live, sections=[(0, 10)])
    assert row.covered == 10.0
    # A forged "I watched an hour" a moment later gains at most the slack.
    row = services.live_watch_report(user=viewer, live=live, sections=[(10, 3600)])
    assert 10.0 < row.covered <= 10.0 + services.WATCH_SLACK_SECONDS + 1
    assert LiveWatch.objects.get().reports == 2


def test_no_watching_before_the_live_is_on_air(client, county):
    live = schedule(county)
    client.force_login(county.member_a2.user)
    url = reverse("live:watch", args=[live.pk])
    response = client.post(url, {"sections": [[0, 5]]}, content_type="application/json")
    assert response.status_code == 400 and LiveWatch.objects.count() == 0
    response = client.post(url, "not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"] == "观看记录格式不对"


def test_the_last_report_of_a_page_comes_as_a_beacon_form(county):
    """On leaving, watch.js sends a beacon: a form with the CSRF token and the JSON."""
    from tests.conftest import beacon_sender

    live = schedule(county)
    services.live_run_open(actor=county.member_a1.user, live=live)
    send = beacon_sender(county.member_a2.user, reverse("live:detail", args=[live.pk]))
    url = reverse("live:watch", args=[live.pk])
    report = '{"sections": [[0, 4]]}'
    assert send(url, report, token=False).status_code == 403
    answer = send(url, report)
    assert answer.status_code == 200 and answer.json()["covered"] == 4.0
    bad = send(url, "[0, 4]")
    assert bad.status_code == 400 and bad.json()["detail"] == "观看记录格式不对"


def test_the_studio_is_the_speakers_only(client, county):
    live = schedule(county)
    client.force_login(county.member_a1.user)
    page = client.get(reverse("live:studio", args=[live.pk]))
    assert page.status_code == 200 and "测试推流" in page.content.decode()
    client.force_login(county.town_a_admin)
    assert client.get(reverse("live:studio", args=[live.pk])).status_code == 403
    client.force_login(county.member_a2.user)
    assert client.get(reverse("live:studio", args=[live.pk])).status_code == 403


@pytest.mark.parametrize("who", ["member_b1", "secretary_b1", "judge", "resident"])
def test_pages_of_a_live_are_404_outside_its_audience(client, county, who):
    live = schedule(county)
    user = getattr(county, who)
    client.force_login(getattr(user, "user", user))
    for name in ("live:detail", "live:studio", "live:feed"):
        assert client.get(reverse(name, args=[live.pk])).status_code == 404, name
    for name in ("live:watch", "live:rtmp", "live:like", "live:comment"):
        assert client.post(reverse(name, args=[live.pk])).status_code == 404, name
    assert LiveLesson.objects.get(pk=live.pk).stream_key == ""
    listing = client.get(reverse("live:index")).content.decode()
    assert "七一党课直播" not in listing


def test_anonymous_is_sent_to_login(client, county):
    live = schedule(county)
    for name in ("live:index", "live:detail", "live:studio"):
        args = [] if name == "live:index" else [live.pk]
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and "/login" in response.url


def test_the_viewers_page_shows_countdown_and_host_tools(client, county):
    live = schedule(county)
    client.force_login(county.member_a2.user)
    body = client.get(reverse("live:detail", args=[live.pk])).content.decode()
    assert "live-countdown" in body and 'data-host="1"' not in body and "用 OBS 推流" not in body
    client.force_login(county.town_a_admin)
    body = client.get(reverse("live:detail", args=[live.pk])).content.decode()
    assert 'data-host="1"' in body and "用 OBS 推流" in body
    assert "<script>" not in body and "style=" not in body


def test_rtmp_open_gives_a_key_and_a_port(client, county, settings, monkeypatch):
    from xianfeng.live import tasks

    started = []
    monkeypatch.setattr(tasks.ingest, "spawn", lambda args, key, run: started.append(args) or 1)
    live = schedule(county)
    client.force_login(county.member_a2.user)
    assert client.post(reverse("live:rtmp", args=[live.pk])).status_code == 403
    client.force_login(county.town_a_admin)
    with pytest.raises(PermissionDenied):
        services.live_rtmp_open(actor=county.member_a2.user, live=live)
    live = services.live_rtmp_open(actor=county.town_a_admin, live=live)
    assert live.state == "live" and live.rtmp_port == settings.LIVE_RTMP_PORTS[0]
    assert len(live.stream_key) >= 20
    body = client.get(reverse("live:detail", args=[live.pk])).content.decode()
    assert live.stream_key in body and f":{live.rtmp_port}/live" in body
    client.force_login(county.member_a2.user)
    page = client.get(reverse("live:detail", args=[live.pk])).content.decode()
    assert live.stream_key not in page


def test_rtmp_ports_run_out_with_a_message(county, settings):
    settings.LIVE_RTMP_PORTS = (19350, 19350)
    first = schedule(county)
    services.live_rtmp_open(actor=county.town_a_admin, live=first)
    with pytest.raises(Refused, match="端口"):
        services.live_rtmp_open(actor=county.town_a_admin, live=schedule(county, title="另一场"))


@pytest.mark.parametrize("n", [1, 3])
def test_list_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        live = schedule(county, title=f"直播{i}")
        if i == 1:
            services.live_run_open(actor=county.member_a1.user, live=live)
        if i == 2:
            services.live_end(actor=county.town_a_admin, live=live)
    client.force_login(county.member_a2.user)
    client.get(reverse("live:index"))
    with django_assert_num_queries(6):  # member and roles from the identity memo
        assert client.get(reverse("live:index")).status_code == 200


def test_viewers_page_and_feed_query_counts(client, county, django_assert_max_num_queries):
    live = schedule(county)
    services.live_run_open(actor=county.member_a1.user, live=live)
    client.force_login(county.member_a2.user)
    client.get(reverse("live:detail", args=[live.pk]))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("live:detail", args=[live.pk])).status_code == 200
    client.get(reverse("live:feed", args=[live.pk]))
    # Most of these are the embedded database cache (session, comments, the viewer
    # window); with Redis in production they leave the database.
    with django_assert_max_num_queries(14):
        assert client.get(reverse("live:feed", args=[live.pk])).status_code == 200


def test_a_member_moved_in_after_scheduling_sees_it(client, county):
    live = schedule(county)
    newcomer = MemberFactory(org=county.branch_a2)
    client.force_login(newcomer.user)
    assert client.get(reverse("live:detail", args=[live.pk])).status_code == 200
