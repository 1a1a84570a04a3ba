"""Sending notifications: one row per person, written in bulk, e-mailed after the commit
when asked and the site has a mail server."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.notify.models import Notification, Prefs


def notify(
    *,
    users: Iterable[Any],
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "",
    email: bool = False,
) -> int:
    """Tell each person once (duplicates in `users`, people or their ids, are dropped);
    with `email`, mail them after the commit too. Returns how many were told."""
    ids = list(dict.fromkeys(_pk(user) for user in users if user is not None))
    rows = [
        Notification(user_id=pk, title=title[:120], body=body, url=url[:300], kind=kind[:40])
        for pk in ids
    ]
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    if email and created and getattr(settings, "EMAIL_ENABLED", False):
        # SQLite and PostgreSQL both hand back the new ids from a bulk insert.
        notification_ids = [n.pk for n in created if n.pk is not None]

        def enqueue() -> None:
            from xianfeng.notify.tasks import send_notification_emails

            send_notification_emails.enqueue(notification_ids=notification_ids)

        transaction.on_commit(enqueue)
    return len(rows)


def _pk(user: Any) -> int:
    return user if isinstance(user, int) else int(user.pk)


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them, or those in `ids`)."""
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def notification_emails_send(*, notification_ids: Iterable[int]) -> int:
    """E-mail the notifications not e-mailed yet to people who gave an address; a failure
    is kept on the row. Safe to run twice: a notification is e-mailed once."""
    sent = 0
    rows = list(
        Notification.objects.filter(pk__in=list(notification_ids), emailed_at__isnull=True)
        .select_related("user")
        .order_by("pk")
    )
    addresses = dict(
        Prefs.objects.filter(user_id__in={n.user_id for n in rows})
        .exclude(email="")
        .values_list("user_id", "email")
    )
    for row in rows:
        address = addresses.get(row.user_id)
        if not address:
            continue
        message = EmailMessage(
            subject=f"【先锋】{row.title}",
            body=f"{row.user.name} 同志：\n\n{row.body or row.title}\n\n—— 先锋党员教育平台",
            to=[address],
        )
        try:
            message.send()
        except Exception as exc:
            # Any failure of the mail server stays on the row; the others still go out.
            Notification.objects.filter(pk=row.pk).update(email_error=str(exc)[:200])
            continue
        Notification.objects.filter(pk=row.pk).update(emailed_at=timezone.now(), email_error="")
        sent += 1
    return sent


def prefs_update(*, user: Any, email: str) -> Prefs:
    """Set the address notifications are e-mailed to (empty: none)."""
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise Refused("邮箱格式不正确", field="email") from exc
    with transaction.atomic():
        prefs, _ = Prefs.objects.select_for_update().get_or_create(user_id=user.pk)
        prefs.email = email
        prefs.save(update_fields=["email", "updated_at"])
        audit_log(actor=user, action="notify.prefs", obj=prefs, data={"email": bool(email)})
    return prefs
