"""Background jobs of live lessons (thin)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.live import ingest
from xianfeng.live.models import LiveLesson


@task(queue_name="media")
def transcode_live_run(live_id: int, run: int) -> int:
    """One run's transcoder: runs while the run's chunks keep coming."""
    key = LiveLesson.objects.values_list("storage_key", flat=True).get(pk=live_id)
    code, _ = ingest.transcode_run(key, run)
    return code


@task(queue_name="media")
def record_live(live_id: int) -> int | None:
    from xianfeng.live.services import live_recording

    lesson = live_recording(live_id=live_id)
    return lesson.pk if lesson else None
