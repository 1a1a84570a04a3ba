"""党课微直播: chunks of a real ffmpeg-made WebM stream (what a phone's MediaRecorder sends)
over HTTP become HLS; a dropped connection resumes into the same live after a
discontinuity; viewers get a signed playlist; the recording becomes a draft lesson through
the ordinary pipeline. Plus the ingest's rules and who sees what."""

from __future__ import annotations

import datetime
import subprocess
import threading
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from xianfeng.common.errors import Refused
from xianfeng.lessons.enums import LessonState
from xianfeng.live import ingest, services
from xianfeng.live.models import LiveLesson
from xianfeng.media.enums import VideoStatus
from xianfeng.media.ffmpeg import ffmpeg_exe
from xianfeng.media.models import Video
from xianfeng.media.pipeline import video_process

pytestmark = pytest.mark.django_db
CHUNK = 48 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def webm(path: Path, seconds: int, pattern: str) -> bytes:
    """A VP8 + Opus WebM stream like a browser's MediaRecorder makes."""
    subprocess.run(
        [
            ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", f"{pattern}=size=640x360:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libvpx", "-deadline", "realtime", "-b:v", "600k", "-g", "50",
            "-c:a", "libopus", "-b:a", "48k", "-f", "webm", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def live(county):
    return services.live_schedule(
        actor=county.town_a_admin,
        org=county.town_a,
        audience=county.town_a,
        title="七一党课直播",
        speaker=county.member_a1.user,
        scheduled_at=timezone.now() + datetime.timedelta(minutes=5),
    )


def stream(client, live, data: bytes) -> int:
    """Open a run (as the page does on start or reconnect), transcode it beside, send it."""
    run = client.post(reverse("live:run_open", args=[live.pk])).json()["run"]
    live.refresh_from_db()
    worker = threading.Thread(target=ingest.transcode_run, args=(live.storage_key, run))
    worker.start()
    for seq, start in enumerate(range(0, len(data), CHUNK)):
        url = reverse("live:chunk", args=[live.pk, run, seq])
        response = client.post(url, data[start : start + CHUNK], content_type="video/webm")
        assert response.status_code == 200, response.content
    worker.join(timeout=120)
    return run


def playlist_duration(text: str) -> float:
    return sum(
        float(line[8:].split(",")[0]) for line in text.splitlines() if line.startswith("#EXTINF:")
    )


def test_a_live_with_a_dropped_connection_plays_and_becomes_a_draft_lesson(
    client, county, live, tmp_path
):
    first = webm(tmp_path / "a.webm", 6, "testsrc2")
    second = webm(tmp_path / "b.webm", 4, "smptebars")
    client.force_login(county.member_a1.user)
    assert stream(client, live, first) == 1
    # The connection dropped; the page reconnects: the same live, run 2.
    assert stream(client, live, second) == 2
    live.refresh_from_db()
    assert (live.state, live.run_count) == ("live", 2)

    client.force_login(county.member_a2.user)  # a viewer elsewhere in the town
    text = client.get(reverse("live:playlist", args=[live.pk])).content.decode()
    assert text.count("#EXT-X-DISCONTINUITY") == 1
    assert "#EXT-X-ENDLIST" not in text
    assert 9.0 <= playlist_duration(text) <= 11.0
    segments = [line for line in text.splitlines() if line.startswith("/media/")]
    assert segments[0].endswith("/live/r1_00000.ts") and segments[-1].split("/")[-1].startswith(
        "r2_"
    )
    response = client.get(segments[-1])
    assert response.status_code == 200 and response["Content-Type"] == "video/mp2t"

    client.force_login(county.member_a1.user)
    assert client.post(reverse("live:end", args=[live.pk])).status_code == 200
    lesson = services.live_recording(live_id=live.pk, wait_seconds=1)
    assert lesson is not None and lesson.state == LessonState.DRAFT
    assert (lesson.title, lesson.speaker_name, lesson.org) == (
        "七一党课直播",
        "张东街",
        county.branch_a1,
    )
    video = Video.objects.get(target_kind="lesson", target_id=str(lesson.pk))
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == VideoStatus.READY
    assert 9.0 <= video.duration <= 11.0
    assert services.live_recording(live_id=live.pk).pk == lesson.pk  # once


def test_chunks_resent_or_out_of_order(county, live):
    speaker = county.member_a1.user
    run = services.live_run_open(actor=speaker, live=live)
    assert services.live_chunk(actor=speaker, live=live, run=run, seq=0, data=b"a") is True
    assert services.live_chunk(actor=speaker, live=live, run=run, seq=0, data=b"a") is False
    with pytest.raises(services.OutOfOrder) as gap:
        services.live_chunk(actor=speaker, live=live, run=run, seq=5, data=b"x")
    assert gap.value.expected == 1
    assert ingest.run_source(live.storage_key, run).read_bytes() == b"a"
    services.live_run_open(actor=speaker, live=live)
    with pytest.raises(Refused):
        services.live_chunk(actor=speaker, live=live, run=run, seq=1, data=b"b")
    assert ingest.run_source(live.storage_key, run).read_bytes() == b"a"


def test_the_page_answers_409_with_the_expected_chunk(client, county, live):
    client.force_login(county.member_a1.user)
    run = client.post(reverse("live:run_open", args=[live.pk])).json()["run"]
    response = client.post(
        reverse("live:chunk", args=[live.pk, run, 3]), b"x", content_type="video/webm"
    )
    assert response.status_code == 409 and response.json()["expected"] == 0


def test_only_the_speaker_streams(client, county, live):
    with pytest.raises(PermissionDenied):
        services.live_run_open(actor=county.town_a_admin, live=live)
    client.force_login(county.member_a2.user)
    assert client.post(reverse("live:run_open", args=[live.pk])).status_code == 403
    live.refresh_from_db()
    assert (live.state, live.run_count) == ("scheduled", 0)


def test_an_ended_live_takes_no_more_runs(county, live):
    services.live_end(actor=county.town_a_admin, live=live)
    with pytest.raises(Refused):
        services.live_run_open(actor=county.member_a1.user, live=live)
    assert LiveLesson.objects.get(pk=live.pk).run_count == 0


def test_an_audience_outside_the_org_is_refused(county):
    with pytest.raises(Refused):
        services.live_schedule(
            actor=county.town_a_admin,
            org=county.town_a,
            audience=county.town_b,
            title="直播",
            speaker=county.member_a1.user,
            scheduled_at=timezone.now(),
        )
    assert LiveLesson.objects.count() == 0


@pytest.mark.parametrize("who", ["member_b1", "secretary_b1", "judge"])
def test_a_live_is_a_404_outside_its_audience(client, county, live, who):
    user = getattr(county, who)
    client.force_login(getattr(user, "user", user))
    assert client.get(reverse("live:playlist", args=[live.pk])).status_code == 404
    assert client.post(reverse("live:run_open", args=[live.pk])).status_code == 404
    assert client.post(reverse("live:end", args=[live.pk])).status_code == 404
    assert LiveLesson.objects.get(pk=live.pk).state == "scheduled"


def test_anonymous_gets_no_playlist(client, county, live):
    response = client.get(reverse("live:playlist", args=[live.pk]))
    assert response.status_code == 302 and "/login" in response.url
