"""Watching the live counts toward 参学率 like watching its recording: the sections a
viewer's player reported during the live are credited to the recording's lesson through
lessons' own watch code, completing it (and only it) for those who watched enough."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.lessons.indicators import participation
from xianfeng.lessons.models import WatchProgress
from xianfeng.live import ingest, services
from xianfeng.media.ffmpeg import ffmpeg_exe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def finished_run(storage_key: str, run: int, seconds: int) -> None:
    """What a run's transcoder leaves behind: 360p HLS segments and a closed playlist."""
    folder = ingest.live_dir(storage_key)
    subprocess.run(
        [
            ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-ac", "1", "-shortest",
            "-f", "hls", "-hls_time", "2", "-hls_list_size", "0",
            "-hls_segment_filename", str(folder / f"r{run}_%05d.ts"), str(folder / f"r{run}.m3u8"),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip


def test_watching_the_live_completes_its_recording_for_participation(county):
    live = services.live_schedule(
        actor=county.town_a_admin,
        org=county.town_a,
        audience=county.town_a,
        title="七一党课直播",
        speaker=county.member_a1.user,
        scheduled_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    speaker, viewer, glimpse = county.member_a1.user, county.member_a2.user, county.town_a_admin
    services.live_run_open(actor=speaker, live=live, public=False)  # a test, not recorded
    services.live_run_open(actor=speaker, live=live)
    live.refresh_from_db()
    finished_run(live.storage_key, 1, 4)
    finished_run(live.storage_key, 2, 6)
    services.live_watch_report(user=viewer, live=live, sections=[(0, 6)])
    services.live_watch_report(user=glimpse, live=live, sections=[(0, 1)])
    services.live_end(actor=speaker, live=live)

    lesson = services.live_recording(live_id=live.pk, wait_seconds=1)
    assert lesson is not None and lesson.state == "draft"
    progress = {p.user_id: p for p in WatchProgress.objects.filter(lesson=lesson)}
    assert set(progress) == {viewer.pk, glimpse.pk}
    assert progress[viewer.pk].completed_at is not None and progress[viewer.pk].covered == 6.0
    assert progress[glimpse.pk].completed_at is None and progress[glimpse.pk].covered == 1.0
    lesson.refresh_from_db()
    assert lesson.completion_count == 1

    today = timezone.localdate()
    readings = {r.org_id: r for r in participation(Month(today.year, today.month))}
    assert readings[county.branch_a2.pk].numerator == 1  # 李西街 watched the live
    assert readings[county.branch_a1.pk].numerator == 0
    # The recording holds the public run only, not the test.
    recorded = (ingest.live_dir(live.storage_key) / "index.m3u8").read_text(encoding="utf-8")
    assert "r2_00000.ts" in recorded and "r1_" not in recorded
    assert services.live_recording(live_id=live.pk).pk == lesson.pk
    assert WatchProgress.objects.filter(lesson=lesson).count() == 2
