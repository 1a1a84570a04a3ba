"""Background jobs of 流动党员 (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.mobility.services import mobile_remind_contacts


@task()
def remind_mobile_contacts() -> int:
    """Remind home branches of members away with no contact this quarter."""
    return mobile_remind_contacts()
