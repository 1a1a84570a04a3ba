"""Writes of live lessons: schedule, open a run, append a chunk, end (→ a draft lesson)."""

from __future__ import annotations

import datetime
import secrets
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.common.transitions import transition
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons import watch as watch_math
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.rules import can_manage_lessons
from xianfeng.lessons.selectors import creation_orgs
from xianfeng.live import ingest
from xianfeng.live.enums import LIVE_MACHINE, MAX_CHUNK_BYTES, RUN_IDLE_SECONDS, LiveState
from xianfeng.live.models import LiveLesson, LiveWatch
from xianfeng.media.ffmpeg import ffmpeg_popen
from xianfeng.media.services import video_create
from xianfeng.notify.services import notify
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.people.selectors import members_on


class OutOfOrder(Refused):
    """A chunk ahead of what the run expects: the client resends from `expected`."""

    def __init__(self, expected: int) -> None:
        super().__init__(f"数据块不连续，请从第 {expected} 块重新发送")
        self.expected = expected


class RunGone(Refused):
    """The run is over (a newer run opened, or its transcoder stopped after a long gap):
    the page opens a new run of the same live and carries on."""

    def __init__(self) -> None:
        super().__init__("这一段推流已中断，正在重新连接")


def live_schedule(
    *,
    actor: User,
    org: Org,
    audience: Org,
    title: str,
    speaker: User,
    scheduled_at: datetime.datetime,
    remind_minutes: int = 15,
) -> LiveLesson:
    """Announce a live for a time and an audience (inside the org's subtree); the audience
    is told now and reminded `remind_minutes` ahead."""
    if not can_manage_lessons(actor, org):
        raise PermissionDenied("只有书记、宣传委员或组织管理员可以预告直播")
    if not audience.path.startswith(org.path):
        raise Refused("观看范围应在本组织之内", field="audience")
    title = " ".join(clean_text(title, multiline=False).split())
    if is_blank(title):
        raise Refused("请填写直播标题", field="title")
    if not 0 <= remind_minutes <= 24 * 60:
        raise Refused("提前提醒应在 0 到 1440 分钟之间", field="remind_minutes")
    with transaction.atomic():
        live = LiveLesson.objects.create(
            org=org,
            audience=audience,
            title=title[:80],
            speaker=speaker,
            scheduled_at=scheduled_at,
            remind_minutes=remind_minutes,
            created_by=actor,
        )
        audit_log(actor=actor, action="live.scheduled", obj=live, org=org)
        when = timezone.localtime(scheduled_at)
        notify(
            users=audience_user_ids(live),
            title=f"直播预告：{live.title}",
            body=f"{when:%m月%d日 %H:%M} 开播，主讲 {speaker.name}",
            url=reverse("live:detail", args=[live.pk]),
            kind="live.announce",
            actor=actor,
            org=org,
            about=live,
        )
    return live


def audience_user_ids(live: LiveLesson) -> list[int]:
    """The active members on the roll in the live's audience (its org's subtree)."""
    return list(
        members_on(live.audience, timezone.localdate(), subtree=True)
        .filter(user__is_active=True)
        .values_list("user_id", flat=True)
    )


def live_remind_due(*, now: datetime.datetime | None = None) -> int:
    """Remind the audience of each live starting within its reminder time, once (the
    claim on `reminded_at` makes two overlapping runs remind once)."""
    now = now or timezone.now()
    sent = 0
    due = LiveLesson.objects.filter(
        state=LiveState.SCHEDULED, reminded_at__isnull=True, scheduled_at__gt=now
    ).select_related("audience", "speaker", "org")
    for live in due:
        if live.scheduled_at - now > datetime.timedelta(minutes=live.remind_minutes):
            continue
        with transaction.atomic():
            if not LiveLesson.objects.filter(pk=live.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            minutes = max(1, round((live.scheduled_at - now).total_seconds() / 60))
            notify(
                users=audience_user_ids(live),
                title=f"{minutes} 分钟后开播：{live.title}",
                body=f"主讲 {live.speaker.name}，点开即可观看",
                url=reverse("live:detail", args=[live.pk]),
                kind="live.remind",
                org=live.org,
                about=live,
            )
            sent += 1
    return sent


def _speaker_only(actor: Any, live: LiveLesson) -> None:
    if live.speaker_id != getattr(actor, "pk", None):
        raise PermissionDenied("只有主讲人可以推流")


def live_run_open(
    *, actor: User, live: LiveLesson, public: bool = True, audio_only: bool = False
) -> int:
    """The speaker's page starts (or, after a dropped connection, resumes) streaming: a new
    run of the same live. A run before going public is a test the hosts watch alone; the
    first public run puts the live on air. An audio-only run (a weak network) gets a still
    picture."""
    _speaker_only(actor, live)
    with transaction.atomic():
        live = LiveLesson.objects.select_for_update().get(pk=live.pk)
        if live.state == LiveState.ENDED:
            raise Refused("直播已结束")
        run = _next_run(live, actor, public=public)
        audit_log(
            actor=actor,
            action="live.run",
            obj=live,
            org=live.org,
            data={"run": run, "test": live.state == LiveState.SCHEDULED, "audio": audio_only},
        )
        from xianfeng.live.tasks import transcode_live_run

        live_id = live.pk
        transaction.on_commit(
            lambda: transcode_live_run.enqueue(live_id=live_id, run=run, audio_only=audio_only)
        )
    return run


def _next_run(live: LiveLesson, actor: User, *, public: bool) -> int:
    """Open the next run of a live locked by the caller; the first public one puts it on
    air (the runs before it were tests)."""
    live.run_count += 1
    live.next_seq = 0
    fields = ["run_count", "next_seq"]
    if live.state == LiveState.SCHEDULED and public:
        live.public_from_run = live.run_count
        fields.append("public_from_run")
        transition(
            live,
            LIVE_MACHINE,
            LiveState.LIVE,
            actor=actor,
            org=live.org,
            fields={"started_at": timezone.now()},
        )
    live.save(update_fields=fields)
    return live.run_count


def live_chunk(*, actor: User, live: LiveLesson, run: int, seq: int, data: bytes) -> bool:
    """Append chunk `seq` of `run`. A chunk already received (a retry) changes nothing and
    answers False; one ahead of the expected is refused with the expected number."""
    _speaker_only(actor, live)
    if len(data) > MAX_CHUNK_BYTES:
        raise Refused("数据块太大")
    with transaction.atomic():
        live = LiveLesson.objects.select_for_update().get(pk=live.pk)
        if live.state == LiveState.ENDED or not live.run_count:
            raise Refused("直播未开始或已结束")
        if run != live.run_count or ingest.run_ended(live.storage_key, run):
            raise RunGone()
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
    if not live.public_from_run:
        return None  # only tests were streamed: nothing to keep
    playlist = ingest.write_playlist(
        live.storage_key, live.run_count, ended=True, first_run=live.public_from_run
    )
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
    if LiveLesson.objects.filter(pk=live.pk, lesson__isnull=True).update(lesson=lesson):
        duration = ingest.playlist_seconds(playlist)
        for watch in LiveWatch.objects.filter(live_id=live.pk, covered__gt=0):
            credit_watch(watch, lesson, duration)
    return lesson


def credit_watch(watch: LiveWatch, lesson: Lesson, duration: float) -> None:
    """Watching the live counts as watching its recording (参学率, points), dated when it
    was watched."""
    lesson_services.watch_credit(
        user_id=watch.user_id,
        lesson=lesson,
        sections=watch.sections,
        duration=duration,
        watched_at=watch.last_report_at or timezone.now(),
    )


# A viewer's player reports at most this much more than real time since the last report
# (a hidden tab, a slow network), so a forged report cannot complete a live.
WATCH_SLACK_SECONDS = 15.0


def live_watch_report(
    *, user: Any, live: LiveLesson, sections: Sequence[Sequence[float]]
) -> LiveWatch:
    """Record sections of the live a viewer's player played (the live's own timeline):
    only while on air, only ever growing, at most real time plus a little per report."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if live.state != LiveState.LIVE:
        raise Refused("直播未在进行")
    limit = float(24 * 3600)
    new = watch_math.clean(sections, limit)
    for _attempt in range(20):
        row, _ = LiveWatch.objects.get_or_create(live_id=live.pk, user_id=user.pk)
        now = timezone.now()
        since = (now - (row.last_report_at or row.started_at)).total_seconds()
        budget = max(0.0, since) + WATCH_SLACK_SECONDS
        merged = watch_math.merge(row.sections, new, limit)
        if watch_math.covered(merged) - row.covered > budget:
            kept: list[tuple[float, float]] = []
            for start, end in sorted(new):
                take = min(end - start, budget)
                if take <= 0:
                    break
                kept.append((start, start + take))
                budget -= take
            merged = watch_math.merge(row.sections, kept, limit)
        covered = watch_math.covered(merged)
        won = LiveWatch.objects.filter(pk=row.pk, reports=row.reports).update(
            sections=[list(x) for x in merged],
            covered=covered,
            reports=row.reports + 1,
            last_report_at=now,
        )
        if won:
            row.sections = [list(x) for x in merged]
            row.covered, row.reports, row.last_report_at = covered, row.reports + 1, now
            return row
    raise Refused("观看记录繁忙，请稍后再试")


def live_rtmp_open(*, actor: User, live: LiveLesson) -> LiveLesson:
    """Open a studio ingest for OBS: a new key and port, a new public run whose listener
    waits for the push (a county broadcast from a PC or a studio)."""
    if live.speaker_id != actor.pk and not can_manage_lessons(actor, live.org):
        raise PermissionDenied("只有主讲人或主办组织可以开启 OBS 推流")
    with transaction.atomic():
        live = LiveLesson.objects.select_for_update().get(pk=live.pk)
        if live.state == LiveState.ENDED:
            raise Refused("直播已结束")
        port = _free_rtmp_port(live)
        live.stream_key = secrets.token_urlsafe(18)
        live.rtmp_port = port
        live.save(update_fields=["stream_key", "rtmp_port"])
        _next_run(live, actor, public=True)
        audit_log(actor=actor, action="live.rtmp", obj=live, org=live.org, data={"port": port})
        from xianfeng.live.tasks import listen_rtmp

        live_id, run = live.pk, live.run_count
        transaction.on_commit(lambda: listen_rtmp.enqueue(live_id=live_id, run=run))
    return live


def _free_rtmp_port(live: LiveLesson) -> int:
    """A port of settings.LIVE_RTMP_PORTS no other live on air holds."""
    first, last = settings.LIVE_RTMP_PORTS
    taken = set(
        LiveLesson.objects.filter(state=LiveState.LIVE, rtmp_port__isnull=False)
        .exclude(pk=live.pk)
        .values_list("rtmp_port", flat=True)
    )
    for port in range(first, last + 1):
        if port not in taken:
            return port
    raise Refused("推流端口已用完，请稍后再试")
