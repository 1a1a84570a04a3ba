"""Videos: creation from a finished file, the one place the status changes, retry."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import transition
from xianfeng.media import targets
from xianfeng.media.enums import VIDEO_MACHINE, VideoStatus
from xianfeng.media.models import Video
from xianfeng.people.models import User

log = logging.getLogger(__name__)


def video_source_store(*, source_path: Path, original_name: str) -> str:
    """Copy a finished file into the private storage and return its name there.

    Call it outside a transaction: copying 2 GB (or sending it to an object store) must not
    hold SQLite's write lock, which other writers wait for at most 20 s.
    """
    suffix = Path(original_name).suffix.lower()[:10]
    name = timezone.now().strftime("sources/%Y/%m/") + f"{uuid.uuid4().hex}{suffix}"
    with source_path.open("rb") as handle:
        return storages["private"].save(name, File(handle))


def video_create(
    *,
    owner: Any,
    original_name: str,
    target_kind: str = "",
    target_id: str = "",
    source_path: Path | None = None,
    source_name: str | None = None,
) -> Video:
    """Make a Video from a finished file and queue its processing.

    Either `source_path` (copied into the private storage here, before the transaction) or
    `source_name` (already stored by video_source_store). The original is kept for
    re-processing; the caller removes its own temporary file.
    """

    stored_here = source_name is None
    if source_name is None:
        if source_path is None:
            raise ValueError("video_create needs source_path or source_name")
        source_name = video_source_store(source_path=source_path, original_name=original_name)
    try:
        return _video_row(
            owner=owner,
            source_name=source_name,
            original_name=original_name,
            target_kind=target_kind,
            target_id=target_id,
        )
    except BaseException:
        if stored_here:
            storages["private"].delete(source_name)
        raise


def _video_row(
    *,
    owner: Any,
    source_name: str,
    original_name: str,
    target_kind: str,
    target_id: str,
) -> Video:
    with transaction.atomic():
        video = Video(
            owner=owner,
            original_name=original_name[:255],
            target_kind=target_kind,
            target_id=target_id,
            size=storages["private"].size(source_name),
        )
        video.source.name = source_name
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
        queue_processing(video.pk)
    return video


QUEUE_DOWN = "任务队列暂时不可用，视频尚未开始处理，请稍后点击重试"


def queue_processing(video_id: int) -> None:
    """Queue the transcode after the commit; if the queue is down the video says so and
    offers the retry button instead of waiting for ever."""
    from xianfeng.audit.enqueue import enqueue_on_commit
    from xianfeng.media.tasks import process_video

    def queue_down(exc: Exception) -> None:
        video = Video.objects.get(pk=video_id)
        if video.status == VideoStatus.UPLOADED:
            video_set_status(video, VideoStatus.FAILED, failure_reason=QUEUE_DOWN)

    enqueue_on_commit(process_video, on_failure=queue_down, video_id=video_id)


def video_set_status(video: Video, status: str, **fields: Any) -> Video:
    """Move a video to `status` (checked against VIDEO_TRANSITIONS), saving `fields` with it.

    Runs in its own transaction on a locked row, so a worker and a retry cannot interleave;
    tells the video's target afterwards.
    """
    with transaction.atomic():
        current = Video.objects.select_for_update().get(pk=video.pk)
        if status == VideoStatus.READY and current.ready_at is None:
            fields = {"ready_at": timezone.now(), **fields}
        transition(
            current,
            VIDEO_MACHINE,
            status,
            actor=None,
            fields=fields,
            data={
                "target": f"{current.target_kind}:{current.target_id}",
                **{k: v for k, v in fields.items() if k in ("failure_reason", "duration")},
            },
        )
        target = targets.get(current.target_kind)
        if target is not None and target.on_status is not None:
            on_status = target.on_status
            transaction.on_commit(lambda: on_status(current))
    video.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


def video_retry(*, video: Video, actor: User) -> Video:
    """Send a failed video through probing and transcoding again (the uploader's button)."""

    if actor is not None and actor.pk != video.owner_id and not actor.is_superuser:
        raise PermissionDenied("只有上传人可以重试")
    if video.status != VideoStatus.FAILED:
        raise Refused("只有处理失败的视频可以重试")
    video = video_set_status(video, VideoStatus.UPLOADED, failure_reason="", progress=0)
    queue_processing(video.pk)
    return video


STUCK_MINUTES = 30


def videos_fail_stuck(*, minutes: int = STUCK_MINUTES) -> int:
    """A running transcode writes its progress every few seconds; one silent for `minutes`
    lost its worker for good (the job gave up its retries): mark it failed, retryable."""
    from datetime import timedelta

    cutoff = timezone.now() - timedelta(minutes=minutes)
    stuck = Video.objects.filter(
        status__in=[VideoStatus.PROBING, VideoStatus.TRANSCODING], updated_at__lt=cutoff
    )
    count = 0
    for video in stuck:
        video_set_status(
            video, VideoStatus.FAILED, failure_reason="处理中断（服务器重启或超时），请点击重试"
        )
        count += 1
    return count
