"""流动党员 at the branch that hosts them: its meetings expect them for the time of their
stay (meetings.guests, offered by mobility), without a vote in its quorum; the list
follows the stay as it is registered, moved and ended."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory
from xianfeng.meetings import services as meetings
from xianfeng.meetings.models import Attendance
from xianfeng.meetings.selectors import quorum_of
from xianfeng.mobility import services
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LEFT = TODAY - datetime.timedelta(days=300)


def away(county, host, member=None):
    return services.mobile_register(
        actor=county.secretary_a1,
        member=member or county.member_a1,
        away=services.Away(
            place="河口镇柳湾村", phone="13800001111", left_on=LEFT, workplace="养殖场",
            host_org=host, host_name="" if host else "福永街道流动党员党支部",
            card_number="",
        ),
    )  # fmt: skip


@pytest.fixture
def b1(county):
    recorder = MemberFactory(org=county.branch_b1, user=UserFactory(name="柳记录")).user
    return county.secretary_b1, recorder


def plan(county, b1, *, days=3, kind="assembly", branch=None):
    secretary, recorder = b1
    starts = timezone.now() + datetime.timedelta(days=days)
    branch = branch or county.branch_b1
    officers = (
        (secretary, recorder, county.member_b1.user)
        if branch == county.branch_b1
        else (
            county.secretary_a1,
            county.member_a1.user,
            MemberFactory(org=county.branch_a1, user=UserFactory(name="东记录")).user,
        )
    )
    data = meetings.MeetingData(
        kind=kind, topic="主题党日：学习新党章", starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=90), place="柳湾村党群服务中心",
        host=officers[0], recorder_a=officers[1], recorder_b=officers[2],
    )  # fmt: skip
    return meetings.meeting_plan(actor=officers[0], org=branch, data=data)


def expected(meeting) -> set[int]:
    return set(Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))


def test_the_host_branchs_meetings_expect_the_member_staying_there(county, b1):
    away(county, county.branch_b1)
    mover = county.member_a1.user
    meeting = plan(county, b1)
    assert mover.pk in expected(meeting)
    assert county.member_b1.user_id in expected(meeting)
    # A guest, not a voter: B1's quorum counts B1's own full members.
    quorum = quorum_of(meeting)
    assert quorum.base == 2  # 王柳湾 and 柳记录
    # The home branch still expects them too (its figures credit what they do away).
    home = plan(county, b1, branch=county.branch_a1)
    assert mover.pk in expected(home)


def test_committee_meetings_and_other_hosts_do_not(county, b1):
    away(county, None)  # looked after by an org outside the system
    assert county.member_a1.user_id not in expected(plan(county, b1))
    assert county.member_a1.user_id not in expected(plan(county, b1, kind="committee"))


def test_a_stay_registered_after_the_plan_joins_the_list_and_leaves_with_the_return(county, b1):
    meeting = plan(county, b1)
    mover = county.member_a1.user
    assert mover.pk not in expected(meeting)
    record = away(county, county.branch_b1)
    assert mover.pk in expected(meeting)
    told = Notification.objects.filter(user=mover, title__startswith="会议通知")
    assert told.count() == 1
    services.mobile_return(actor=county.secretary_a1, record=record, on=TODAY)
    assert mover.pk not in expected(meeting)
    assert county.member_b1.user_id in expected(meeting)  # B1's own stay


def test_the_host_may_take_a_guest_off_and_put_them_back(county, b1):
    away(county, county.branch_b1)
    mover = county.member_a1.user
    meeting = plan(county, b1)
    secretary, _ = b1
    meetings.attendees_change(actor=secretary, meeting=meeting, remove=[mover.pk])
    assert mover.pk not in expected(meeting)
    meetings.attendees_change(actor=secretary, meeting=meeting, add=[mover.pk])
    assert mover.pk in expected(meeting)


def test_signing_in_at_the_host_is_a_meeting_attended_there_once(
    county, b1, django_capture_on_commit_callbacks
):
    from tests.meetings.conftest import sign_in
    from xianfeng.audit import events
    from xianfeng.audit.models import AuditLog
    from xianfeng.mobility.enums import ActivityKind
    from xianfeng.mobility.models import MobileActivity

    record = away(county, county.branch_b1)
    meeting = plan(county, b1)
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(meeting, county.member_a1.user)
        sign_in(meeting, county.member_b1.user)  # B1's own member: no stay, nothing
    rows = list(MobileActivity.objects.values_list("record_id", "kind", "org__code", "title"))
    assert rows == [(record.pk, ActivityKind.MEETING, "B1", "支部党员大会：主题党日：学习新党章")]
    assert MobileActivity.objects.get().on == timezone.localdate(meeting.starts_at)
    row = AuditLog.objects.filter(event="meeting.checked_in").order_by("pk").first()
    events.replay(first_id=row.pk, last_id=row.pk)  # delivered again: still one
    assert MobileActivity.objects.count() == 1


def test_a_batch_of_sign_ins_finds_the_hosted_member_with_one_lookup(
    county, b1, django_capture_on_commit_callbacks
):
    """checkin_many delivers a meeting's sign-ins together: the 流动党员 among them get their
    activity as one by one, and the rest cost the subscriber one query in all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xianfeng.audit.events import Event
    from xianfeng.audit.models import AuditLog
    from xianfeng.meetings.tokens import checkin_token, step_at
    from xianfeng.mobility.models import MobileActivity

    record = away(county, county.branch_b1)
    meeting = plan(county, b1)
    locals_ = [MemberFactory(org=county.branch_b1).user for _ in range(6)]
    people = [county.member_a1.user, county.member_b1.user, *locals_]
    meetings.attendees_change(
        actor=county.secretary_b1, meeting=meeting, add=[u.pk for u in locals_]
    )
    at = meeting.starts_at
    token = checkin_token(meeting.pk, meeting.checkin_key, step_at(at))
    with django_capture_on_commit_callbacks(execute=True):
        rows = meetings.checkin_many(users=people, token=token, now=at)
    assert len(rows) == len(people)
    assert list(MobileActivity.objects.values_list("record_id", "org__code")) == [(record.pk, "B1")]
    # The batch alone: delivered again, the hosted one is found and kept once; without
    # them, the others are one lookup.
    batch = [Event.from_row(row) for row in AuditLog.objects.filter(event="meeting.checked_in")]
    assert len(batch) == len(people)
    again = services.mobile_meetings_attended(batch)
    assert [a.pk for a in again] == [MobileActivity.objects.get().pk]  # the same one
    others = [e for e in batch if e.data["user_id"] != county.member_a1.user.pk]
    with CaptureQueriesContext(connection) as queries:
        assert services.mobile_meetings_attended(others) == []
    assert len(queries) == 1
