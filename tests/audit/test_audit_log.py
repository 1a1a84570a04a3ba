"""The audit row a service writes: who, what, which object, JSON-safe data."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

from tests.factories import AuditLogFactory, LessonFactory, UserFactory
from xianfeng.audit.models import AuditLog
from xianfeng.audit.services import audit_log

pytestmark = pytest.mark.django_db


def test_audit_log_names_the_object_and_makes_data_json_safe():
    actor = UserFactory(name="王书记")
    lesson = LessonFactory(title="矿灯下的初心")
    row = audit_log(
        actor=actor,
        action="lesson.publish",
        obj=lesson,
        org=lesson.org,
        data={
            "on": datetime.date(2026, 3, 10),
            "at": datetime.datetime(2026, 3, 10, 7, 0, tzinfo=datetime.UTC),
            "score": decimal.Decimal("81.375"),
            "key": uuid.UUID(int=1),
            "lesson": lesson,
            "tags": {"党史"},
            "nested": {1: [decimal.Decimal("0.5")]},
        },
    )
    row.refresh_from_db()
    assert (row.actor, row.action, row.object_type, row.object_id, row.object_repr) == (
        actor,
        "lesson.publish",
        "lessons.lesson",
        str(lesson.pk),
        "矿灯下的初心",
    )
    assert row.org == lesson.org
    assert row.event == ""
    assert row.data == {
        "on": "2026-03-10",
        "at": "2026-03-10T07:00:00+00:00",
        "score": "81.375",
        "key": "00000000-0000-0000-0000-000000000001",
        "lesson": lesson.pk,
        "tags": ["党史"],
        "nested": {"1": ["0.5"]},
    }


def test_audit_log_without_a_signed_in_actor_records_none():
    from django.contrib.auth.models import AnonymousUser

    lesson = LessonFactory()
    assert audit_log(actor=None, action="x.y", obj=lesson).actor is None
    assert audit_log(actor=AnonymousUser(), action="x.y", obj=lesson).actor is None


def test_audit_log_repr_is_cut_at_200_characters():
    lesson = LessonFactory(title="长" * 80)
    lesson.title = "长" * 300  # longer than the column allows, as str() of some objects is
    assert len(audit_log(actor=None, action="x.y", obj=lesson).object_repr) == 200


def test_audit_rows_are_newest_first():
    first = AuditLogFactory(action="lesson.create")
    second = AuditLogFactory(action="lesson.submit")
    AuditLog.objects.filter(pk=first.pk).update(
        created_at=second.created_at - datetime.timedelta(seconds=1)
    )
    assert list(AuditLog.objects.filter(pk__in=[first.pk, second.pk])) == [second, first]
