"""Notices (in-app, and by email when the site has a mail server), the person's settings,
and the private calendar address."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.meetings.models import Meeting, MeetingPrefs, Notice


def notify(
    *,
    user_ids: Iterable[int],
    meeting: Meeting | None,
    kind: str,
    title: str,
    body: str = "",
) -> list[Notice]:
    """Create one notice per person; emails go out after the commit when configured."""
    rows = [
        Notice(user_id=uid, meeting=meeting, kind=kind, title=title[:120], body=body)
        for uid in sorted(set(user_ids))
    ]
    if not rows:
        return []
    created = Notice.objects.bulk_create(rows)
    if getattr(settings, "EMAIL_ENABLED", False):
        ids = [n.pk for n in created if n.pk is not None]
        if not ids:  # pragma: no cover - every backend we use returns ids
            ids = list(
                Notice.objects.filter(meeting=meeting, kind=kind, read_at__isnull=True)
                .order_by("-id")
                .values_list("pk", flat=True)[: len(rows)]
            )

        def enqueue() -> None:
            from xianfeng.meetings.tasks import send_notice_emails

            send_notice_emails.enqueue(notice_ids=ids)

        transaction.on_commit(enqueue)
    return created


def notices_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notices read (all of them, or those in `ids`)."""
    qs = Notice.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def notice_emails_send(*, notice_ids: Iterable[int]) -> int:
    """Email the notices not emailed yet to people who gave an address; a failure is kept
    on the notice. Safe to run twice: a notice is emailed once."""
    from django.core.mail import EmailMessage

    sent = 0
    notices = (
        Notice.objects.filter(pk__in=list(notice_ids), emailed_at__isnull=True)
        .select_related("user")
        .order_by("pk")
    )
    emails = dict(
        MeetingPrefs.objects.filter(user_id__in=[n.user_id for n in notices])
        .exclude(email="")
        .values_list("user_id", "email")
    )
    for notice in notices:
        address = emails.get(notice.user_id)
        if not address:
            continue
        message = EmailMessage(
            subject=f"【先锋】{notice.title}",
            body=(
                f"{notice.user.name} 同志：\n\n{notice.body or notice.title}\n\n—— 先锋党员教育平台"
            ),
            to=[address],
        )
        try:
            message.send()
        except Exception as exc:
            Notice.objects.filter(pk=notice.pk).update(email_error=str(exc)[:200])
            continue
        Notice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now(), email_error="")
        sent += 1
    return sent


def prefs_update(*, user: Any, email: str) -> MeetingPrefs:
    """The address notices are emailed to (empty: none)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise Refused("邮箱格式不正确", field="email") from exc
    with transaction.atomic():
        prefs, _ = MeetingPrefs.objects.select_for_update().get_or_create(user_id=user.pk)
        prefs.email = email
        prefs.save(update_fields=["email", "updated_at"])
        audit_log(actor=user, action="meeting.prefs", obj=prefs, data={"email": bool(email)})
    return prefs


def calendar_enable(*, user: Any) -> MeetingPrefs:
    """Turn the private calendar address on (the same address as before, if any)."""
    with transaction.atomic():
        prefs, _ = MeetingPrefs.objects.select_for_update().get_or_create(user_id=user.pk)
        prefs.calendar_enabled = True
        prefs.save(update_fields=["calendar_enabled", "updated_at"])
        audit_log(actor=user, action="meeting.calendar_enable", obj=prefs)
    return prefs


def calendar_reset(*, user: Any, enabled: bool = True) -> MeetingPrefs:
    """A new private address; every older one stops working at once."""
    with transaction.atomic():
        prefs, _ = MeetingPrefs.objects.select_for_update().get_or_create(user_id=user.pk)
        MeetingPrefs.objects.filter(pk=prefs.pk).update(
            calendar_version=F("calendar_version") + 1,
            calendar_enabled=enabled,
            updated_at=timezone.now(),
        )
        prefs.refresh_from_db()
        audit_log(
            actor=user,
            action="meeting.calendar_reset" if enabled else "meeting.calendar_disable",
            obj=prefs,
        )
    return prefs
