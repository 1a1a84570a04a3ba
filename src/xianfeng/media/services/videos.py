"""Videos: creation from a finished file, the one place the status changes, retry."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.media import targets
from xianfeng.media.enums import VIDEO_TRANSITIONS, VideoStatus
from xianfeng.media.models import Video

log = logging.getLogger(__name__)


def video_create(
    *,
    owner: Any,
    source_path: Path,
    original_name: str,
    target_kind: str = "",
    target_id: str = "",
) -> Video:
    """Store a finished file as a Video's source and queue its processing.

    The file at `source_path` is copied into the private storage (the original is kept for
    re-processing); the caller removes its own temporary file.
    """
    from xianfeng.media.tasks import process_video

    with transaction.atomic():
        video = Video(
            owner=owner,
            original_name=original_name[:255],
            target_kind=target_kind,
            target_id=target_id,
            size=source_path.stat().st_size,
        )
        with source_path.open("rb") as handle:
            video.source.save(Path(original_name).name or "upload.bin", File(handle), save=False)
        video.save()
        audit_log(
            actor=owner,
            action="video.create",
            obj=video,
            data={
                "name": original_name,
                "size": video.size,
                "target": f"{target_kind}:{target_id}",
            },
        )
        target = targets.get(target_kind)
        if target is not None:
            target.attach(video, target_id)
        transaction.on_commit(lambda: process_video.enqueue(video_id=video.pk))
    return video


def video_set_status(video: Video, status: str, **fields: Any) -> Video:
    """Move a video to `status` (checked against VIDEO_TRANSITIONS), saving `fields` with it.

    Runs in its own transaction on a locked row, so a worker and a retry cannot interleave;
    tells the video's target afterwards.
    """
    with transaction.atomic():
        current = Video.objects.select_for_update().get(pk=video.pk)
        if (
            status != current.status
            and status not in VIDEO_TRANSITIONS[VideoStatus(current.status)]
        ):
            raise Refused(
                f"视频状态不能从“{current.get_status_display()}”变为“{VideoStatus(status).label}”"
            )
        current.status = status
        for name, value in fields.items():
            setattr(current, name, value)
        if status == VideoStatus.READY and current.ready_at is None:
            current.ready_at = timezone.now()
        current.save()
        audit_log(
            actor=None,
            action=f"video.{status}",
            obj=current,
            data={
                k: v for k, v in fields.items() if k in ("failure_reason", "duration", "progress")
            },
        )
        target = targets.get(current.target_kind)
        if target is not None and target.on_status is not None:
            on_status = target.on_status
            transaction.on_commit(lambda: on_status(current))
    video.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


def video_retry(*, video: Video, actor: Any) -> Video:
    """Send a failed video through probing and transcoding again (the uploader's button)."""
    from xianfeng.media.tasks import process_video

    if actor is not None and actor.pk != video.owner_id and not actor.is_superuser:
        raise PermissionDenied("只有上传人可以重试")
    if video.status != VideoStatus.FAILED:
        raise Refused("只有处理失败的视频可以重试")
    video = video_set_status(video, VideoStatus.UPLOADED, failure_reason="", progress=0)
    transaction.on_commit(lambda: process_video.enqueue(video_id=video.pk))
    return video
