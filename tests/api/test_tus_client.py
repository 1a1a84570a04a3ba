"""A real tus client, tuspy (not ours), uploads a real video for a lesson against the
live server with nothing but a bearer token: creation, PATCH in 256 KB chunks with
checksums, HEAD to resume, then DELETE of another upload; the video is transcoded."""

from __future__ import annotations

import pytest
import requests
from tusclient import client as tus

from tests.api.conftest import TokenClient
from xianfeng.lessons.models import Lesson
from xianfeng.media.enums import UploadStatus, VideoStatus
from xianfeng.media.models import Upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_tuspy_uploads_a_lesson_video_with_a_token(county, live_server, media_dirs, small_clip):
    member = TokenClient("member_a1")
    created = member.call("post", "/api/v1/lessons/", {"title": "用 tuspy 上传的课"}, status=201)
    endpoint = live_server.url + created["upload"]["endpoint"]
    uploads = tus.TusClient(endpoint, headers=member.auth)
    metadata = {**created["upload"]["metadata"], "filename": "课.mp4", "filetype": "video/mp4"}

    # Half the file, as a client cut off mid-way would have sent it …
    size = small_clip.stat().st_size
    first = uploads.uploader(
        file_path=str(small_clip), chunk_size=256 * 1024, metadata=metadata, upload_checksum=True
    )
    first.upload(stop_at=size // 2)
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.RECEIVING
    assert upload.user.username == "member_a1"
    # … then a new uploader resumes from the server's offset (HEAD) and finishes.
    resumed = uploads.uploader(
        file_path=str(small_clip), url=first.url, chunk_size=256 * 1024, upload_checksum=True
    )
    assert resumed.get_offset() == first.offset
    resumed.upload()
    upload.refresh_from_db()
    assert (upload.status, upload.offset, upload.length) == (UploadStatus.COMPLETE, size, size)

    lesson = Lesson.objects.select_related("video").get(pk=created["id"])
    assert lesson.video is not None and lesson.video.status == VideoStatus.READY
    assert lesson.video.owner.username == "member_a1"
    assert member.call("get", f"/api/v1/lessons/{lesson.pk}/video")["status"] == "ready"

    # Termination with the token; the same request without it is refused.
    spare = uploads.uploader(file_path=str(small_clip), chunk_size=1024, metadata=metadata)
    spare.upload_chunk()
    tus_headers = {"Tus-Resumable": "1.0.0"}
    anonymous = requests.delete(spare.url, headers=tus_headers, timeout=10)
    assert anonymous.status_code == 403
    gone = requests.delete(spare.url, headers={**tus_headers, **member.auth}, timeout=10)
    assert (gone.status_code, gone.headers["Tus-Resumable"]) == (204, "1.0.0")
    assert Upload.objects.get(pk=spare.url.rstrip("/").rsplit("/", 1)[1]).status == (
        UploadStatus.CANCELLED
    )
