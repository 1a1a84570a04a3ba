"""Background jobs of the media app: thin, idempotent, safe to run twice."""

from __future__ import annotations

from django_tasks import task

from xianfeng.media.pipeline import video_process
from xianfeng.media.services.uploads import uploads_expire
from xianfeng.media.services.videos import videos_fail_stuck


@task(queue_name="media")
def process_video(*, video_id: int) -> str:
    """Probe and transcode one video; a failure is recorded on the video, not raised."""

    return video_process(video_id=video_id)


@task()
def expire_uploads() -> int:
    """Delete resumable uploads abandoned for UPLOAD_EXPIRE_HOURS, with their files."""

    return uploads_expire()


@task()
def fail_stuck_videos() -> int:
    """Videos stuck in probing or transcoding (no progress for STUCK_MINUTES) become
    failed with a retry button, so nobody waits for ever."""

    return videos_fail_stuck()
