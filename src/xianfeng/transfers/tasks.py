"""Background jobs of transfers (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.transfers.services import transfers_remind_overdue


@task()
def remind_overdue_transfers() -> int:
    """Remind both branches of transfers waiting longer than a week."""
    return transfers_remind_overdue()
