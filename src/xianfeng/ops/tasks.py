from __future__ import annotations

from django_tasks import task

from xianfeng.ops.services import backup_daily


@task()
def daily_backup() -> str:
    return backup_daily()
