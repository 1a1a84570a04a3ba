"""Reads of notify: one's own notifications only, newest first, unread counts by kind."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.factories import NotificationFactory
from tests.notify.conftest import SECRET
from xianfeng.notify.models import Notification
from xianfeng.notify.selectors import notifications_for, unread_count, unread_for
from xianfeng.notify.services import notifications_mark_read

pytestmark = pytest.mark.django_db


def test_notifications_for_are_ones_own_newest_first(people):
    older = NotificationFactory(user=people.zhang, title="旧通知")
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    newer = NotificationFactory(user=people.zhang, title="新通知")
    NotificationFactory(user=people.li, title=SECRET)  # could leak
    assert list(notifications_for(people.zhang)) == [newer, older]
    assert SECRET not in {n.title for n in notifications_for(people.zhang)}
    assert list(notifications_for(AnonymousUser())) == []


def test_unread_count_by_kind_prefix(people):
    NotificationFactory(user=people.zhang, kind="meeting.planned")
    NotificationFactory(user=people.zhang, kind="meeting.reminder")
    NotificationFactory(user=people.zhang, kind="contest.award")
    NotificationFactory(user=people.zhang, kind="meeting.planned", read_at=timezone.now())
    NotificationFactory(user=people.li, kind="meeting.planned")
    assert unread_count(people.zhang) == 3
    assert unread_count(people.zhang, kind_prefix="meeting.") == 2
    assert unread_count(people.zhang, kind_prefix="contest.") == 1
    assert unread_count(people.zhang, kind_prefix="lesson.") == 0


def test_mark_read_of_someone_elses_id_changes_nothing(people):
    theirs = NotificationFactory(user=people.li, title=SECRET)
    mine = NotificationFactory(user=people.zhang)
    assert notifications_mark_read(user=people.zhang, ids=[theirs.pk]) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert notifications_mark_read(user=people.zhang, ids=[mine.pk, theirs.pk]) == 1
    assert list(unread_for(people.zhang)) == []
    assert list(unread_for(people.li)) == [theirs]
