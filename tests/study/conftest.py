from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from xianfeng.audit import events


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """Publish a domain event as an app would, and deliver it after the commit."""

    def publish(name, *, user, obj, data, org=None, when=None):
        with django_capture_on_commit_callbacks(execute=True):
            row = events.publish(name, actor=user, obj=obj, org=org, data=data)
            if when is not None:
                type(row).objects.filter(pk=row.pk).update(created_at=when)
        return row

    return publish


@pytest.fixture
def today():
    return timezone.localdate()


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
