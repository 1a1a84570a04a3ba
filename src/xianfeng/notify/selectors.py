"""Reads of the notify app: a person only ever sees their own notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xianfeng.notify.models import Notification, Prefs


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The person's notifications, newest first (none for an anonymous visitor)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def unread_for(user: Any) -> QuerySet[Notification]:
    return notifications_for(user).filter(read_at__isnull=True)


def unread_count(user: Any, *, kind_prefix: str = "") -> int:
    """How many unread, optionally only kinds starting with `kind_prefix` ("meeting.")."""
    qs = unread_for(user)
    if kind_prefix:
        qs = qs.filter(kind__startswith=kind_prefix)
    return qs.count()


def prefs_of(user: Any) -> Prefs:
    """The person's settings (unsaved defaults when they have none yet)."""
    prefs = Prefs.objects.filter(user_id=user.pk).first()
    return prefs if prefs is not None else Prefs(user_id=user.pk)
