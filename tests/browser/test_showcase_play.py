"""展播 continuous play in Chromium: a channel of three short lessons with real HLS media
(the bundled ffmpeg and the media pipeline) plays the next lesson when one ends, says and
marks which one is playing, loops back to the first, and fits a 360 px phone."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.factories import published_lesson
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice import channels
from xianfeng.media.pipeline import video_process
from xianfeng.media.services import video_create

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 3


def _clip(path, frequency: int) -> None:
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=15:duration={SECONDS}",
            "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={SECONDS}",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path),
        ],
        check=True,
    )  # fmt: skip


@pytest.fixture
def channel(county, settings, tmp_path):
    """A county channel of three published lessons, each with a transcoded HLS ladder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VIDEO_MIN_SECONDS = 1  # short clips keep the test quick; the player is the subject
    show = lesson_services.showcase_for_org(
        actor=county.county_admin, org=county.county, title="七一展播"
    )
    for i, title in enumerate(["第一课", "第二课", "第三课"]):
        clip = tmp_path / f"clip{i}.mp4"
        _clip(clip, 440 + 110 * i)
        lesson = published_lesson(
            org=county.county,
            author=county.county_admin,
            title=title,
            audience=county.county,
            duration=SECONDS,
        )
        video = video_create(
            owner=county.county_admin,
            source_path=clip,
            original_name=clip.name,
            target_kind="lesson",
            target_id=str(lesson.pk),
        )
        status = video_process(video_id=video.pk)
        video.refresh_from_db()
        assert (status, video.failure_reason) == ("ready", ""), video.failure_reason
        Lesson.objects.filter(pk=lesson.pk).update(video=video)
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    return show


def _playing(page, n: int, title: str) -> None:
    """Lesson n of 3 is the one marked and announced, and its video is advancing."""
    page.wait_for_selector(f"#play-now:has-text('（{n}/3）：{title}')", timeout=30_000)
    marked = page.locator("#play-list li[aria-current=true]")
    assert marked.count() == 1
    assert title in marked.inner_text()
    page.wait_for_function(
        "() => { const v = document.getElementById('showcase-player');"
        " return !v.paused && v.currentTime > 0.5; }",
        timeout=30_000,
    )


def _page(new_page, **size):
    page = new_page(**size)
    page.set_default_timeout(60_000)  # a loaded shared machine; the waits below are events
    return page


def test_channel_plays_through_in_order_and_fits_a_phone(county, channel, new_page):
    page = _page(new_page, width=1024, height=800)
    login(page, "member_a1", PASSWORD)
    page.goto(f"/lessons/showcases/{channel.pk}/play/")
    titles = page.locator("#play-list li").all_inner_texts()
    assert [t.split()[0] for t in titles] == ["第一课", "第二课", "第三课"]
    page.evaluate("() => { document.getElementById('showcase-player').muted = true; }")
    page.click("#play-start")
    _playing(page, 1, "第一课")
    # Nobody touches anything: each lesson's end starts the next one, then the first again.
    _playing(page, 2, "第二课")
    _playing(page, 3, "第三课")
    _playing(page, 1, "第一课")

    # Without 循环 the channel stops after the last lesson and says so.
    page.click("#play-loop")
    page.click("#play-list li:nth-child(3) button")
    _playing(page, 3, "第三课")
    page.wait_for_selector("#play-now:has-text('展播已全部播放完毕')", timeout=30_000)
    assert page.locator("#play-list li[aria-current=true]").count() == 0
    assert page.errors == []

    phone = _page(new_page, width=360, height=740)
    login(phone, "member_a1", PASSWORD)
    phone.goto(f"/lessons/showcases/{channel.pk}/play/")
    phone.evaluate("() => { document.getElementById('showcase-player').muted = true; }")
    phone.click("#play-start")
    _playing(phone, 1, "第一课")
    assert (
        phone.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        == 0
    )
    assert phone.errors == []
