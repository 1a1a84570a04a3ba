"""Periodic jobs without a separate scheduler: every worker's heartbeat asks which jobs
are due, and a conditional UPDATE on PeriodicRun lets exactly one of them enqueue each.

Apps register in AppConfig.ready():  periodic.register("people.prune", prune_task, hours=6)
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xianfeng.common.models import PeriodicRun

log = logging.getLogger(__name__)
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Job:
    name: str
    task: Any  # a django_tasks Task taking no arguments
    every: datetime.timedelta


_jobs: dict[str, Job] = {}


def register(name: str, task: Any, *, minutes: int = 0, hours: int = 0) -> None:
    every = datetime.timedelta(minutes=minutes, hours=hours)
    if every <= datetime.timedelta(0):
        raise ValueError("a periodic job needs a positive interval")
    _jobs[name] = Job(name, task, every)


def jobs() -> list[Job]:
    return list(_jobs.values())


def enqueue_due(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every registered job whose interval has passed; return their names."""
    now = now or timezone.now()
    started = []
    for job in _jobs.values():
        try:
            with transaction.atomic():
                PeriodicRun.objects.get_or_create(name=job.name, defaults={"last_run": EPOCH})
        except IntegrityError:  # another worker created it first
            pass
        won = PeriodicRun.objects.filter(name=job.name, last_run__lte=now - job.every).update(
            last_run=now
        )
        if won:
            job.task.enqueue()
            started.append(job.name)
            log.info("periodic job %s enqueued", job.name)
    return started
