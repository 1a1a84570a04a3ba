"""Helpers for the tus tests: a test-only upload target, files in tmp_path, the processing
step stubbed (the tus layer ends at video_create; what the pipeline does is tested there),
and a URLconf that mounts the media URLs whether or not the root one does yet."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.urls import URLResolver, include, path

from xianfeng import urls as root_urls
from xianfeng.media import targets
from xianfeng.media.models import Video
from xianfeng.media.targets import UploadTarget

TEST_KIND = "xf-test"
ENDPOINT = "/media-api/uploads/"
TUS = {"Tus-Resumable": "1.0.0"}
OCTET = "application/offset+octet-stream"


def media_urlpatterns() -> list[Any]:
    """The root URLconf plus the media URLs at media-api/ unless it has them already."""
    patterns = list(root_urls.urlpatterns)
    if not any(isinstance(p, URLResolver) and p.namespace == "media" for p in patterns):
        patterns.append(path("media-api/", include("xianfeng.media.urls")))
    return patterns


@dataclass
class UploadEnv:
    upload_dir: Path
    private_dir: Path
    enqueued: list[int] = field(default_factory=list)
    attached: list[tuple[int, str]] = field(default_factory=list)
    # Target ids the test target refuses (may_upload false).
    closed: set[str] = field(default_factory=lambda: {"closed"})
    fail_attach: list[bool] = field(default_factory=list)


def install_upload_env(settings: Any, tmp_path: Path, monkeypatch: Any) -> UploadEnv:
    """Call from a test module's fixture (with pytest's settings, tmp_path, monkeypatch)."""
    env = UploadEnv(upload_dir=tmp_path / "uploads", private_dir=tmp_path / "private")
    settings.UPLOAD_DIR = env.upload_dir
    storage = Video._meta.get_field("source").storage
    monkeypatch.setattr(storage, "base_location", str(env.private_dir))
    monkeypatch.setattr(storage, "location", str(env.private_dir))

    class StubProcessing:
        @staticmethod
        def enqueue(*, video_id: int) -> None:
            env.enqueued.append(video_id)

    monkeypatch.setattr("xianfeng.media.tasks.process_video", StubProcessing)

    def attach(video: Video, target_id: str) -> None:
        if env.fail_attach and env.fail_attach.pop(0):
            raise OSError("disk full")
        env.attached.append((video.pk, target_id))

    monkeypatch.setitem(
        targets._targets,
        TEST_KIND,
        UploadTarget(may_upload=lambda user, tid: tid not in env.closed, attach=attach),
    )
    return env


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
