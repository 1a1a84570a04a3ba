"""Sending notifications: one row per person, written in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from xianfeng.notify.models import Notification


def notify(
    *, users: Iterable[Any], title: str, body: str = "", url: str = "", kind: str = ""
) -> int:
    """Tell each person once (duplicates in `users` are dropped); returns how many."""
    ids = list(dict.fromkeys(user.pk for user in users if user is not None))
    rows = [
        Notification(user_id=pk, title=title[:120], body=body, url=url[:300], kind=kind[:40])
        for pk in ids
    ]
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
