"""Background jobs of the notify app (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.notify.services import notification_emails_send


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail notifications to the people who gave an address (each notification once)."""
    return notification_emails_send(notification_ids=notification_ids)
