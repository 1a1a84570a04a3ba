"""展播 on a village site's TV (1280×720, driven by the remote's keys): the channels that
reach the site's org are tiles; OK on one plays its lessons through in the channel's order
with real HLS (the bundled ffmpeg and the media pipeline), each end starting the next and
the last going round to the first; the keys skip, pause and go back."""

from __future__ import annotations

import pytest

from tests.browser.test_showcase_play import SECONDS, _clip
from tests.factories import make_site, published_lesson
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice import channels
from xianfeng.media.pipeline import video_process
from xianfeng.media.services import video_create
from xianfeng.remote import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tv_key(county, settings, tmp_path):
    """A paired TV at 东街's site, a numbered county channel of three lessons with real HLS,
    and a channel for another town that this site must not offer."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VIDEO_MIN_SECONDS = 1
    admin = county.county_admin
    show = lesson_services.showcase_for_org(actor=admin, org=county.county, title="七一展播")
    channels.showcase_settings(actor=admin, showcase=show, title="七一展播", numbered=True)
    for i, title in enumerate(["第一课", "第二课", "第三课"]):
        clip = tmp_path / f"clip{i}.mp4"
        _clip(clip, 440 + 110 * i)
        lesson = published_lesson(
            org=county.county, author=admin, title=title, audience=county.county, duration=SECONDS
        )
        video = video_create(
            owner=admin,
            source_path=clip,
            original_name=clip.name,
            target_kind="lesson",
            target_id=str(lesson.pk),
        )
        assert video_process(video_id=video.pk) == "ready"
        Lesson.objects.filter(pk=lesson.pk).update(video=video)
        channels.showcase_add(actor=admin, showcase=show, lesson=lesson)
    other = lesson_services.showcase_for_org(actor=admin, org=county.county, title="柳湾镇展播")
    channels.showcase_settings(
        actor=admin, showcase=other, title="柳湾镇展播", audience=county.town_b
    )
    channels.showcase_add(actor=admin, showcase=other, lesson=Lesson.objects.first())
    site = make_site(county.branch_a1, code="DJ01", name="东街社区远程教育站点")
    _, key = services.device_token_issue(actor=None, site=site)
    return key


def _playing(tv, text: str) -> None:
    """The line above the video names this lesson, and the video is advancing."""
    tv.wait_for_selector(f"#channel-now:has-text('{text}')", timeout=30_000)
    tv.wait_for_function(
        "() => { const v = document.getElementById('video');"
        " return !v.paused && v.currentTime > 0.5; }",
        timeout=30_000,
    )


def _focused(tv) -> str:
    return tv.evaluate("document.activeElement.textContent")


def test_the_tv_plays_a_channel_through_with_the_remote(tv_key, new_page):
    tv = new_page(width=1280, height=720)
    tv.set_default_timeout(60_000)  # a loaded shared machine; the waits are events
    tv.add_init_script(f"window.localStorage.setItem('xf_device_token', '{tv_key}');")
    tv.goto("/remote/tv/")
    tv.wait_for_selector(".tv-tile:has-text('展播：七一展播')")
    assert "3 节课" in tv.locator(".tv-tile:has-text('展播：七一展播')").inner_text()
    assert tv.locator(".tv-tile:has-text('柳湾镇展播')").count() == 0
    for _ in range(10):
        if "展播：七一展播" in _focused(tv):
            break
        tv.keyboard.press("ArrowRight")
    assert "展播：七一展播" in _focused(tv)
    tv.evaluate("() => { document.getElementById('video').muted = true; }")
    tv.keyboard.press("Enter")

    # Nobody touches the remote: each lesson's end starts the next, the last the first.
    _playing(tv, "（1/3）第 1 期 第一课")
    _playing(tv, "（2/3）第 2 期 第二课")
    _playing(tv, "（3/3）第 3 期 第三课")
    _playing(tv, "（1/3）第 1 期 第一课")

    # The keys: OK on 下一节 (focused first), left to 暂停 and OK twice, left to 上一节.
    assert _focused(tv) == "下一节"
    tv.keyboard.press("Enter")
    _playing(tv, "（2/3）第 2 期 第二课")
    tv.keyboard.press("ArrowLeft")
    assert _focused(tv) == "暂停"
    tv.keyboard.press("Enter")
    tv.wait_for_function("() => document.getElementById('video').paused")
    assert _focused(tv) == "继续"
    tv.keyboard.press("Enter")
    tv.wait_for_function("() => !document.getElementById('video').paused")
    tv.keyboard.press("ArrowLeft")
    assert _focused(tv) == "上一节"
    tv.keyboard.press("Enter")
    _playing(tv, "（1/3）第 1 期 第一课")

    # Back leaves the channel: the tiles again, the video stopped, nothing plays on.
    tv.keyboard.press("Escape")
    tv.wait_for_selector("#tiles:not([hidden])")
    assert tv.evaluate("window.xfTv.channel()") is None
    assert tv.evaluate("document.getElementById('video').paused")
    assert tv.evaluate("document.getElementById('stage').hidden")
    assert tv.errors == []
