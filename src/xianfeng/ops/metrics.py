"""Prometheus metrics at /metrics (behind XF_METRICS_TOKEN).

Counted in each process as it happens (aggregated over the web server's worker processes
through prometheus_client's multiprocess files in XF_METRICS_DIR):

    xf_http_requests_total{view,method,status}
    xf_http_request_duration_seconds{view}            histogram
    xf_task_enqueue_failures_total                    the queue was down (audit/enqueue.py)

Read from the database when scraped (one small query each):

    xf_task_queue_depth{queue}, xf_task_queue_oldest_seconds{queue}
    xf_tasks_failed_last_day{task}
    xf_videos{status}                     waiting, probing, transcoding, failed
    xf_workers_alive
    xf_notification_deliveries{state}     queued, sending, failed (last day)
    xf_event_deliveries{state}            undispatched events, failed and dead deliveries
    xf_backup_last_success_timestamp_seconds, xf_backup_last_failure_timestamp_seconds
    xf_disk_free_bytes{path}
"""

from __future__ import annotations

import datetime
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "xf_http_requests", "HTTP requests by view, method and status", ["view", "method", "status"]
)
LATENCY = Histogram(
    "xf_http_request_duration_seconds",
    "Time to answer a request, by view",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# No label: the series exists (at 0) before the first failure, so alerts see it; the task's
# name is in the ERROR log line.
ENQUEUE_FAILURES = Counter(
    "xf_task_enqueue_failures", "Tasks that could not be queued (queue down)"
)


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view).observe(seconds)


def count_enqueue_failure(task: str) -> None:
    ENQUEUE_FAILURES.inc()


def disk_paths() -> dict[str, Path]:
    paths = {"var": Path(settings.VAR_DIR), "uploads": Path(settings.UPLOAD_DIR)}
    if settings.STORAGE == "local":
        paths["media"] = Path(settings.MEDIA_ROOT)
    if settings.BACKUP_DIR:
        paths["backups"] = Path(settings.BACKUP_DIR)
    return paths


def disk_free(path: Path) -> int | None:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def queue_stats(now: datetime.datetime) -> dict[str, tuple[int, float]]:
    """{queue: (jobs waiting, age of the oldest in seconds)} on the database or RQ queue."""
    stats: dict[str, tuple[int, float]] = {}
    if settings.TASKS_MODE == "db":
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        rows = (
            DBTaskResult.objects.filter(status=TaskResultStatus.READY)
            .values("queue_name")
            .annotate(n=Count("id"), oldest=Min("enqueued_at"))
        )
        for row in rows:
            stats[row["queue_name"]] = (row["n"], (now - row["oldest"]).total_seconds())
    elif settings.TASKS_MODE == "rq":
        import django_rq

        for name in settings.TASK_QUEUES:
            queue = django_rq.get_queue(name)
            ids = queue.get_job_ids(0, 0)
            age = 0.0
            if ids:
                job = queue.fetch_job(ids[0])
                if job is not None and job.enqueued_at is not None:
                    enqueued = job.enqueued_at.replace(tzinfo=datetime.UTC)
                    age = (now - enqueued).total_seconds()
            stats[name] = (queue.count, age)
    for name in settings.TASK_QUEUES:
        stats.setdefault(name, (0, 0.0))
    return stats


class DatabaseCollector(Collector):
    """What the database knows, read at scrape time (only in the scraping process)."""

    def collect(self) -> Iterator[Any]:
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from xianfeng.audit.models import AuditLog, EventDelivery
        from xianfeng.common.models import WorkerBeat
        from xianfeng.media.models import Video
        from xianfeng.notify.models import Delivery
        from xianfeng.ops.models import BackupRun, BackupStatus

        now = timezone.now()
        day_ago = now - datetime.timedelta(days=1)

        depth = GaugeMetricFamily(
            "xf_task_queue_depth", "Jobs waiting, per queue", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "xf_task_queue_oldest_seconds", "Age of the oldest waiting job", labels=["queue"]
        )
        for name, (count, oldest) in sorted(queue_stats(now).items()):
            depth.add_metric([name], count)
            age.add_metric([name], oldest)
        yield depth
        yield age

        failed = GaugeMetricFamily(
            "xf_tasks_failed_last_day", "Jobs that failed in the last 24 h", labels=["task"]
        )
        if settings.TASKS_MODE == "db":
            rows = (
                DBTaskResult.objects.filter(
                    status=TaskResultStatus.FAILED, finished_at__gte=day_ago
                )
                .values("task_path")
                .annotate(n=Count("id"))
            )
            for row in rows.order_by("task_path"):
                failed.add_metric([row["task_path"]], row["n"])
        yield failed

        videos = GaugeMetricFamily("xf_videos", "Videos by processing status", labels=["status"])
        counts = dict(Video.objects.values_list("status").annotate(n=Count("id")))
        for status in ("uploaded", "probing", "transcoding", "failed"):
            videos.add_metric([status], counts.get(status, 0))
        yield videos

        cutoff = now - datetime.timedelta(seconds=settings.WORKER_STALE_SECONDS)
        beats = WorkerBeat.objects.filter(last_seen__gte=cutoff).count()
        yield GaugeMetricFamily("xf_workers_alive", "Task workers beating recently", value=beats)

        deliveries = GaugeMetricFamily(
            "xf_notification_deliveries",
            "Notification deliveries waiting, being sent, or failed in the last 24 h",
            labels=["state"],
        )
        waiting = dict(
            Delivery.objects.filter(state__in=["queued", "sending"])
            .values_list("state")
            .annotate(n=Count("id"))
        )
        deliveries.add_metric(["queued"], waiting.get("queued", 0))
        deliveries.add_metric(["sending"], waiting.get("sending", 0))
        deliveries.add_metric(
            ["failed"], Delivery.objects.filter(state="failed", updated_at__gte=day_ago).count()
        )
        yield deliveries

        events = GaugeMetricFamily(
            "xf_event_deliveries",
            "Domain events not yet dispatched, deliveries failing (retrying) and given up",
            labels=["state"],
        )
        events.add_metric(
            ["undispatched"],
            AuditLog.objects.exclude(event="").filter(dispatched_at__isnull=True).count(),
        )
        states = dict(
            EventDelivery.objects.filter(state__in=["failed", "dead"])
            .values_list("state")
            .annotate(n=Count("id"))
        )
        events.add_metric(["failed"], states.get("failed", 0))
        events.add_metric(["dead"], states.get("dead", 0))
        yield events

        for status, name in ((BackupStatus.OK, "success"), (BackupStatus.FAILED, "failure")):
            last = (
                BackupRun.objects.filter(status=status)
                .order_by("-finished_at")
                .values_list("finished_at", flat=True)
                .first()
            )
            yield GaugeMetricFamily(
                f"xf_backup_last_{name}_timestamp_seconds",
                f"When the last backup {name} finished (0: never)",
                value=last.timestamp() if last else 0,
            )

        disk = GaugeMetricFamily("xf_disk_free_bytes", "Free space where files go", labels=["path"])
        for label, path in disk_paths().items():
            free = disk_free(path)
            if free is not None:
                disk.add_metric([label], free)
        yield disk


def render() -> bytes:
    """The exposition text: this process's (or all web processes') counters and the
    database's figures."""
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    # settings.py points PROMETHEUS_MULTIPROC_DIR at XF_METRICS_DIR before any import.
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    registry.register(DatabaseCollector())
    return generate_latest(registry)
