"""Writes of live lessons: schedule, open a run, append a chunk, end (→ a draft lesson)."""

from __future__ import annotations

import datetime
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.common.transitions import transition
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.rules import can_manage_lessons
from xianfeng.lessons.selectors import creation_orgs
from xianfeng.live import ingest
from xianfeng.live.enums import LIVE_MACHINE, MAX_CHUNK_BYTES, RUN_IDLE_SECONDS, LiveState
from xianfeng.live.models import LiveLesson
from xianfeng.media.ffmpeg import ffmpeg_popen
from xianfeng.media.services import video_create
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


class OutOfOrder(Refused):
    """A chunk ahead of what the run expects: the client resends from `expected`."""

    def __init__(self, expected: int) -> None:
        super().__init__(f"数据块不连续，请从第 {expected} 块重新发送")
        self.expected = expected


def live_schedule(
    *,
    actor: User,
    org: Org,
    audience: Org,
    title: str,
    speaker: User,
    scheduled_at: datetime.datetime,
) -> LiveLesson:
    """Announce a live for a time and an audience (inside the org's subtree)."""
    if not can_manage_lessons(actor, org):
        raise PermissionDenied("只有书记、宣传委员或组织管理员可以预告直播")
    if not audience.path.startswith(org.path):
        raise Refused("观看范围应在本组织之内", field="audience")
    title = " ".join(clean_text(title, multiline=False).split())
    if is_blank(title):
        raise Refused("请填写直播标题", field="title")
    with transaction.atomic():
        live = LiveLesson.objects.create(
            org=org,
            audience=audience,
            title=title[:80],
            speaker=speaker,
            scheduled_at=scheduled_at,
            created_by=actor,
        )
        audit_log(actor=actor, action="live.scheduled", obj=live, org=org)
    return live


def _speaker_only(actor: Any, live: LiveLesson) -> None:
    if live.speaker_id != getattr(actor, "pk", None):
        raise PermissionDenied("只有主讲人可以推流")


def live_run_open(*, actor: User, live: LiveLesson) -> int:
    """The speaker's page starts (or, after a dropped connection, resumes) streaming: a new
    run of the same live. The first run puts the live on air."""
    _speaker_only(actor, live)
    with transaction.atomic():
        live = LiveLesson.objects.select_for_update().get(pk=live.pk)
        if live.state == LiveState.ENDED:
            raise Refused("直播已结束")
        if live.state == LiveState.SCHEDULED:
            transition(
                live,
                LIVE_MACHINE,
                LiveState.LIVE,
                actor=actor,
                org=live.org,
                fields={"started_at": timezone.now()},
            )
        live.run_count += 1
        live.next_seq = 0
        live.save(update_fields=["run_count", "next_seq"])
        run = live.run_count
        audit_log(actor=actor, action="live.run", obj=live, org=live.org, data={"run": run})
        from xianfeng.live.tasks import transcode_live_run

        live_id = live.pk
        transaction.on_commit(lambda: transcode_live_run.enqueue(live_id=live_id, run=run))
    return run


def live_chunk(*, actor: User, live: LiveLesson, run: int, seq: int, data: bytes) -> bool:
    """Append chunk `seq` of `run`. A chunk already received (a retry) changes nothing and
    answers False; one ahead of the expected is refused with the expected number."""
    _speaker_only(actor, live)
    if len(data) > MAX_CHUNK_BYTES:
        raise Refused("数据块太大")
    with transaction.atomic():
        live = LiveLesson.objects.select_for_update().get(pk=live.pk)
        if live.state != LiveState.LIVE:
            raise Refused("直播未开始或已结束")
        if run != live.run_count:
            raise Refused("这一段推流已结束，请重新连接")
        if seq < live.next_seq:
            return False
        if seq > live.next_seq:
            raise OutOfOrder(live.next_seq)
        # Written under the row lock: chunks of a run land in order, once each.
        ingest.append_chunk(live.storage_key, run, data)
        LiveLesson.objects.filter(pk=live.pk).update(next_seq=seq + 1)
    return True


def live_end(*, actor: User, live: LiveLesson) -> LiveLesson:
    """End the live; its recording becomes a draft lesson for the speaker (a task)."""
    if live.speaker_id != actor.pk and not can_manage_lessons(actor, live.org):
        raise PermissionDenied("只有主讲人或主办组织可以结束直播")
    with transaction.atomic():
        live = LiveLesson.objects.select_for_update().select_related("org").get(pk=live.pk)
        if live.state == LiveState.ENDED:
            return live
        transition(
            live,
            LIVE_MACHINE,
            LiveState.ENDED,
            actor=actor,
            org=live.org,
            fields={"ended_at": timezone.now()},
        )
        from xianfeng.live.tasks import record_live

        live_id = live.pk
        transaction.on_commit(lambda: record_live.enqueue(live_id=live_id))
    return live


def live_recording(*, live_id: int, wait_seconds: float = RUN_IDLE_SECONDS * 3) -> Lesson | None:
    """After the end: wait for the last run's transcoder to finish, write the final
    playlist, remux it into one MP4 and hand that to the ordinary pipeline as the video of
    a new draft lesson (the speaker titles and publishes it). Idempotent."""
    live = LiveLesson.objects.select_related("org", "speaker").get(pk=live_id)
    if live.lesson_id is not None or live.state != LiveState.ENDED or not live.run_count:
        return live.lesson
    last = ingest.live_dir(live.storage_key) / f"r{live.run_count}.m3u8"
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if last.exists() and "#EXT-X-ENDLIST" in last.read_text(encoding="utf-8"):
            break
        time.sleep(0.5)
    playlist = ingest.write_playlist(live.storage_key, live.run_count, ended=True)
    with tempfile.TemporaryDirectory() as scratch:
        mp4 = Path(scratch) / "live.mp4"
        process = ffmpeg_popen(
            ["-loglevel", "error", "-i", str(playlist), "-c", "copy", "-bsf:a", "aac_adtstoasc",
             "-movflags", "+faststart", str(mp4)],
            stderr=subprocess.PIPE,
        )  # fmt: skip
        process.communicate()
        if process.returncode != 0 or not mp4.exists():
            return None
        speaker = live.speaker
        orgs = creation_orgs(speaker)
        org = orgs[0] if orgs else live.org
        author = speaker if orgs else live.created_by
        lesson = lesson_services.lesson_create(
            actor=author,
            org=org,
            data=lesson_services.LessonData(
                title=live.title, summary="直播回放", speaker_name=speaker.name
            ),
        )
        video_create(
            owner=author,
            source_path=mp4,
            original_name=f"{live.title}.mp4",
            target_kind="lesson",
            target_id=str(lesson.pk),
        )
    LiveLesson.objects.filter(pk=live.pk, lesson__isnull=True).update(lesson=lesson)
    return lesson
