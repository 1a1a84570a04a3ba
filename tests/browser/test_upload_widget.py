"""The upload widget in Chromium: tus-js-client against our tus endpoint, with a reload in
the middle of a cut connection."""

from __future__ import annotations

import os
import re
import time

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from tests.browser.conftest import ARTIFACTS, login
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.media.upload_support import (
    TEST_KIND,
    install_upload_env,
    media_urlpatterns,
    sha256,
)
from xianfeng.media.enums import UploadStatus
from xianfeng.media.models import Upload

MB = 1024 * 1024
CHUNK = 5 * MB

PAGE = (
    '{% extends "base.html" %}{% block content %}<h1 class="page-title">上传测试</h1>'
    '{% include "media/upload_widget.html" with target_kind="' + TEST_KIND + '" target_id="7" %}'
    "{% endblock %}"
)


def widget_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(engines["django"].from_string(PAGE).render({}, request))


urlpatterns = [*media_urlpatterns(), path("test-upload/", widget_page)]


pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


@pytest.fixture
def upload_env(settings, tmp_path, monkeypatch):
    return install_upload_env(settings, tmp_path, monkeypatch)


# Collects what the widget reports, added from the test (no inline script on the page).
LISTEN = """() => {
  const root = document.querySelector("[data-xf-upload]");
  window.xfSeen = {completed: [], htmx: [], percents: [], speeds: []};
  root.addEventListener("xf:upload-complete", (e) => window.xfSeen.completed.push(e.detail.url));
  root.addEventListener("xf-upload-complete", (e) => window.xfSeen.htmx.push(e.detail.url));
  const percent = root.querySelector("[data-role=percent]");
  new MutationObserver(() => window.xfSeen.percents.push(percent.textContent))
    .observe(percent, {childList: true, characterData: true, subtree: true});
  const speed = root.querySelector("[data-role=speed]");
  new MutationObserver(() => window.xfSeen.speeds.push(speed.textContent))
    .observe(speed, {childList: true, characterData: true, subtree: true});
}"""


def wait_until(page, predicate, timeout: float = 30) -> None:
    # page.wait_for_timeout, not time.sleep: the sync API runs route handlers only while
    # the test is inside a Playwright call.
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        page.wait_for_timeout(100)


def source_sha256(upload: Upload) -> str:
    assert upload.video is not None
    with upload.video.source.open("rb") as handle:
        return sha256(handle.read())


def test_widget_uploads_a_file_with_progress_and_announces_it(new_page, upload_env, tmp_path):
    UserFactory(username="uploader")
    data = os.urandom(6 * MB + 12_345)
    file = tmp_path / "微党课 初心.mp4"
    file.write_bytes(data)
    page = new_page()
    login(page, "uploader", PASSWORD)
    page.goto("/test-upload/")
    assert page.locator("input[type=file]").get_attribute("accept") == "video/*,audio/*"
    page.evaluate(LISTEN)
    # A phone-like 3 MB/s uplink, so the upload takes a couple of seconds.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 3 * MB},
    )

    page.set_input_files("input[type=file]", str(file))
    page.wait_for_function("() => window.xfSeen.completed.length === 1", timeout=60_000)

    assert page.locator("[data-role=percent]").inner_text() == "100%"
    assert page.locator("progress").evaluate("el => el.value") == 100
    assert page.locator("[data-role=bytes]").inner_text() == "6.0 MB / 6.0 MB"
    assert page.locator("[data-role=message]").inner_text() == "上传完成，正在处理，请稍候…"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "upload-widget.png"), full_page=True)
    percents = [int(p.rstrip("%")) for p in page.evaluate("window.xfSeen.percents")]
    assert percents == sorted(percents)
    assert any(0 < p < 100 for p in percents)  # it advanced, not jumped
    assert percents[-1] == 100
    speeds = [text for text in page.evaluate("window.xfSeen.speeds") if text]
    assert speeds, "the speed was never shown"
    assert re.fullmatch(r"\d+\.\d MB/秒，剩余约 \d+ 秒", speeds[0]), speeds[0]
    assert page.locator("[data-role=speed]").inner_text() == ""  # gone when done

    upload = Upload.objects.select_related("video").get()
    seen = page.evaluate("window.xfSeen")
    assert seen["completed"][0].endswith(f"/media-api/uploads/{upload.pk}/")
    assert seen["htmx"] == seen["completed"]
    assert upload.status == UploadStatus.COMPLETE
    assert (upload.filename, upload.filetype) == ("微党课 初心.mp4", "video/mp4")
    assert source_sha256(upload) == sha256(data)
    assert upload_env.enqueued == [upload.video.pk]
    assert not (upload_env.upload_dir / f"{upload.pk}.part").exists()
    assert page.errors == []


def test_widget_resumes_after_a_cut_connection_and_a_reload(new_page, upload_env, tmp_path):
    UserFactory(username="uploader")
    data = os.urandom(12 * MB)
    file = tmp_path / "big.mp4"
    file.write_bytes(data)
    page = new_page()
    login(page, "uploader", PASSWORD)
    page.goto("/test-upload/")

    # The network dies after the first chunk: every later PATCH is cut before it arrives.
    sent_offsets: list[str] = []

    def cut_after_first_chunk(route, request):
        if request.method == "PATCH":
            offset = request.headers.get("upload-offset", "")
            if offset != "0":
                route.abort("connectionreset")
                return
            sent_offsets.append(offset)
        route.continue_()

    page.route("**/media-api/uploads/**", cut_after_first_chunk)
    page.set_input_files("input[type=file]", str(file))
    wait_until(page, lambda: Upload.objects.filter(offset=CHUNK).exists())
    page.wait_for_selector("[data-role=message]:has-text('网络中断，正在重试')")
    assert sent_offsets == ["0"]
    upload = Upload.objects.get()
    assert (upload.offset, upload.status) == (CHUNK, UploadStatus.RECEIVING)

    # The person reloads the page (the retries stop), the network is back, and they pick
    # the same file again.
    page.reload()
    page.unroute("**/media-api/uploads/**")
    assert Upload.objects.get().offset == CHUNK
    hint = page.locator("[data-role=resume-hint]")
    hint.wait_for()
    assert (
        hint.inner_text() == "《big.mp4》上次没有传完。请重新选择同一个文件，将从中断处继续上传。"
    )
    page.evaluate(LISTEN)
    requests: list[tuple[str, str]] = []
    page.on(
        "request",
        lambda r: (
            requests.append((r.method, r.headers.get("upload-offset", "")))
            if "/media-api/uploads/" in r.url
            else None
        ),
    )
    page.set_input_files("input[type=file]", str(file))
    page.wait_for_function("() => window.xfSeen.completed.length === 1", timeout=60_000)

    # No new upload, and only the bytes the server did not have were sent.
    assert [r for r in requests if r[0] in ("POST", "PATCH")] == [
        ("PATCH", str(CHUNK)),
        ("PATCH", str(2 * CHUNK)),
    ]
    upload = Upload.objects.select_related("video").get()
    assert upload.status == UploadStatus.COMPLETE
    assert source_sha256(upload) == sha256(data)
    assert page.locator("[data-role=percent]").inner_text() == "100%"
    # Success forgets the upload URL: the same file later is a new upload.
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('tus::'))") == []
    assert page.errors == []


def test_widget_says_when_the_file_is_too_big(new_page, upload_env, tmp_path, settings):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    UserFactory(username="uploader")
    file = tmp_path / "long.mp4"
    file.write_bytes(os.urandom(MB + 1))
    page = new_page()
    login(page, "uploader", PASSWORD)
    page.goto("/test-upload/")
    page.set_input_files("input[type=file]", str(file))
    message = page.locator("[data-role=message].is-error")
    message.wait_for()
    assert message.inner_text() == "文件太大：最大允许 1 MB，请剪短或压缩后再上传"
    assert Upload.objects.count() == 0
    assert page.errors == []
