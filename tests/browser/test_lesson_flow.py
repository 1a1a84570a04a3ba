"""A member records a lesson on the page and the branch watches, discusses and rates it —
in Chromium, with a real video going through tus, the database task queue and ffmpeg."""

from __future__ import annotations

import subprocess
import threading

import imageio_ffmpeg
import pytest
from django.db import close_old_connections, connection
from django.test import override_settings

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.lessons.models import Comment, Lesson, Like, Rating, Reflection, WatchProgress
from xianfeng.lessons.services import lesson_publish

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


@pytest.fixture(scope="module")
def phone_clip(tmp_path_factory):
    """A 14 s 640×360 H.264/AAC clip, like a short phone recording."""
    path = tmp_path_factory.mktemp("clip") / "我的微党课.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=14",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=14",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture
def media_worker(settings, tmp_path):
    """The database queue with a worker thread, as `make run` has it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_DIR = tmp_path / "uploads"
    stop = threading.Event()

    def work():
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["*"],
            interval=0.2,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="browser-test",
            excluded_queue_names=[],
        )
        while not stop.is_set():
            try:
                worker.run()
            finally:
                close_old_connections()
            stop.wait(0.3)
        connection.close()

    with override_settings(TASKS=DB_TASKS, TASKS_MODE="db"):
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        yield
        stop.set()
        thread.join(timeout=60)


def test_record_upload_watch_resume_discuss_rate(
    county, new_page, phone_clip, media_worker, live_server, settings
):
    settings.PAGE_CACHE_SECONDS = 60  # pages kept per person, as `make run` has them
    page = new_page()
    login(page, "member_a1", PASSWORD)

    # Record: the lesson's text, then the video through the upload widget (tus-js-client).
    page.goto("/lessons/new/")
    page.fill("input[name=title]", "矿灯下的初心")
    page.fill("textarea[name=story]", "老矿工在井下带头排查隐患的故事")
    page.fill("textarea[name=question]", "我们班组还有哪些安全隐患？")
    page.click("text=保存并上传视频")
    page.wait_for_url("**/edit/")
    lesson = Lesson.objects.get(title="矿灯下的初心")
    page.set_input_files("input[type=file]", str(phone_clip))
    bar = page.locator(".xf-upload progress").first
    bar.wait_for(state="visible")
    page.wait_for_function(
        "() => { const p = document.querySelector('.xf-upload progress'); return p && p.value >= p.max; }",
        timeout=60_000,
    )
    # The status partial polls until the video is playable.
    page.wait_for_selector("#video-state[data-state=ready]", timeout=120_000)
    page.screenshot(path="test-results/lesson-ready.png", full_page=True)

    # Submit; the branch secretary publishes (service, as on the secretary's page).
    page.click("text=提交支部发布")
    page.wait_for_url(f"**/lessons/{lesson.pk}/")
    lesson.refresh_from_db()
    lesson_publish(actor=county.secretary_a1, lesson=lesson)

    # Watch: the video element's time advances, then leave and come back to resume.
    page.goto(f"/lessons/{lesson.pk}/")
    video = page.locator("#lesson-player")
    video.wait_for()
    # Nothing is loaded before play (poster only): the play button attaches the source.
    page.evaluate("() => { document.getElementById('lesson-player').muted = true; }")
    page.click("#player-start")
    page.wait_for_function(
        "() => document.getElementById('lesson-player').currentTime > 6", timeout=30_000
    )
    page.evaluate("() => document.getElementById('lesson-player').pause()")
    page.wait_for_function(
        "() => (document.getElementById('watch-progress').textContent || '').includes('已看')",
        timeout=15_000,
    )
    page.goto("/lessons/")  # leave
    progress = WatchProgress.objects.get(user=county.member_a1.user, lesson=lesson)
    assert progress.covered >= 5
    assert progress.position >= 5
    page.goto(f"/lessons/{lesson.pk}/")
    # Nothing loads before play (poster only); pressing play resumes where they left off.
    page.evaluate("() => { document.getElementById('lesson-player').muted = true; }")
    page.click("#player-start")
    page.wait_for_function(
        "() => { const v = document.getElementById('lesson-player'); return v.readyState >= 1 && v.currentTime >= 4; }",
        timeout=30_000,
    )
    page.evaluate("() => document.getElementById('lesson-player').pause()")

    # Reflection (≥ 50 characters), a comment, like, rate: each swapped in by htmx.
    page.fill("#reflection-text", "学习了老矿工的故事，" * 6)
    page.click("#reflections button[type=submit]")
    page.wait_for_selector("#reflections .list li >> text=学习了老矿工的故事")
    page.fill("#comment-text", "我们班组要每天检查矿灯和自救器")
    page.click("#comments button[type=submit] >> nth=0")
    page.wait_for_selector("#comments >> text=每天检查矿灯")
    page.click("#like-button")
    page.wait_for_selector("#like-button[aria-pressed=true]")
    page.click(".stars button[value='4']")
    page.wait_for_selector("#rating-summary >> text=我评了 4 星")
    page.screenshot(path="test-results/lesson-watched.png", full_page=True)

    assert Reflection.objects.filter(user=county.member_a1.user, lesson=lesson).count() == 1
    assert Comment.objects.filter(lesson=lesson).count() == 1
    assert Like.objects.filter(lesson=lesson).count() == 1
    assert Rating.objects.get(lesson=lesson).score == 4
    assert page.errors == []
