"""Task-worker bookkeeping: heartbeats for /healthz, and recovery of jobs a dead worker held.

The database worker marks a job RUNNING when it claims it; a worker killed by SIGKILL or a
power cut leaves it RUNNING for ever. A worker that starts (and every beat after) hands
such jobs back to the queue when the worker that claimed them has stopped beating, so
they run again: our tasks are idempotent by convention.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from xianfeng.common.models import WorkerBeat
from xianfeng.common.periodic import enqueue_due

log = logging.getLogger(__name__)
BEAT_SECONDS = 10

# The RQ worker forks a work horse for each job while the heartbeat thread goes on beating.
# A fork in the middle of a beat's write copies a SQLite connection that holds the write
# lock into the child, where no thread will ever release it: every write of the job then
# waits out the busy timeout and fails ("database is locked"). So a beat's database work
# and a fork exclude each other.
_beating = threading.Lock()


def _release_in_child() -> None:
    if _beating.locked():
        _beating.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_beating.acquire, after_in_parent=_beating.release, after_in_child=_release_in_child
    )


def worker_beat(*, worker_id: str, queues: str) -> None:
    """Record that the worker is alive (an upsert on its id)."""
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "queues": queues[:255],
            "last_seen": timezone.now(),
        },
    )


def worker_gone(*, worker_id: str) -> None:
    WorkerBeat.objects.filter(worker_id=worker_id).delete()


def workers_alive() -> list[WorkerBeat]:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return list(WorkerBeat.objects.filter(last_seen__gte=cutoff))


def recover_orphaned_jobs() -> int:
    """Put jobs whose worker died back in the queue: RUNNING database jobs whose worker
    stopped beating, or RQ jobs abandoned by their worker (see recover_abandoned_rq_jobs)."""
    if settings.TASKS_MODE == "rq":
        return recover_abandoned_rq_jobs()
    if settings.TASKS_MODE != "db":
        return 0
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    alive = set(
        WorkerBeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True)
    )
    recovered = 0
    with transaction.atomic():
        for job in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
            holder = job.worker_ids[-1] if job.worker_ids else ""
            if holder in alive:
                continue
            job.status = TaskResultStatus.READY
            job.started_at = None
            job.save(update_fields=["status", "started_at"])
            recovered += 1
            log.warning(
                "re-queued job %s (%s) left by dead worker %s", job.pk, job.task_path, holder
            )
    WorkerBeat.objects.filter(last_seen__lt=cutoff).delete()
    return recovered


# How many times an RQ job abandoned by a dead worker is put back: a job that kills its
# worker every time (out of memory on a huge file) must not loop for ever.
RQ_MAX_REQUEUES = 3
RQ_REQUEUES_META = "xf_requeues"


def recover_abandoned_rq_jobs(
    *, queue_names: Iterable[str] | None = None, max_requeues: int = RQ_MAX_REQUEUES
) -> int:
    """Re-enqueue RQ jobs whose worker is gone, at most `max_requeues` times each.

    Two places hold them. While the worker's key lives, its job sits in the queue's
    StartedJobRegistry; once the key has expired (no heartbeat: SIGKILL, OOM, power cut)
    the job is taken out of there and enqueued again. If rq's own clean-up got there first
    (the execution's heartbeat expired), the job is in the FailedJobRegistry marked
    AbandonedJobError, and is requeued from there. Jobs that failed on their own are left
    alone: that is the task's business, not the worker's.
    """
    import django_rq
    from django_tasks_rq import Job
    from rq.exceptions import NoSuchJobError
    from rq.job import JobStatus
    from rq.registry import FailedJobRegistry, StartedJobRegistry
    from rq.worker import Worker

    def fetch(job_id: str, connection: Any) -> Any:
        try:
            return Job.fetch(job_id, connection=connection)
        except NoSuchJobError:
            return None

    def count_requeue(job: Any) -> bool:
        """Count one more requeue in the job's meta; False (and logged) past the limit."""
        done = int(job.meta.get(RQ_REQUEUES_META, 0))
        if done >= max_requeues:
            log.error("RQ job %s was abandoned %d times; not requeued again", job.id, done)
            return False
        job.meta[RQ_REQUEUES_META] = done + 1
        job.save_meta()
        return True

    recovered = 0
    for name in queue_names or settings.TASK_QUEUES:
        queue = django_rq.get_queue(name, job_class=Job)
        connection = queue.connection
        started = StartedJobRegistry(queue=queue, job_class=Job)
        failed = FailedJobRegistry(queue=queue, job_class=Job)
        for job_id, execution_id in started.get_job_and_execution_ids(cleanup=False):
            job = fetch(job_id, connection)
            if job is None or not job.worker_name:
                continue  # gone, or being claimed this instant: rq's own expiry covers it
            if connection.exists(Worker.redis_worker_namespace_prefix + job.worker_name):
                continue
            # Taking the entry out is the claim: 0 means another worker's recovery has it.
            if not connection.zrem(started.key, f"{job_id}:{execution_id}"):
                continue
            if count_requeue(job):
                job.started_at = None
                queue.enqueue_job(job)
                recovered += 1
                log.warning("re-queued RQ job %s of dead worker %s", job.id, job.worker_name)
            else:
                job.set_status(JobStatus.FAILED)
                failed.add(job, exc_string="AbandonedJobError: its workers died, too often")
        started.cleanup()  # expired executions: to the FailedJobRegistry as abandoned
        for job_id in failed.get_job_ids(cleanup=False):
            job = fetch(job_id, connection)
            if job is None or int(job.meta.get(RQ_REQUEUES_META, 0)) >= max_requeues:
                continue
            result = job.latest_result()
            if result is None or "AbandonedJobError" not in (result.exc_string or ""):
                continue
            if count_requeue(job):
                failed.requeue(job)
                recovered += 1
                log.warning("re-queued RQ job %s abandoned by its worker", job.id)
    return recovered


class Heartbeat(threading.Thread):
    """Beats every BEAT_SECONDS on its own database connection until stopped."""

    def __init__(self, *, worker_id: str, queues: str) -> None:
        super().__init__(name="xf-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.queues = queues
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                try:
                    with _beating:
                        close_old_connections()
                        worker_beat(worker_id=self.worker_id, queues=self.queues)
                        recover_orphaned_jobs()
                        enqueue_due()
                except Exception:  # the beat must outlive a passing database error
                    log.exception("worker heartbeat failed")
                self.stopped.wait(BEAT_SECONDS)
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop beating and wait for a beat under way: a beat that ran after the worker's
        goodbye would write its row again (an upsert after the delete), and /healthz would
        count a stopped worker as alive until it went stale."""
        self.stopped.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=BEAT_SECONDS * 3)
