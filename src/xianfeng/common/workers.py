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
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from xianfeng.common.models import WorkerBeat
from xianfeng.common.periodic import enqueue_due

log = logging.getLogger(__name__)
BEAT_SECONDS = 10


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
    """Put RUNNING database jobs whose worker stopped beating back in the queue."""
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
        self.stopped.set()
