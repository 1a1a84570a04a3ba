"""A member over time: 党籍变动 through the member machine, periods at each org, and the
figures (quorum, 参学率, who is expected) counting a member only for their dates."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from tests.factories import LessonFactory, MeetingFactory, MemberFactory, UserFactory
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.lessons.selectors import branch_participation
from xianfeng.meetings.selectors import expected_user_ids, quorum_of
from xianfeng.people.enums import MemberStatus, StatusChangeKind
from xianfeng.people.models import Member, MemberPeriod, StatusChange
from xianfeng.people.selectors import (
    full_members_on,
    member_history,
    member_orgs_in,
    members_on,
    orgs_of_members_in,
)
from xianfeng.people.services.history import (
    member_confirm,
    member_extend_probation,
    member_leave,
    member_move,
    member_restore,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def at(day: datetime.date, hour_utc: int = 7) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour_utc, tzinfo=datetime.UTC)


@pytest.fixture
def probationer(county) -> Member:
    return MemberFactory(
        org=county.branch_a1,
        user=UserFactory(name="预备甲"),
        joined_on=D(2025, 3, 1),
        confirmed_on=None,
        status=MemberStatus.PROBATIONARY,
        probation_ends_on=D(2026, 3, 1),
    )


def snapshot(member: Member) -> tuple:
    member.refresh_from_db()
    return (member.status, member.confirmed_on, member.probation_ends_on, member.left_on)


# --- 转正 and 延长预备期 ----------------------------------------------------------------------


def test_confirm_makes_a_full_member_on_the_day_the_probation_ended(county, probationer):
    change = member_confirm(
        actor=county.secretary_a1,
        member=probationer,
        meeting_on=D(2026, 2, 20),
        approved_on=D(2026, 3, 5),
        decision="城关镇党委 城党〔2026〕12号",
    )
    assert snapshot(probationer) == (MemberStatus.FULL, D(2026, 3, 1), D(2026, 3, 1), None)
    assert (change.kind, change.from_status, change.to_status, change.effective_on) == (
        StatusChangeKind.CONFIRM,
        MemberStatus.PROBATIONARY,
        MemberStatus.FULL,
        D(2026, 3, 1),
    )
    event = AuditLog.objects.get(action="member.full")
    assert (event.actor, event.data["from"], event.data["on"]) == (
        county.secretary_a1,
        "probationary",
        "2026-03-01",
    )


def test_confirm_before_the_probation_year_ends_is_refused(county, probationer):
    before = snapshot(probationer)
    with pytest.raises(Refused) as excinfo:
        member_confirm(
            actor=county.secretary_a1,
            member=probationer,
            meeting_on=D(2026, 2, 20),
            approved_on=D(2026, 2, 25),
            effective_on=D(2026, 2, 28),
        )
    assert excinfo.value.message == "预备期到 2026-03-01 才满，不能早于该日转正"
    assert snapshot(probationer) == before
    assert not StatusChange.objects.exists()


def test_approval_before_the_branch_meeting_is_refused(county, probationer):
    with pytest.raises(Refused) as excinfo:
        member_confirm(
            actor=county.secretary_a1,
            member=probationer,
            meeting_on=D(2026, 3, 10),
            approved_on=D(2026, 3, 5),
        )
    assert excinfo.value.message == "上级党委批准日期不能早于支部大会讨论日期"
    assert snapshot(probationer)[0] == MemberStatus.PROBATIONARY


def test_a_full_member_cannot_be_confirmed_again(county):
    member = county.member_a1
    with pytest.raises(Refused) as excinfo:
        member_confirm(
            actor=county.secretary_a1,
            member=member,
            meeting_on=D(2026, 2, 20),
            approved_on=D(2026, 3, 5),
        )
    assert excinfo.value.message == "党员不能从“正式党员”变为“正式党员”"


def test_extension_at_most_a_year_past_the_first_end(county, probationer):
    with pytest.raises(Refused) as excinfo:
        member_extend_probation(
            actor=county.secretary_a1,
            member=probationer,
            until=D(2027, 3, 2),
            reason="入党动机需进一步端正",
            meeting_on=D(2026, 2, 20),
        )
    assert excinfo.value.message == "延长预备期不能超过一年（最晚到 2027-03-01）"
    with pytest.raises(Refused) as excinfo:
        member_extend_probation(
            actor=county.secretary_a1,
            member=probationer,
            until=D(2026, 9, 1),
            reason="  ",
            meeting_on=D(2026, 2, 20),
        )
    assert excinfo.value.message == "请填写延长预备期的原因"
    assert snapshot(probationer)[2] == D(2026, 3, 1)
    member_extend_probation(
        actor=county.secretary_a1,
        member=probationer,
        until=D(2026, 9, 1),
        reason="入党动机需进一步端正",
        meeting_on=D(2026, 2, 20),
        approved_on=D(2026, 2, 28),
    )
    assert snapshot(probationer) == (MemberStatus.PROBATIONARY, None, D(2026, 9, 1), None)
    assert AuditLog.objects.get(action="member.probation_extended").data == {
        "member_id": probationer.pk,
        "until": "2026-09-01",
        "from": "2026-03-01",
    }
    # Confirmed at the end of the extended probation, not the first one.
    with pytest.raises(Refused):
        member_confirm(
            actor=county.secretary_a1,
            member=probationer,
            meeting_on=D(2026, 8, 20),
            approved_on=D(2026, 8, 25),
            effective_on=D(2026, 8, 31),
        )
    member_confirm(
        actor=county.secretary_a1,
        member=probationer,
        meeting_on=D(2026, 8, 20),
        approved_on=D(2026, 9, 5),
    )
    assert snapshot(probationer)[:2] == (MemberStatus.FULL, D(2026, 9, 1))


# --- leaving the roll ------------------------------------------------------------------------


def test_expulsion_needs_the_decision(county):
    member = county.member_a1
    with pytest.raises(Refused) as excinfo:
        member_leave(
            actor=county.secretary_a1,
            member=member,
            kind=StatusChangeKind.EXPEL,
            effective_on=D(2026, 6, 1),
        )
    assert excinfo.value.message == "出党须填写组织处理决定（文号或决定内容）"
    assert snapshot(member) == (MemberStatus.FULL, D(2011, 7, 1), None, None)


def test_leave_in_the_future_is_refused(county):
    with pytest.raises(Refused) as excinfo:
        member_leave(
            actor=county.secretary_a1,
            member=county.member_a1,
            kind=StatusChangeKind.DECEASE,
            effective_on=datetime.date.today() + datetime.timedelta(days=2),
        )
    assert excinfo.value.message == "生效日期不能晚于今天"


def test_secretary_of_another_branch_cannot_change_a_member(county, probationer):
    before = snapshot(probationer)
    for action in (
        lambda: member_leave(
            actor=county.secretary_b1,
            member=probationer,
            kind=StatusChangeKind.DECEASE,
            effective_on=D(2026, 6, 1),
        ),
        lambda: member_confirm(
            actor=county.secretary_b1,
            member=probationer,
            meeting_on=D(2026, 2, 20),
            approved_on=D(2026, 3, 5),
        ),
    ):
        with pytest.raises(PermissionDenied):
            action()
    assert snapshot(probationer) == before
    assert not StatusChange.objects.exists()


def test_stop_and_restore_leave_a_gap_that_counts_for_nothing(county):
    member = county.member_a1
    member_leave(
        actor=county.secretary_a1,
        member=member,
        kind=StatusChangeKind.STOP,
        effective_on=D(2026, 2, 1),
        reason="连续六个月不参加组织生活",
    )
    member_restore(
        actor=county.secretary_a1,
        member=member,
        effective_on=D(2026, 5, 1),
        decision="城关镇党委批复",
    )
    assert snapshot(member) == (MemberStatus.FULL, D(2011, 7, 1), None, None)
    branch = county.branch_a1
    on = [
        member.pk in set(members_on(branch, day).values_list("pk", flat=True))
        for day in (D(2026, 1, 31), D(2026, 2, 1), D(2026, 4, 30), D(2026, 5, 1))
    ]
    assert on == [True, False, False, True]


# --- counting by dates -----------------------------------------------------------------------


@pytest.fixture
def moved(county) -> Member:
    """A full member of 东街 (town A) transferred to 柳湾 (town B) on 15 May 2026."""
    member = MemberFactory(org=county.branch_a1, user=UserFactory(name="调动乙"))
    with transaction.atomic():
        member_move(member=member, org=county.branch_b1, on=D(2026, 5, 15), reason="组织关系转接")
    return member


def assembly(branch, day, attendees):
    return MeetingFactory(org=branch, starts_at=at(day), held=True, attendees=attendees)


def test_member_transferred_mid_quarter_counts_in_each_branch_for_its_dates(county, moved):
    a1, b1 = county.branch_a1, county.branch_b1
    # Before the move: 东街 has member_a1 and the mover (2 full members), 柳湾 member_b1.
    april_a1 = assembly(a1, D(2026, 4, 20), {moved.user: "present"})
    april_b1 = assembly(b1, D(2026, 4, 20), {moved.user: "present"})
    june_a1 = assembly(a1, D(2026, 6, 10), {moved.user: "present"})
    june_b1 = assembly(b1, D(2026, 6, 10), {moved.user: "present"})
    figures = [
        (q.base, q.present)
        for q in (quorum_of(m) for m in (april_a1, april_b1, june_a1, june_b1))
        if q is not None
    ]
    assert figures == [(2, 1), (1, 0), (1, 0), (2, 1)]
    # The quarter's boundaries: the day before the move and the day of it.
    assert set(full_members_on(a1, D(2026, 5, 14)).values_list("user__name", flat=True)) == {
        "张东街",
        "调动乙",
    }
    assert set(full_members_on(a1, D(2026, 5, 15)).values_list("user__name", flat=True)) == {
        "张东街"
    }
    assert set(full_members_on(b1, D(2026, 5, 15)).values_list("user__name", flat=True)) == {
        "王柳湾",
        "调动乙",
    }


def test_participation_counts_the_mover_in_the_branch_of_the_day(county, moved):
    lesson = LessonFactory(org=county.county)

    def names(branch, day):
        return sorted(r.member.user.name for r in branch_participation(lesson, branch, day))

    assert names(county.branch_a1, D(2026, 4, 20)) == ["张东街", "调动乙"]
    assert names(county.branch_a1, D(2026, 6, 10)) == ["张东街"]
    assert names(county.branch_b1, D(2026, 4, 20)) == ["王柳湾"]
    assert names(county.branch_b1, D(2026, 6, 10)) == ["王柳湾", "调动乙"]


def test_member_orgs_in_follows_the_rule_of_orgs_of_members_in(county, moved):
    """The one-pass map of a period's members (member_orgs_in, for indicators) and the
    general rule (orgs_of_members_in) agree: a transfer month is the sender's, a gap off the
    roll counts nowhere, a stretch from before the records wins over a later one."""
    gap = MemberFactory(org=county.branch_a1, org_since=D(2026, 6, 1), user=UserFactory())
    MemberPeriod.objects.create(
        member=gap, org=county.branch_a2, started_on=None, ended_on=D(2026, 2, 1)
    )
    undated = MemberFactory(org=county.branch_b1, user=UserFactory())
    MemberPeriod.objects.create(
        member=undated, org=county.branch_a2, started_on=None, ended_on=D(2026, 5, 1)
    )
    for month in range(1, 8):
        first = D(2026, month, 1)
        last = D(2026, month + 1, 1) - datetime.timedelta(days=1)
        everyone = Member.objects.filter(user__is_active=True).values("pk")
        assert member_orgs_in(first, last) == orgs_of_members_in(everyone, first, last)
    may = member_orgs_in(D(2026, 5, 1), D(2026, 5, 31))
    june = member_orgs_in(D(2026, 6, 1), D(2026, 6, 30))
    assert (may[moved.pk], june[moved.pk]) == (county.branch_a1.pk, county.branch_b1.pk)
    assert gap.pk not in member_orgs_in(D(2026, 3, 1), D(2026, 3, 31))
    assert may[undated.pk] == county.branch_b1.pk


def test_deceased_member_drops_out_of_everything_owed_from_that_date(county):
    gone = MemberFactory(org=county.branch_a1, user=UserFactory(name="故去丙"))
    member_leave(
        actor=county.secretary_a1,
        member=gone,
        kind=StatusChangeKind.DECEASE,
        effective_on=D(2026, 5, 1),
    )
    assert snapshot(gone) == (MemberStatus.DECEASED, D(2011, 7, 1), None, D(2026, 5, 1))
    a1 = county.branch_a1
    before = quorum_of(assembly(a1, D(2026, 4, 30), {}))
    after = quorum_of(assembly(a1, D(2026, 5, 1), {}))
    assert (before.base, after.base) == (2, 1)  # type: ignore[union-attr]
    lesson = LessonFactory(org=county.county)
    assert [r.member.user.name for r in branch_participation(lesson, a1, D(2026, 5, 1))] == [
        "张东街"
    ]
    assert gone.user_id not in expected_user_ids("assembly", a1, a1)
    assert county.member_a1.user_id in expected_user_ids("assembly", a1, a1)


def test_history_lists_both_memberships_and_changes(county, moved):
    member_leave(
        actor=county.secretary_b1,
        member=moved,
        kind=StatusChangeKind.DECEASE,
        effective_on=D(2026, 8, 1),
    )
    moved.refresh_from_db()
    assert [(line.text, line.detail) for line in member_history(moved)] == [
        ("在东街社区党支部（建档前 至 2026-05-15）", "组织关系转接"),
        ("在柳湾村党支部（2026-05-15 至 2026-08-01）", ""),
        ("去世（正式党员 → 去世）", ""),
    ]
    assert MemberPeriod.objects.filter(member=moved).count() == 1


# --- probation reminders ---------------------------------------------------------------------


def test_branch_is_reminded_once_of_a_probation_ending_within_a_month(county, probationer):
    from xianfeng.notify.models import Notification
    from xianfeng.people.services.history import probation_reminders_send

    later = MemberFactory(
        org=county.branch_a1,
        user=UserFactory(name="预备乙"),
        joined_on=D(2025, 9, 1),
        confirmed_on=None,
        status=MemberStatus.PROBATIONARY,
        probation_ends_on=D(2026, 9, 1),
    )
    MemberFactory(
        org=county.branch_b1,
        user=UserFactory(name="预备丙"),
        joined_on=D(2025, 3, 1),
        confirmed_on=None,
        status=MemberStatus.PROBATIONARY,
        probation_ends_on=D(2026, 3, 10),
    )  # 柳湾's: its own secretary is told, not 东街's
    assert probation_reminders_send(today=D(2026, 1, 20)) == 0  # 40 days before: not yet
    assert probation_reminders_send(today=D(2026, 2, 10)) == 2
    assert probation_reminders_send(today=D(2026, 2, 11)) == 0
    notes = Notification.objects.filter(kind="member.probation").order_by("user__username")
    assert [(n.user.username, n.title) for n in notes] == [
        ("secretary_a1", "1 名预备党员预备期即将期满"),
        ("secretary_b1", "1 名预备党员预备期即将期满"),
    ]
    assert "预备甲（2026-03-01 期满）" in notes[0].body
    # An extension is a new end date: reminded again before it.
    member_extend_probation(
        actor=county.secretary_a1,
        member=probationer,
        until=D(2026, 9, 1),
        reason="需继续考察",
        meeting_on=D(2026, 2, 20),
    )
    assert probation_reminders_send(today=D(2026, 8, 10)) == 2
    assert later.pk in set(
        Member.objects.filter(probation_reminded_for=D(2026, 9, 1)).values_list("pk", flat=True)
    )
