"""Quorum: more than half of the full members (支部党员大会) or of the committee (支委会)."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, UserFactory
from tests.meetings.conftest import plan, sign_in, write_minutes
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.selectors import quorum_of

pytestmark = pytest.mark.django_db


def test_probationary_members_attend_but_do_not_count(branch):
    meeting = plan(branch)
    a, b, c, _d = (m.user for m in branch.full)
    for user in (a, b, branch.probationary.user, branch.secretary):
        sign_in(meeting, user)
    q = quorum_of(meeting)
    # Four full members on the roster; two of them came. The 预备党员 and the secretary
    # (a guest here: no member record in the branch) do not count.
    assert (q.base, q.present, q.needed, q.met) == (4, 2, 3, False)
    sign_in(meeting, c)
    q = quorum_of(meeting)
    assert (q.base, q.present, q.met) == (4, 3, True)


def test_leave_does_not_lower_the_base(branch):
    meeting = plan(branch)
    a, b, c, d = (m.user for m in branch.full)
    for user in (c, d):
        leave = services.leave_request(
            user=user, meeting=meeting, reason="外出务工", now=meeting.starts_at
        )
        services.leave_decide(actor=branch.secretary, leave=leave, approve=True)
    sign_in(meeting, a)
    sign_in(meeting, b)
    q = quorum_of(meeting)
    assert (q.base, q.present, q.met) == (4, 2, False)


def test_the_base_is_the_roster_not_the_edited_list(branch):
    meeting = plan(branch)
    a, b, c, d = (m.user for m in branch.full)
    services.attendees_change(actor=branch.secretary, meeting=meeting, remove=[c.pk, d.pk])
    sign_in(meeting, a)
    sign_in(meeting, b)
    q = quorum_of(meeting)
    assert (q.base, q.present, q.met) == (4, 2, False)


def test_approval_fixes_the_figures(branch):
    meeting = plan(branch)
    a, b, c, _d = (m.user for m in branch.full)
    for user in (a, b, c):
        sign_in(meeting, user)
    write_minutes(meeting, a)
    services.minutes_approve(actor=b, meeting=meeting)
    meeting.refresh_from_db()
    assert (meeting.quorum_base, meeting.quorum_present) == (4, 3)
    MemberFactory(org=branch.org, user=UserFactory(name="新转入党员"))
    q = quorum_of(meeting)
    assert (q.base, q.present, q.met, q.frozen) == (4, 3, True, True)


def test_committee_quorum_counts_committee_members_only(branch):
    meeting = plan(branch, kind=MeetingKind.COMMITTEE, topic="支委会研究发展党员")
    expected = set(meeting.attendances.values_list("user_id", flat=True))
    committee = {branch.secretary.pk, branch.organizer.pk, branch.propagandist.pk}
    assert expected == committee | {branch.recorder_a.pk, branch.recorder_b.pk}
    sign_in(meeting, branch.secretary)
    sign_in(meeting, branch.recorder_a)
    sign_in(meeting, branch.recorder_b)
    q = quorum_of(meeting)
    assert (q.base, q.present, q.needed, q.met) == (3, 1, 2, False)
    sign_in(meeting, branch.organizer)
    q = quorum_of(meeting)
    assert (q.base, q.present, q.met) == (3, 2, True)


def test_kinds_without_a_quorum(branch):
    meeting = plan(branch, kind=MeetingKind.LECTURE, topic="党课：学习党史")
    assert quorum_of(meeting) is None
