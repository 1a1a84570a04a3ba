"""A 党课 that showed a micro lesson credits everyone present with 集体收看 on approval."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import published_lesson
from tests.meetings.conftest import local, plan, sign_in, write_minutes
from xianfeng.lessons.models import GroupViewing
from xianfeng.lessons.selectors import branch_participation
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind

pytestmark = pytest.mark.django_db


def test_approving_a_lecture_with_a_lesson_credits_those_present(branch):
    county = branch.county
    lesson = published_lesson(org=county.county, author=branch.recorder_a, duration=100)
    meeting = plan(branch, kind=MeetingKind.LECTURE, starts=local(2026, 3, 10), lesson=lesson)
    present = branch.full[0].user
    sign_in(meeting, present)
    write_minutes(meeting, meeting.recorder_a)
    assert not GroupViewing.objects.exists()  # not before approval
    services.minutes_approve(actor=meeting.recorder_b, meeting=meeting, now=meeting.ends_at)
    credited = set(GroupViewing.objects.values_list("user_id", flat=True))
    # The one who scanned, and the host and the writer recorded present at approval.
    assert credited == {present.pk, branch.secretary.pk, meeting.recorder_a_id}
    row = GroupViewing.objects.get(user=present)
    assert (row.lesson, row.source, row.source_id, row.viewed_on) == (
        lesson,
        "meetings.meeting",
        meeting.pk,
        datetime.date(2026, 3, 10),
    )
    statuses = {r.member.user_id: r.status for r in branch_participation(lesson, branch.org)}
    assert statuses[present.pk] == "group"
    absent = next(m.user_id for m in branch.full if m.user_id not in credited)
    assert statuses[absent] == "not_started"


def test_a_meeting_without_a_lesson_credits_nothing(branch):
    meeting = plan(branch, kind=MeetingKind.LECTURE, starts=local(2026, 3, 10))
    sign_in(meeting, branch.full[0].user)
    write_minutes(meeting, meeting.recorder_a)
    services.minutes_approve(actor=meeting.recorder_b, meeting=meeting, now=meeting.ends_at)
    assert not GroupViewing.objects.exists()
