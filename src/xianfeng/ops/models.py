"""What operations keep: the record of each backup attempt (for /readyz and the admins)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupStatus(models.TextChoices):
    OK = "ok", _("成功")
    FAILED = "failed", _("失败")


class BackupRun(models.Model):
    """One backup attempt, by the daily job or `manage.py backup`."""

    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("结束时间"))
    status = models.CharField(_("结果"), max_length=8, choices=BackupStatus.choices)
    path = models.CharField(_("备份目录"), max_length=500, blank=True)
    size = models.BigIntegerField(_("大小（字节）"), default=0)
    error = models.TextField(_("错误"), blank=True)
    trigger = models.CharField(_("触发"), max_length=16, default="command")

    class Meta:
        verbose_name = _("备份记录")
        verbose_name_plural = _("备份记录")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"
