"""Background jobs of live lessons (thin)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.live import ingest
from xianfeng.live.models import LiveLesson


@task(queue_name="media")
def transcode_live_run(live_id: int, run: int, audio_only: bool = False) -> int:
    """Start one run's transcoder (detached: it runs as long as the run's chunks keep
    coming, without holding this worker); returns its pid."""
    key = LiveLesson.objects.values_list("storage_key", flat=True).get(pk=live_id)
    return ingest.spawn(ingest.chunk_command(key, run, audio_only=audio_only), key, run)


@task(queue_name="media")
def listen_rtmp(live_id: int, run: int) -> int:
    """Start the RTMP listener of a live's studio run (OBS pushes to it); returns its pid."""
    live = LiveLesson.objects.only("storage_key", "stream_key", "rtmp_port").get(pk=live_id)
    if not live.stream_key or not live.rtmp_port:
        return 0
    args = ingest.rtmp_command(live.storage_key, run, port=live.rtmp_port, key=live.stream_key)
    return ingest.spawn(args, live.storage_key, run, guard=True)


@task(queue_name="media")
def record_live(live_id: int) -> int | None:
    from xianfeng.live.services import live_recording

    lesson = live_recording(live_id=live_id)
    return lesson.pk if lesson else None


@task()
def send_live_reminders() -> int:
    """Remind the audience of lives starting soon."""
    from xianfeng.live.services import live_remind_due

    return live_remind_due()
