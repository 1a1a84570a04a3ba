"""The offline pack opens in Chromium from file:// and plays: a plan with a real short
lesson is packed, unzipped to a folder, its index.html opened with no server; the remote's
arrow keys reach the tile, OK plays the video, and no request leaves the file system."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest

from tests.remote.conftest import offline_clip, real_lesson, sites2  # noqa: F401 (fixtures)
from xianfeng.remote import services
from xianfeng.remote.enums import PackState

pytestmark = pytest.mark.django_db


def test_the_offline_pack_plays_from_file_urls(
    chromium,
    county,
    sites2,  # noqa: F811 (the fixture imported above)
    real_lesson,  # noqa: F811
    tmp_path,
    django_capture_on_commit_callbacks,
):
    lesson = real_lesson("学习二十届四中全会精神")
    plan = services.plan_create(
        actor=county.county_admin,
        org=county.county,
        title="十二月第一周集中收看",
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 7),
        lessons=[lesson],
        sites=[sites2.a],
    )
    plan = services.plan_publish(actor=county.county_admin, plan=plan)
    with django_capture_on_commit_callbacks(execute=True):
        pack = services.offline_pack_for_plan(actor=sites2.admin_a, plan=plan, site=sites2.a)
    pack.refresh_from_db()
    assert pack.state == PackState.READY, pack.failure_reason
    folder = tmp_path / "usb"
    with pack.file.open("rb") as handle:
        zipfile.ZipFile(io.BytesIO(handle.read())).extractall(folder)

    context = chromium.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto((folder / "index.html").as_uri())
        assert page.locator(".tile .t").all_inner_texts() == ["学习二十届四中全会精神"]
        # A TV remote: the first tile has the focus; OK opens it and it plays.
        assert page.evaluate("document.activeElement.id") == "tile-1"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        video = page.locator("#lesson-1 video")
        video.wait_for(state="visible")
        page.wait_for_function(
            "() => { const v = document.querySelector('#lesson-1 video');"
            " return v && !v.paused && v.currentTime > 0.5; }"
        )
        first = page.evaluate("document.querySelector('#lesson-1 video').currentTime")
        page.wait_for_function(
            f"() => document.querySelector('#lesson-1 video').currentTime > {first} + 0.3"
        )
        assert page.evaluate("document.querySelector('#lesson-1 video').readyState") >= 2
        # Back to the tiles with the remote's back key.
        page.keyboard.press("Escape")
        page.wait_for_function("() => document.activeElement.id === 'tile-1'")
        assert page.evaluate("document.querySelector('#lesson-1 video').paused")
    finally:
        context.close()
    assert errors == []
    assert requests and all(url.startswith("file://") for url in requests), requests
    assert any(url.endswith("/videos/01-360p.mp4") for url in requests)
