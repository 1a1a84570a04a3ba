"""Sign-ins in one go (services.checkin_many): the same attendance, events and points as
each person signing in on their own, in a number of queries that does not grow with them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory
from tests.meetings.conftest import local, plan
from xianfeng.audit.models import AuditLog, EventDelivery
from xianfeng.common.errors import Refused
from xianfeng.meetings import services
from xianfeng.meetings.models import Attendance
from xianfeng.meetings.tokens import checkin_token, step_at
from xianfeng.study.models import PointsDay, PointsEntry, PointsPolicy, PointsTotal

pytestmark = pytest.mark.django_db

START = local(2026, 3, 10, 15, 0)


def token_at(meeting, moment):
    return checkin_token(meeting.pk, meeting.checkin_key, step_at(moment))


def attendance(meeting):
    return {
        row.user_id: (row.status, row.source, row.signed_at)
        for row in Attendance.objects.filter(meeting=meeting)
    }


def events_of(meeting):
    return sorted(
        (row.actor_id, row.org_id, tuple(sorted(row.data.items())), row.dispatched_at is not None)
        for row in AuditLog.objects.filter(event="meeting.checked_in", object_id=str(meeting.pk))
    )


def points_of(meeting):
    return {
        e.user_id: (e.rule, e.kind, e.points, e.note, e.org_id, e.day)
        for e in PointsEntry.objects.filter(source_type="meetings.meeting", source_id=meeting.pk)
    }


def test_many_sign_in_as_each_would(branch, django_capture_on_commit_callbacks):
    """Two meetings the same afternoon under a day cap of 8: the first signed in one by one
    (5 points each), the second in one go (capped to 3 each, as one by one would)."""
    PointsPolicy.objects.create(org=branch.org, daily_cap=8)
    people = [m.user for m in branch.full]
    first = plan(branch, starts=START, topic="第一次会议")
    second = plan(branch, starts=START + datetime.timedelta(minutes=100), topic="第二次会议")
    late = START + datetime.timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        for user in people:
            services.checkin(user=user, token=token_at(first, late), now=late)
    later = second.starts_at + datetime.timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.checkin_many(users=people, token=token_at(second, later), now=later)
    assert sorted(r.user_id for r in rows) == sorted(u.pk for u in people)

    def relative(found, at):
        return {k: (s, src, t and t - at) for k, (s, src, t) in found.items()}

    assert relative(attendance(second), later) == relative(attendance(first), late)
    strip = {"topic", "on"}  # the meetings' own
    assert [
        (a, o, tuple(kv for kv in d if kv[0] not in strip), sent)
        for a, o, d, sent in events_of(second)
    ] == [
        (a, o, tuple(kv for kv in d if kv[0] not in strip), sent)
        for a, o, d, sent in events_of(first)
    ]
    assert {u: p[2] for u, p in points_of(first).items()} == {u.pk: 5 for u in people}
    capped = points_of(second)
    assert {u: (p[2], p[3]) for u, p in capped.items()} == {
        u.pk: (3, "今日积分已达上限") for u in people
    }
    assert {u: p[4] for u, p in capped.items()} == {u.pk: branch.org.pk for u in people}
    day = timezone.localdate()  # points count on the day of the sign-in event
    for user in people:
        assert PointsDay.objects.get(user=user, day=day).earned == 8
        totals = PointsTotal.objects.filter(user=user).values_list("period", "points")
        assert sorted(totals) == [("month", 8), ("week", 8), ("year", 8)]
    # Every delivery done, none left for the sweep.
    assert not EventDelivery.objects.exclude(state="done").exists()
    assert not AuditLog.objects.filter(event="meeting.checked_in", dispatched_at=None).exists()


def test_signed_in_already_and_strangers_are_left_out(branch, django_capture_on_commit_callbacks):
    meeting = plan(branch, starts=START)
    token = token_at(meeting, START)
    with django_capture_on_commit_callbacks(execute=True):
        services.checkin(user=branch.recorder_a, token=token, now=START)
    stranger = UserFactory(username="stranger", name="外来人")
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.checkin_many(
            users=[branch.recorder_a, branch.recorder_b, stranger], token=token, now=START
        )
    assert [r.user_id for r in rows] == [branch.recorder_b.pk]
    assert AuditLog.objects.filter(event="meeting.checked_in").count() == 2
    # Twice: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.checkin_many(users=[branch.recorder_b], token=token, now=START) == []
    assert PointsEntry.objects.filter(source_id=meeting.pk).count() == 2


def test_a_closed_meeting_refuses_the_batch(branch):
    meeting = plan(branch, starts=START)
    after = meeting.ends_at + datetime.timedelta(minutes=1)
    with pytest.raises(Refused, match="会议已结束"):
        services.checkin_many(users=[branch.recorder_a], token=token_at(meeting, after), now=after)
    assert not AuditLog.objects.filter(event="meeting.checked_in").exists()


@pytest.mark.parametrize("extra", [0, 12])
def test_queries_do_not_grow_with_the_people(branch, extra, django_capture_on_commit_callbacks):
    people = [m.user for m in branch.full]
    people += [MemberFactory(org=branch.org).user for _ in range(extra)]
    meeting = plan(branch, starts=START)
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        rows = services.checkin_many(users=people, token=token_at(meeting, START), now=START)
    assert len(rows) == len(people)
    assert PointsEntry.objects.filter(source_id=meeting.pk).count() == len(people)
    # Sign-in, events, the points ledger and the 流动党员 subscriber: the same bound for 4
    # people as for 16 (37 queries on SQLite either way).
    assert len(queries) <= 40
