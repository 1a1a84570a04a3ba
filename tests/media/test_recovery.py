"""A worker killed in the middle of a transcode leaves a job that is picked up again and
finishes, with nothing left over from the killed attempt; on the database queue (a real
worker process, SIGKILL'ed) and on RQ."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from tests import dbtemplate
from tests.media.conftest import assert_ready
from xianfeng.common.workers import RQ_REQUEUES_META, recover_orphaned_jobs
from xianfeng.media.enums import VideoStatus
from xianfeng.media.models import Video
from xianfeng.media.pipeline import storage_put, video_process
from xianfeng.media.services import video_set_status
from xianfeng.media.tasks import process_video

REPO = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_attempt_left_by_a_crash_starts_over_cleanly(clips, make_video, media_env):
    video = make_video(clips.small)
    # Attempt 1 died mid-transcode: the row says TRANSCODING and playable, a segment and a
    # playlist were published, and its local work directory is still there.
    Video.objects.filter(pk=video.pk).update(attempts=1)
    video_set_status(video, VideoStatus.PROBING)
    video_set_status(
        video,
        VideoStatus.TRANSCODING,
        output_dir=f"videos/{video.storage_key}/1",
        hls_master=f"videos/{video.storage_key}/1/master.m3u8",
        playable_at=timezone.now(),
    )
    storage = storages["default"]
    storage_put(storage, f"videos/{video.storage_key}/1/360p/seg_00000.ts", b"\x47" * 188)
    storage_put(storage, f"videos/{video.storage_key}/1/360p/index.m3u8", b"#EXTM3U\n")
    stale = media_env.work_root / "xianfeng-transcode" / f"{video.storage_key}-1"
    stale.mkdir(parents=True)
    (stale / "ffmpeg-stderr.log").write_text("killed")

    assert video_process(video_id=video.pk) == VideoStatus.READY

    assert_ready(video, {"360p": (640, 360)}, duration=11.0)
    assert video.attempts == 2
    assert {name.split("/")[0] for name in media_env.files(video)} == {"2"}
    assert media_env.workdirs() == []


def test_run_overtaken_by_a_newer_attempt_stops_and_removes_its_files(clips, make_video, media_env):
    video = make_video(clips.small)

    def another_worker_starts(event: str, current: Video, ffmpeg_running: bool) -> None:
        if event == "playable":  # a second worker took the video over (attempt 2)
            Video.objects.filter(pk=current.pk).update(attempts=F("attempts") + 1)

    assert video_process(video_id=video.pk, observer=another_worker_starts) == "superseded"

    row = Video.objects.get(pk=video.pk)
    assert (row.attempts, row.status) == (2, VideoStatus.TRANSCODING)  # left to attempt 2
    assert media_env.files(video) == []
    assert media_env.workdirs() == []


# --- the database queue: a real worker process, killed -----------------------------------------


def ffmpeg_children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children += [int(child) for child in text]
    return [c for c in children if "ffmpeg" in Path(f"/proc/{c}/cmdline").read_text()]


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.slow  # ~22 s alone, ~50 s beside the rest of the suite on two cores
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_worker_killed_mid_transcode_job_is_picked_up_and_finishes(clips, tmp_path):
    var, scratch = tmp_path / "var", tmp_path / "tmp"
    scratch.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("XF_DATABASE_URL", "XF_MEDIA_ROOT", "XF_PRIVATE_ROOT", "XF_TESTING")
    }
    env.update(XF_VAR_DIR=str(var), XF_TASKS="db", TMPDIR=str(scratch), XF_LOG_LEVEL="WARNING")
    manage = [sys.executable, str(REPO / "manage.py")]
    # A migrated, empty database to start from (migrating one is a minute of a core).
    dbtemplate.sqlite_copy(var / "xianfeng.sqlite3")

    def run(*args: str) -> str:
        done = subprocess.run(
            [*manage, *args], env=env, capture_output=True, text=True, timeout=900, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    # One Django start-up for both: a fresh database, and a video queued for processing as
    # a finished upload makes it.
    created = run(
        "shell",
        "-c",
        "from pathlib import Path\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', '--no-input', verbosity=0)\n"
        "from xianfeng.people.models import User\n"
        "from xianfeng.media.services import video_create\n"
        "user = User.objects.create_user(username='uploader', name='上传人')\n"
        f"video = video_create(owner=user, source_path=Path({str(clips.thirty_seconds)!r}),"
        " original_name='微党课.mp4')\n"
        "print(video.pk)\n",
    )
    video_id = int(created.split()[-1])
    database = sqlite3.connect(var / "xianfeng.sqlite3", timeout=20, isolation_level=None)

    def row() -> tuple[str, int, str | None]:
        return database.execute(
            "SELECT status, attempts, playable_at FROM media_video WHERE id = ?", (video_id,)
        ).fetchone()

    (storage_key,) = database.execute(
        "SELECT storage_key FROM media_video WHERE id = ?", (video_id,)
    ).fetchone()
    outputs = var / "media" / "videos" / storage_key
    log = (tmp_path / "worker-1.log").open("wb")
    worker = subprocess.Popen(
        [*manage, "xf_worker", "--queues", "media", "--interval", "0.2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # Killed once the video plays (attempt 1 has published files) and is transcoding.
        wait_for(
            lambda: row()[0] == "transcoding" and row()[2] is not None,
            timeout=120,
            what="the first attempt to become playable",
        )
        encoders = ffmpeg_children(worker.pid)
        assert encoders, "ffmpeg should be running"
        published = sorted(p.name for p in (outputs / "1").rglob("*") if p.is_file())
        assert "master.m3u8" in published
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    # ffmpeg dies with its worker instead of encoding on for nobody.
    wait_for(lambda: not any(alive(pid) for pid in encoders), timeout=10, what="ffmpeg to die")
    assert row()[:2] == ("transcoding", 1)

    # The killed worker's heartbeat goes stale; the next worker re-queues its job.
    database.execute("UPDATE common_workerbeat SET last_seen = '2000-01-01 00:00:00'")
    second = run("xf_worker", "--queues", "media", "--interval", "0.2", "--batch")
    assert "已重新排队 1 个中断的任务" in second

    assert row()[:2] == ("ready", 2)
    files = sorted(str(p.relative_to(outputs)) for p in outputs.rglob("*") if p.is_file())
    assert files == [
        "2/360p/index.m3u8",
        *(f"2/360p/seg_0000{i}.ts" for i in range(10)),  # 6 × 1 s + 4 × 6 s
        "2/master.m3u8",
        "2/poster.jpg",
        "2/video.mp4",
    ]
    assert not (outputs / "1").exists()
    leftovers = scratch / "xianfeng-transcode"
    assert not leftovers.exists() or list(leftovers.iterdir()) == []
    jobs = database.execute(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE task_path = ?",
        ("xianfeng.media.tasks.process_video",),
    ).fetchall()
    assert [(status, len(json.loads(workers))) for status, workers in jobs] == [("SUCCESSFUL", 2)]
    database.close()


# --- RQ -------------------------------------------------------------------------------------------


def rq_url_or_skip() -> str:
    import redis

    # Database 14: tests/common/test_tasks.py flushes 15, perhaps at the same time.
    base = os.environ.get("XF_TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
    url = f"{base}/14"
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"Redis at {url} is unreachable: {exc}")
    client.flushdb()
    return url


def test_rq_jobs_abandoned_by_dead_workers_are_requeued_a_few_times(clips, make_video, media_env):
    url = rq_url_or_skip()
    video = make_video(clips.small)
    queues = {name: {"URL": url, "DEFAULT_TIMEOUT": 600} for name in ("default", "media")}
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "media"]}}
    with override_settings(TASKS=rq_tasks, TASKS_MODE="rq", RQ_QUEUES=queues):
        import django_rq
        from django_tasks_rq import Job
        from rq import SimpleWorker
        from rq.registry import FailedJobRegistry, StartedJobRegistry

        queue = django_rq.get_queue("media", job_class=Job)
        connection = queue.connection

        def taken_by(worker_name: str) -> tuple[Job, SimpleWorker]:
            """A job enqueued, then claimed and started by a worker, as rq does it."""
            job = queue.fetch_job(process_video.enqueue(video_id=video.pk).id)
            worker = SimpleWorker([queue], connection=connection, job_class=Job, name=worker_name)
            worker.register_birth()
            queue.remove(job.id)
            worker.prepare_execution(job)
            worker.prepare_job_execution(job)
            return job, worker

        # 1. The worker was SIGKILL'ed: it stopped beating and its key expired, while its
        #    job still sits in the StartedJobRegistry.
        killed, dead = taken_by("killed-worker")
        connection.delete(dead.key)
        # 2. rq's own clean-up got to a job first (its execution expired) and failed it as
        #    abandoned; a third job has been abandoned too often already.
        expired, _ = taken_by("slow-worker")
        too_often, _ = taken_by("slow-worker-2")
        too_often.meta[RQ_REQUEUES_META] = 3
        too_often.save_meta()
        started = StartedJobRegistry(queue=queue, job_class=Job)
        for job_id, execution_id in started.get_job_and_execution_ids(cleanup=False):
            if job_id != killed.id:
                connection.zadd(started.key, {f"{job_id}:{execution_id}": 1})

        assert recover_orphaned_jobs() == 2

        assert queue.get_job_ids() == [killed.id, expired.id]
        assert Job.fetch(killed.id, connection=connection).meta[RQ_REQUEUES_META] == 1
        assert Job.fetch(expired.id, connection=connection).meta[RQ_REQUEUES_META] == 1
        assert FailedJobRegistry(queue=queue).get_job_ids() == [too_often.id]
        assert started.get_job_ids(cleanup=False) == []
        assert recover_orphaned_jobs() == 0  # nothing is requeued twice

        worker = django_rq.get_worker("media", worker_class=SimpleWorker, job_class=Job)
        worker.work(burst=True)

        # Both ran to the end; the second found the video READY and had nothing to do.
        statuses = [process_video.get_result(job.id).status for job in (killed, expired)]
        assert statuses == ["SUCCESSFUL", "SUCCESSFUL"]
    assert_ready(video, {"360p": (640, 360)}, duration=11.0)
    assert video.attempts == 1
