"""The tus 1.0 endpoint through Django's test client with raw bodies."""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory
from tests.media.upload_support import (
    ENDPOINT,
    OCTET,
    TEST_KIND,
    TUS,
    install_upload_env,
    media_urlpatterns,
    metadata,
    sha256,
)
from xianfeng.audit.models import AuditLog
from xianfeng.common import periodic
from xianfeng.media.enums import UploadStatus
from xianfeng.media.models import Upload, Video
from xianfeng.media.services import upload_create, uploads_expire
from xianfeng.media.tasks import expire_uploads

urlpatterns = media_urlpatterns()


pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def upload_env(settings, tmp_path, monkeypatch):
    return install_upload_env(settings, tmp_path, monkeypatch)


@pytest.fixture
def uploader(db):
    return UserFactory(username="uploader", name="上传人")


@pytest.fixture
def tus_client(uploader) -> Client:
    client = Client()
    client.force_login(uploader)
    return client


def create(client, length, *, target_id="7", filename="党课.mp4", **headers):
    meta = metadata(
        filename=filename, filetype="video/mp4", target_kind=TEST_KIND, target_id=target_id
    )
    return client.generic(
        "POST",
        ENDPOINT,
        headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": meta, **headers},
    )


def patch(client, url, offset, body, **headers):
    extra = headers.pop("extra", {})
    return client.generic(
        "PATCH",
        url,
        data=body,
        content_type=OCTET,
        headers={**TUS, "Upload-Offset": str(offset), **headers},
        **extra,
    )


def head(client, url):
    return client.head(url, headers=TUS)


def part_file(env, url):
    return env.upload_dir / f"{url.rstrip('/').rsplit('/', 1)[-1]}.part"


class BodyStream:
    """What a WSGI server hands Django as wsgi.input (read and readline)."""

    def read(self, size: int = -1) -> bytes:
        raise NotImplementedError

    def readline(self, size: int = -1) -> bytes:
        raise NotImplementedError


class CutStream(BodyStream):
    """A request body whose client disconnects after `cut` bytes (the read raises, as a
    WSGI server's input does on a reset connection)."""

    def __init__(self, data: bytes, cut: int) -> None:
        self.data, self.cut, self.pos = data, cut, 0

    def read(self, size: int = -1) -> bytes:
        if self.pos >= self.cut:
            raise ConnectionResetError("client went away")
        end = self.cut if size is None or size < 0 else min(self.pos + size, self.cut)
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk


class GatedStream(BodyStream):
    """A body that waits until every request of the race is reading its body."""

    def __init__(self, data: bytes, gate: threading.Barrier) -> None:
        self.data, self.gate, self.pos, self.waited = data, gate, 0, False

    def read(self, size: int = -1) -> bytes:
        if not self.waited:
            self.gate.wait(timeout=20)
            self.waited = True
        end = len(self.data) if size is None or size < 0 else self.pos + size
        chunk = self.data[self.pos : end]
        self.pos += len(chunk)
        return chunk


def test_options_lists_protocol_and_limits(client, settings):
    settings.UPLOAD_MAX_BYTES = 123456
    response = client.options(ENDPOINT)
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == "creation,termination,checksum,expiration"
    assert response["Tus-Max-Size"] == "123456"
    assert response["Tus-Checksum-Algorithm"] == "sha1"


def test_create_with_metadata_returns_location(tus_client, uploader, upload_env):
    response = create(tus_client, 1000, filename="微党课 第一讲.mp4")
    assert response.status_code == 201
    assert response["Tus-Resumable"] == "1.0.0"
    upload = Upload.objects.get()
    assert response["Location"] == f"/media-api/uploads/{upload.pk}/"
    assert "Upload-Expires" in response
    assert (upload.user, upload.length, upload.offset) == (uploader, 1000, 0)
    assert (upload.filename, upload.filetype) == ("微党课 第一讲.mp4", "video/mp4")
    assert (upload.target_kind, upload.target_id, upload.status) == (TEST_KIND, "7", "receiving")
    assert upload.metadata == {
        "filename": "微党课 第一讲.mp4",
        "filetype": "video/mp4",
        "target_kind": TEST_KIND,
        "target_id": "7",
    }
    assert part_file(upload_env, response["Location"]).read_bytes() == b""
    assert AuditLog.objects.filter(action="upload.create", object_id=str(upload.pk)).count() == 1

    head_response = head(tus_client, response["Location"])
    assert head_response.status_code == 200
    assert head_response["Upload-Offset"] == "0"
    assert head_response["Upload-Length"] == "1000"
    assert head_response["Cache-Control"] == "no-store"
    assert head_response["Tus-Resumable"] == "1.0.0"


def test_filename_is_reduced_to_its_last_part(tus_client, upload_env):
    assert create(tus_client, 10, filename="../../etc/passwd").status_code == 201
    assert Upload.objects.get().filename == "passwd"


def test_upload_in_three_patches_completes_byte_identical(
    tus_client, uploader, upload_env, django_capture_on_commit_callbacks
):
    data = os.urandom(300_000)
    url = create(tus_client, len(data))["Location"]
    for start in (0, 100_000):
        response = patch(tus_client, url, start, data[start : start + 100_000])
        assert response.status_code == 204
        assert response["Upload-Offset"] == str(start + 100_000)
        assert response["Tus-Resumable"] == "1.0.0"
    assert Video.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = patch(tus_client, url, 200_000, data[200_000:])
    assert response.status_code == 204
    assert response["Upload-Offset"] == "300000"

    upload = Upload.objects.get()
    video = Video.objects.get()
    assert upload.status == UploadStatus.COMPLETE
    assert upload.video == video
    assert (video.owner, video.original_name, video.size) == (uploader, "党课.mp4", 300_000)
    assert (video.target_kind, video.target_id) == (TEST_KIND, "7")
    with video.source.open("rb") as handle:
        assert sha256(handle.read()) == sha256(data)
    assert not part_file(upload_env, url).exists()
    assert upload_env.enqueued == [video.pk]
    assert upload_env.attached == [(video.pk, "7")]
    # A client whose last response was lost asks again: complete, nothing made twice.
    again = head(tus_client, url)
    assert (again.status_code, again["Upload-Offset"], again["Upload-Length"]) == (
        200,
        "300000",
        "300000",
    )
    assert Video.objects.count() == 1


def test_chunk_bigger_than_the_memory_limit_is_streamed(
    tus_client, upload_env, settings, django_capture_on_commit_callbacks
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    data = os.urandom(200_000)
    url = create(tus_client, len(data))["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        assert patch(tus_client, url, 0, data).status_code == 204
    with Video.objects.get().source.open("rb") as handle:
        assert sha256(handle.read()) == sha256(data)


def test_upload_cut_mid_patch_resumes_from_the_server_offset(
    tus_client, upload_env, django_capture_on_commit_callbacks
):
    data = os.urandom(500_000)
    url = create(tus_client, len(data))["Location"]
    assert patch(tus_client, url, 0, data[:100_000]).status_code == 204

    # The second chunk (300 000 bytes) loses its connection after 123 457 bytes.
    body = data[100_000:400_000]
    cut = patch(tus_client, url, 100_000, body, extra={"wsgi.input": CutStream(body, cut=123_457)})
    assert cut.status_code == 400
    assert cut["Upload-Offset"] == "223457"

    response = head(tus_client, url)
    assert response["Upload-Offset"] == "223457"
    assert part_file(upload_env, url).read_bytes() == data[:223_457]
    assert Upload.objects.get().offset == 223_457

    # The client resumes from what the server says it has.
    assert patch(tus_client, url, 223_457, data[223_457:400_000]).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        assert patch(tus_client, url, 400_000, data[400_000:]).status_code == 204
    with Video.objects.get().source.open("rb") as handle:
        assert sha256(handle.read()) == sha256(data)


def test_bytes_beyond_the_stored_offset_are_overwritten(
    tus_client, upload_env, django_capture_on_commit_callbacks
):
    # A request that wrote to the part file but never committed its offset (a crash):
    # the next append truncates to the stored offset first.
    data = os.urandom(1000)
    url = create(tus_client, len(data))["Location"]
    assert patch(tus_client, url, 0, data[:400]).status_code == 204
    with part_file(upload_env, url).open("ab") as handle:
        handle.write(b"garbage" * 50)
    with django_capture_on_commit_callbacks(execute=True):
        assert patch(tus_client, url, 400, data[400:]).status_code == 204
    with Video.objects.get().source.open("rb") as handle:
        assert handle.read() == data


def test_patch_with_a_wrong_offset_is_409_and_appends_nothing(tus_client, upload_env):
    url = create(tus_client, 1000)["Location"]
    assert patch(tus_client, url, 0, b"a" * 100).status_code == 204
    for offset in (0, 50, 200):
        response = patch(tus_client, url, offset, b"b" * 100)
        assert response.status_code == 409
        assert response["Tus-Resumable"] == "1.0.0"
    assert Upload.objects.get().offset == 100
    assert part_file(upload_env, url).read_bytes() == b"a" * 100


def test_checksum_mismatch_is_460_and_appends_nothing(tus_client, upload_env):
    url = create(tus_client, 1000)["Location"]
    assert patch(tus_client, url, 0, b"a" * 100).status_code == 204
    wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()
    response = patch(tus_client, url, 100, b"b" * 100, **{"Upload-Checksum": f"sha1 {wrong}"})
    assert response.status_code == 460
    assert response["Tus-Resumable"] == "1.0.0"
    assert Upload.objects.get().offset == 100
    assert part_file(upload_env, url).read_bytes() == b"a" * 100
    assert list(upload_env.upload_dir.iterdir()) == [part_file(upload_env, url)]  # no scratch

    right = base64.b64encode(hashlib.sha1(b"b" * 100).digest()).decode()
    response = patch(tus_client, url, 100, b"b" * 100, **{"Upload-Checksum": f"sha1 {right}"})
    assert (response.status_code, response["Upload-Offset"]) == (204, "200")
    assert part_file(upload_env, url).read_bytes() == b"a" * 100 + b"b" * 100


def test_unsupported_checksum_algorithm_is_400(tus_client, upload_env):
    url = create(tus_client, 1000)["Location"]
    response = patch(tus_client, url, 0, b"a" * 10, **{"Upload-Checksum": "md5 AAAA"})
    assert response.status_code == 400
    assert Upload.objects.get().offset == 0


def test_cut_chunk_with_a_checksum_appends_nothing(tus_client, upload_env):
    url = create(tus_client, 1000)["Location"]
    body = os.urandom(500)
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()
    response = patch(
        tus_client,
        url,
        0,
        body,
        extra={"wsgi.input": CutStream(body, cut=200)},
        **{"Upload-Checksum": f"sha1 {digest}"},
    )
    assert response.status_code == 400
    assert Upload.objects.get().offset == 0
    assert part_file(upload_env, url).read_bytes() == b""


def test_patch_beyond_the_length_is_413(tus_client, upload_env):
    url = create(tus_client, 100)["Location"]
    assert patch(tus_client, url, 0, b"a" * 101).status_code == 413
    assert Upload.objects.get().offset == 0


def test_patch_needs_the_offset_content_type(tus_client, upload_env):
    url = create(tus_client, 100)["Location"]
    response = tus_client.generic(
        "PATCH",
        url,
        data=b"a" * 10,
        content_type="application/octet-stream",
        headers={**TUS, "Upload-Offset": "0"},
    )
    assert response.status_code == 415
    assert Upload.objects.get().offset == 0


def test_another_users_head_patch_delete_are_404_and_change_nothing(tus_client, upload_env):
    url = create(tus_client, 1000)["Location"]
    assert patch(tus_client, url, 0, b"a" * 100).status_code == 204
    other = Client()
    other.force_login(UserFactory())
    assert head(other, url).status_code == 404
    assert head(other, url)["Tus-Resumable"] == "1.0.0"
    assert patch(other, url, 100, b"b" * 100).status_code == 404
    assert other.delete(url, headers=TUS).status_code == 404
    upload = Upload.objects.get()
    assert (upload.offset, upload.status) == (100, UploadStatus.RECEIVING)
    assert part_file(upload_env, url).read_bytes() == b"a" * 100
    # An id nobody has is the same answer.
    assert head(other, f"{ENDPOINT}00000000-0000-0000-0000-000000000000/").status_code == 404


def test_too_large_is_413_with_a_chinese_message(tus_client, upload_env, settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    response = create(tus_client, 10 * 1024 * 1024 + 1)
    assert response.status_code == 413
    assert response["Tus-Resumable"] == "1.0.0"
    assert response.content.decode() == "文件太大：最大允许 10 MB，请剪短或压缩后再上传"
    assert Upload.objects.count() == 0
    assert create(tus_client, 10 * 1024 * 1024).status_code == 201


def test_empty_file_is_refused_up_front(tus_client, upload_env):
    response = create(tus_client, 0)
    assert response.status_code == 400
    assert response.content.decode() == "这个文件是空的（0 字节），请重新选择"
    assert Upload.objects.count() == 0


def test_deferred_length_is_not_supported(tus_client, upload_env):
    response = tus_client.generic(
        "POST",
        ENDPOINT,
        headers={
            **TUS,
            "Upload-Defer-Length": "1",
            "Upload-Metadata": metadata(target_kind=TEST_KIND, target_id="7"),
        },
    )
    assert response.status_code == 400
    assert Upload.objects.count() == 0


def test_missing_tus_resumable_is_412(tus_client, upload_env):
    url = create(tus_client, 1000)["Location"]
    response = tus_client.generic(
        "PATCH", url, data=b"a" * 10, content_type=OCTET, headers={"Upload-Offset": "0"}
    )
    assert response.status_code == 412
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert tus_client.head(url).status_code == 412
    assert tus_client.generic("POST", ENDPOINT, headers={"Upload-Length": "5"}).status_code == 412
    assert Upload.objects.get().offset == 0


def test_not_logged_in_is_refused(client, tus_client, upload_env):
    url = create(tus_client, 1000)["Location"]
    response = create(client, 1000)
    assert response.status_code == 403
    assert response.content.decode() == "请先登录后再上传（登录可能已过期，请刷新页面）"
    assert head(client, url).status_code == 403
    assert patch(client, url, 0, b"a" * 10).status_code == 403
    assert client.delete(url, headers=TUS).status_code == 403
    upload = Upload.objects.get()
    assert (upload.offset, upload.status) == (0, UploadStatus.RECEIVING)


def test_unknown_target_or_not_allowed_is_403(tus_client, upload_env):
    unknown = tus_client.generic(
        "POST",
        ENDPOINT,
        headers={
            **TUS,
            "Upload-Length": "10",
            "Upload-Metadata": metadata(filename="a.mp4", target_kind="nope", target_id="7"),
        },
    )
    assert unknown.status_code == 403
    assert unknown.content.decode() == "不能为这个对象上传文件"
    refused = create(tus_client, 10, target_id="closed")
    assert refused.status_code == 403
    assert refused.content.decode() == "你没有为这个对象上传文件的权限"
    assert Upload.objects.count() == 0
    assert not upload_env.upload_dir.exists() or list(upload_env.upload_dir.iterdir()) == []


def test_csrf_is_enforced(uploader, upload_env):
    client = Client(enforce_csrf_checks=True)
    client.force_login(uploader)
    assert create(client, 10).status_code == 403
    assert Upload.objects.count() == 0
    client.get("/")  # the home page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert create(client, 10, **{"X-CSRFToken": token}).status_code == 201


def test_termination_removes_the_part_file(
    tus_client, upload_env, django_capture_on_commit_callbacks
):
    url = create(tus_client, 1000)["Location"]
    assert patch(tus_client, url, 0, b"a" * 100).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        response = tus_client.delete(url, headers=TUS)
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert not part_file(upload_env, url).exists()
    assert Upload.objects.get().status == UploadStatus.CANCELLED
    assert head(tus_client, url).status_code == 404
    assert patch(tus_client, url, 100, b"a").status_code == 404


def test_a_failed_finish_is_retried_by_the_next_head(
    tus_client, upload_env, django_capture_on_commit_callbacks
):
    data = os.urandom(1000)
    url = create(tus_client, len(data))["Location"]
    upload_env.fail_attach.append(True)
    response = patch(tus_client, url, 0, data)
    assert response.status_code == 500
    assert response.content.decode() == "文件已收到，但保存失败，请稍后重试"
    upload = Upload.objects.get()
    assert (upload.offset, upload.status, upload.video) == (1000, "receiving", None)
    assert Video.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = head(tus_client, url)
    assert (response.status_code, response["Upload-Offset"]) == (200, "1000")
    upload.refresh_from_db()
    assert upload.status == UploadStatus.COMPLETE
    with upload.video.source.open("rb") as handle:
        assert handle.read() == data


def test_expiry_removes_stale_uploads_and_their_files_and_keeps_fresh(uploader, upload_env):
    def make(name):
        return upload_create(
            user=uploader, length=100, target_kind=TEST_KIND, target_id="7", filename=name
        )

    stale, fresh, cancelled = make("stale.mp4"), make("fresh.mp4"), make("cancelled.mp4")
    long_ago = timezone.now() - datetime.timedelta(hours=25)
    Upload.objects.filter(pk=stale.pk).update(updated_at=long_ago)
    Upload.objects.filter(pk=cancelled.pk).update(
        updated_at=long_ago, status=UploadStatus.CANCELLED
    )
    upload_env.upload_dir.joinpath(f"{stale.pk}.part").write_bytes(b"x" * 50)
    orphan = upload_env.upload_dir / f"{fresh.pk}.abc123.chunk"  # left by a crashed request
    orphan.write_bytes(b"y")
    old = long_ago.timestamp()
    os.utime(orphan, (old, old))
    recent_scratch = upload_env.upload_dir / f"{fresh.pk}.def456.chunk"
    recent_scratch.write_bytes(b"z")

    assert uploads_expire() == 2
    assert list(Upload.objects.values_list("filename", flat=True)) == ["fresh.mp4"]
    assert sorted(p.name for p in upload_env.upload_dir.iterdir()) == sorted(
        [f"{fresh.pk}.part", recent_scratch.name]
    )


def test_expiry_runs_as_an_hourly_periodic_task(uploader, upload_env):
    job = next(j for j in periodic.jobs() if j.name == "media.expire_uploads")
    assert job.task is expire_uploads
    assert job.every == datetime.timedelta(hours=1)
    upload = upload_create(user=uploader, length=100, target_kind=TEST_KIND, target_id="7")
    Upload.objects.filter(pk=upload.pk).update(
        updated_at=timezone.now() - datetime.timedelta(hours=24, minutes=1)
    )
    result = expire_uploads.enqueue()
    assert result.return_value == 1
    assert Upload.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_at_the_same_offset_exactly_one_appends(uploader, upload_env):
    setup = Client()
    setup.force_login(uploader)
    url = create(setup, 10_000)["Location"]
    bodies = [b"A" * 3000, b"B" * 3000]
    gate = threading.Barrier(2)
    results: dict[int, int] = {}

    def send(index: int) -> None:
        try:
            client = Client()
            client.force_login(uploader)
            body = bodies[index]
            response = patch(client, url, 0, body, extra={"wsgi.input": GatedStream(body, gate)})
            results[index] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results.values()) == [204, 409]
    winner = bodies[next(i for i, status in results.items() if status == 204)]
    assert Upload.objects.get().offset == 3000
    assert part_file(upload_env, url).read_bytes() == winner
    assert [p.suffix for p in upload_env.upload_dir.iterdir()] == [".part"]
