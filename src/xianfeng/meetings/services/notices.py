"""Notices about meetings (through notify: in-app, and the channels each person chose)
and the private calendar address."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.meetings.enums import NoticeKind
from xianfeng.meetings.models import Meeting, MeetingPrefs
from xianfeng.notify.services import Sent, notify
from xianfeng.people.models import User


def meeting_notify(
    *,
    user_ids: Iterable[int],
    meeting: Meeting | None,
    kind: NoticeKind,
    title: str,
    body: str = "",
    url: str = "",
    actor: User | None = None,
) -> Sent:
    """Tell each person once, linking to the meeting (or to `url`), through the channels
    each chose for this kind; the meeting's page shows its managers how the latest notice
    reached people."""
    if meeting is not None and not url:
        url = reverse("meetings:detail", args=[meeting.pk])
    return notify(
        users=user_ids,
        title=title,
        body=body,
        url=url,
        kind=kind,
        actor=actor,
        org=meeting.branch if meeting is not None else None,
        about=meeting,
    )


def calendar_enable(*, user: User) -> MeetingPrefs:
    """Turn the private calendar address on (the same address as before, if any)."""
    with transaction.atomic():
        prefs, _ = MeetingPrefs.objects.select_for_update().get_or_create(user_id=user.pk)
        prefs.calendar_enabled = True
        prefs.save(update_fields=["calendar_enabled", "updated_at"])
        audit_log(actor=user, action="meeting.calendar_enable", obj=prefs)
    return prefs


def calendar_reset(*, user: User, enabled: bool = True) -> MeetingPrefs:
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
