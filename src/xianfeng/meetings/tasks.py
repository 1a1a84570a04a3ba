"""Background jobs of the meetings app (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.meetings.services import reminders_send


@task()
def send_compliance_reminders() -> int:
    """Remind secretaries a week before a period ends of the meetings still missing."""
    return reminders_send()


@task()
def send_rectification_reminders() -> int:
    """Remind owners and secretaries of 整改 items past their deadline, once a week each."""
    from xianfeng.meetings.services.life import rectification_remind

    return rectification_remind()
