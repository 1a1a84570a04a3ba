"""What has no domain: the task workers' heartbeats."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerBeat(models.Model):
    """A running task worker's last sign of life; /healthz and crash recovery read it."""

    worker_id = models.CharField(_("工作进程"), max_length=64, unique=True)
    hostname = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    queues = models.CharField(_("队列"), max_length=255)
    started_at = models.DateTimeField(_("启动时间"), auto_now_add=True)
    last_seen = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} ({self.queues})"


class PeriodicRun(models.Model):
    """When a periodic job was last enqueued; the row is the lock that makes one worker,
    not every worker, enqueue it."""

    name = models.CharField(_("任务"), max_length=100, unique=True)
    last_run = models.DateTimeField(_("上次执行"))

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name
