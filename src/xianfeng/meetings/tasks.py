"""Background jobs of the meetings app (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.meetings.services import notice_emails_send, reminders_send


@task()
def send_notice_emails(notice_ids: list[int]) -> int:
    """Email notices to the people who gave an address (each notice once)."""
    return notice_emails_send(notice_ids=notice_ids)


@task()
def send_compliance_reminders() -> int:
    """Remind secretaries a week before a period ends of the meetings still missing."""
    return reminders_send()
