"""Operations' writes: make a backup and record it; tell the county admins when it fails."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from xianfeng.ops.backup.archive import Made, Roots, complete_backups, make_backup, prune
from xianfeng.ops.backup.database import Target
from xianfeng.ops.models import BackupRun, BackupStatus

log = logging.getLogger(__name__)


def current_target() -> Target:
    return Target.from_settings(connection.settings_dict)


def current_roots() -> Roots:
    if settings.STORAGE == "s3":
        return Roots(media=None, private=None)
    return Roots(media=Path(settings.MEDIA_ROOT), private=Path(settings.PRIVATE_ROOT))


def backup_create(
    *, output: Path, trigger: str = "command", now: datetime.datetime | None = None
) -> Made:
    """Back up this installation into `output`; the attempt is recorded either way."""
    started = now or timezone.now()
    try:
        made = make_backup(
            target=current_target(), roots=current_roots(), output=output, now=started
        )
    except Exception as exc:
        BackupRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            status=BackupStatus.FAILED,
            path=str(output)[:500],
            error=str(exc)[:4000] or type(exc).__name__,
            trigger=trigger,
        )
        raise
    BackupRun.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        status=BackupStatus.OK,
        path=str(made.path)[:500],
        size=made.size,
        trigger=trigger,
    )
    return made


def county_admins() -> list[Any]:
    """Who is told when a backup fails: the admins of top-level orgs, and superusers."""
    from django.contrib.auth import get_user_model

    from xianfeng.orgs.enums import RoleKind
    from xianfeng.orgs.models import Role

    ids = set(
        Role.objects.filter(kind=RoleKind.ADMIN, org__parent__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    ids |= set(get_user_model().objects.filter(is_superuser=True).values_list("pk", flat=True))
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def backup_daily(*, now: datetime.datetime | None = None) -> str:
    """The periodic job (hourly): one backup a day after XF_BACKUP_HOUR, then retention.
    A failed attempt tells the county admins (the first failure of a day; the job tries
    again each hour); so does a last successful backup older than XF_BACKUP_OVERDUE_HOURS
    (attempts that died without a word: a killed worker, a full memory), once a day.

    Returns what it did: "off", "waiting", "overdue", "done-today", "made", "failed"."""
    if not settings.BACKUP_DIR:
        return "off"
    now = now or timezone.now()
    local = timezone.localtime(now)
    output = Path(settings.BACKUP_DIR)
    if any(when.date() == local.date() for when, _ in complete_backups(output)):
        prune(output, daily=settings.BACKUP_KEEP_DAILY, monthly=settings.BACKUP_KEEP_MONTHLY)
        return "done-today"
    if local.hour < settings.BACKUP_HOUR:
        return "overdue" if _tell_if_overdue(now=now, output=output) else "waiting"
    try:
        made = backup_create(output=output, trigger="daily", now=now)
    except Exception as exc:  # whatever stopped it, the admins hear of it
        log.exception("daily backup failed: %s", exc)
        _tell_failed(now=now, output=output, exc=exc)
        return "failed"
    log.info("daily backup %s made in %.1f s", made.path.name, made.seconds)
    prune(output, daily=settings.BACKUP_KEEP_DAILY, monthly=settings.BACKUP_KEEP_MONTHLY)
    return "made"


def _tell_failed(*, now: datetime.datetime, output: Path, exc: Exception) -> None:
    from xianfeng.notify.services.sending import notify

    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    failures_today = BackupRun.objects.filter(
        trigger="daily", status=BackupStatus.FAILED, started_at__gte=day_start
    ).count()
    if failures_today > 1:
        return  # told at the first failure today; the next hours only retry
    notify(
        users=county_admins(),
        kind="ops.backup_failed",
        title="每日备份失败",
        body=(
            f"{local:%Y-%m-%d %H:%M} 的自动备份没有完成：{exc}。"
            f"请检查备份目录 {output} 和磁盘空间；系统每小时会再试一次。"
        ),
    )


def _tell_if_overdue(*, now: datetime.datetime, output: Path) -> bool:
    """Notify when the last successful backup is too old (at most once a day). True when
    it is overdue."""
    from xianfeng.notify.models import Notification
    from xianfeng.notify.services.sending import notify

    last = BackupRun.objects.filter(status=BackupStatus.OK).order_by("-started_at").first()
    if last is None:
        return False  # a new installation: its first backup is still to come
    age = now - last.started_at
    if age < datetime.timedelta(hours=settings.BACKUP_OVERDUE_HOURS):
        return False
    told = Notification.objects.filter(
        kind="ops.backup_overdue", created_at__gte=now - datetime.timedelta(hours=24)
    ).exists()
    if not told:
        hours = int(age.total_seconds() // 3600)
        notify(
            users=county_admins(),
            kind="ops.backup_overdue",
            title="备份已逾期",
            body=(
                f"最近一次成功的备份是 {timezone.localtime(last.started_at):%Y-%m-%d %H:%M}，"
                f"已经 {hours} 小时没有新的备份。请检查任务进程是否在运行、备份目录 {output} "
                "和磁盘空间。"
            ),
            now=now,
        )
    return True
