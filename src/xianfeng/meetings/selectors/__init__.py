"""Reads of meetings that decide who sees what: lists, a meeting, attendance, quorum."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.meetings.enums import (
    ATTENDED,
    COMMITTEE_ROLES,
    QUORUM_OF_KIND,
    RECORDED_ABSENT,
    AttendanceStatus,
    LeaveStatus,
    MeetingKind,
    MeetingState,
    Quorum,
)
from xianfeng.meetings.guests import guest_user_ids
from xianfeng.meetings.models import (
    Amendment,
    Attachment,
    Attendance,
    LeaveRequest,
    Meeting,
    MeetingPrefs,
    MeetingRule,
    Minutes,
)
from xianfeng.meetings.rules import (
    LEAVE_ROLES,
    LEDGER_ROLES,
    PLAN_ROLES,
    RULE_ROLES,
    can_read_minutes,
)
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.selectors import scope_q
from xianfeng.people.models import Member, User
from xianfeng.people.selectors import full_members_on, on_roll_q


def _mine_q(uid: int) -> Q:
    """Meetings the person takes part in: invited, hosting or recording."""
    invited = Exists(Attendance.objects.filter(meeting_id=OuterRef("pk"), user_id=uid))
    return Q(host_id=uid) | Q(recorder_a_id=uid) | Q(recorder_b_id=uid) | Q(invited)


def meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    """Meetings of the orgs where the person reads the ledger, plus their own meetings."""
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.none()
    if getattr(user, "is_superuser", False):
        return Meeting.objects.all()
    return Meeting.objects.filter(scope_q(user, LEDGER_ROLES, field="org__path") | _mine_q(user.pk))


def get_meeting_for_user(user: Any, pk: int) -> Meeting:
    """The meeting with `pk` if the person may see it; 404 otherwise."""
    meeting = (
        meetings_visible_to(user)
        .select_related(
            "org", "branch", "host", "recorder_a", "recorder_b", "speaker", "lesson", "created_by"
        )
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404("找不到该会议")
    return meeting


@dataclass(frozen=True)
class MeetingFilters:
    org: Org | None = None
    kind: str = ""
    state: str = ""
    year: int | None = None


def meeting_list(user: Any, filters: MeetingFilters) -> QuerySet[Meeting]:
    """The ledger's meeting list: visible meetings, filtered, with what each row shows."""
    qs = meetings_visible_to(user)
    if filters.org is not None:
        qs = qs.filter(
            org__path__gte=filters.org.path, org__path__lt=paths.upper_bound(filters.org.path)
        )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.year:
        qs = qs.filter(year=filters.year)
    return qs.select_related("org", "host").order_by("-starts_at", "-id")


def my_meetings(user: Any, *, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    """The person's own meetings from yesterday on (cancelled ones included, marked)."""
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.none()
    since = (now or timezone.now()) - datetime.timedelta(days=1)
    return (
        Meeting.objects.filter(_mine_q(user.pk), ends_at__gte=since)
        .select_related("org")
        .order_by("starts_at", "id")
    )


def meetings_for_calendar(user: User, *, now: datetime.datetime) -> QuerySet[Meeting]:
    """The calendar feed: the person's meetings from 30 days ago on."""
    return (
        Meeting.objects.filter(_mine_q(user.pk), ends_at__gte=now - datetime.timedelta(days=30))
        .select_related("org")
        .order_by("starts_at", "id")[:500]
    )


def attendance_rows(meeting: Meeting) -> list[Attendance]:
    """Everyone expected, with their member record, host and recorders first."""
    rows = list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("user", "user__member", "recorded_by")
        .order_by("user__name", "user_id")
    )
    officers = {meeting.host_id: 0, meeting.recorder_a_id: 1, meeting.recorder_b_id: 2}
    rows.sort(key=lambda r: officers.get(r.user_id, 3))
    return rows


def attendance_of(meeting: Meeting, user_id: int | None) -> Attendance | None:
    if user_id is None:
        return None
    return Attendance.objects.filter(meeting=meeting, user_id=user_id).first()


def meeting_guests(meeting: Meeting) -> set[int]:
    """The guests the meeting's branch has on its day (meetings.guests)."""
    return guest_user_ids(meeting.branch_id, timezone.localdate(meeting.starts_at))


def committee_user_ids(branch_id: int) -> set[int]:
    """The 支部委员会: people holding a committee role at the branch itself."""
    return set(
        Role.objects.filter(org_id=branch_id, kind__in=COMMITTEE_ROLES).values_list(
            "user_id", flat=True
        )
    )


@dataclass(frozen=True)
class QuorumResult:
    """Whether enough people with a vote came: more than half of `base`."""

    rule: str
    base: int
    present: int
    frozen: bool

    @property
    def needed(self) -> int:
        return self.base // 2 + 1

    @property
    def met(self) -> bool:
        return self.base > 0 and self.present * 2 > self.base

    @property
    def label(self) -> str:
        return str(Quorum(self.rule).label)


def quorum_of(meeting: Meeting, rows: list[Attendance] | None = None) -> QuorumResult | None:
    """The quorum of a 支部党员大会 or 支委会; None for kinds without one.

    支部党员大会: the base is every full member (正式党员) of the branch on the roster,
    whether expected, on leave or not; 预备党员 and guests attend without counting. A
    leave request does not lower the base (the rules ask for more than half of those
    with a vote, not of those who did not excuse themselves).
    支委会: the base is the committee (people holding 书记/组织委员/宣传委员 at the branch).
    Approval fixes both numbers on the meeting; until then they follow the roster.
    """
    rule = QUORUM_OF_KIND.get(meeting.kind)
    if rule is None:
        return None
    if meeting.quorum_base is not None and meeting.quorum_present is not None:
        return QuorumResult(rule, meeting.quorum_base, meeting.quorum_present, True)
    if rows is None:
        rows = attendance_rows(meeting)
    attended = [r for r in rows if r.status in ATTENDED]
    if rule == Quorum.FULL_MEMBERS:
        # Counted for the meeting's day: someone transferred in or out, confirmed, or
        # deceased counts for the branch only for the dates they were its full member.
        day = timezone.localdate(meeting.starts_at)
        voters = set(full_members_on(meeting.branch_id, day).values_list("user_id", flat=True))
        base = len(voters)
        present = sum(1 for row in attended if row.user_id in voters)
        return QuorumResult(rule, base, present, False)
    committee = committee_user_ids(meeting.branch_id)
    present = sum(1 for r in attended if r.user_id in committee)
    return QuorumResult(rule, len(committee), present, False)


def minutes_of(meeting: Meeting) -> Minutes | None:
    return (
        Minutes.objects.select_related("written_by", "approved_by").filter(meeting=meeting).first()
    )


def attachments_of(meeting: Meeting) -> list[Attachment]:
    return list(Attachment.objects.filter(meeting=meeting).order_by("kind", "created_at", "id"))


def get_attachment_for_user(user: Any, meeting_pk: int, pk: int) -> Attachment:
    """An attachment of a meeting whose minutes the person may read; 404 otherwise."""

    meeting = get_meeting_for_user(user, meeting_pk)
    if not can_read_minutes(user, meeting):
        raise Http404("找不到该附件")
    attachment = Attachment.objects.filter(meeting=meeting, pk=pk).first()
    if attachment is None:
        raise Http404("找不到该附件")
    return attachment


def amendments_of(meeting: Meeting) -> list[Amendment]:
    return list(Amendment.objects.filter(meeting=meeting).select_related("amended_by"))


def leave_requests_of(meeting: Meeting) -> list[LeaveRequest]:
    return list(
        LeaveRequest.objects.filter(meeting=meeting)
        .select_related("user", "decided_by")
        .order_by("created_at", "id")
    )


def leave_requests_to_decide(user: Any) -> QuerySet[LeaveRequest]:
    """Pending leave requests of the meetings whose leave the person decides."""
    if not getattr(user, "is_authenticated", False):
        return LeaveRequest.objects.none()
    return (
        LeaveRequest.objects.filter(scope_q(user, LEAVE_ROLES, field="meeting__org__path"))
        .filter(status=LeaveStatus.PENDING)
        .exclude(meeting__state=MeetingState.CANCELLED)
        .select_related("user", "meeting")
        .order_by("meeting__starts_at", "id")
    )


def meetings_to_approve(user: Any) -> QuerySet[Meeting]:
    """Submitted minutes waiting for the person: as recorder B, or as the host when B
    wrote them in A's place."""
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.none()
    by_b = Q(minutes__written_by_id=F("recorder_b_id"))
    return (
        Meeting.objects.filter(state=MeetingState.SUBMITTED)
        .filter((Q(recorder_b_id=user.pk) & ~by_b) | (Q(host_id=user.pk) & by_b))
        .select_related("org")
        .order_by("starts_at", "id")
    )


def meetings_to_write(user: Any, *, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    """Meetings that have begun whose minutes the person is to write: as A, or as B when A
    was recorded absent."""
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.none()
    a_absent = Exists(
        Attendance.objects.filter(
            meeting_id=OuterRef("pk"), user_id=OuterRef("recorder_a_id"), status__in=RECORDED_ABSENT
        )
    )
    begun = Q(state=MeetingState.HELD) | Q(
        state=MeetingState.PLANNED, starts_at__lte=now or timezone.now()
    )
    return (
        Meeting.objects.filter(begun)
        .filter(
            (Q(recorder_a_id=user.pk) & ~Q(a_absent)) | (Q(recorder_b_id=user.pk) & Q(a_absent))
        )
        .select_related("org")
        .order_by("starts_at", "id")
    )


def prefs_of(user: Any) -> MeetingPrefs:
    """The person's settings (unsaved defaults when they have none yet)."""
    prefs = MeetingPrefs.objects.filter(user_id=user.pk).first()
    return prefs if prefs is not None else MeetingPrefs(user_id=user.pk)


def orgs_for_planning(user: Any) -> QuerySet[Org]:
    """Branches and party groups the person may plan meetings for."""
    return Org.objects.filter(scope_q(user, PLAN_ROLES, field="path")).filter(
        kind__in=[OrgKind.BRANCH, OrgKind.GROUP]
    )


def branches_for_ledger(user: Any) -> QuerySet[Org]:
    return Org.objects.filter(scope_q(user, LEDGER_ROLES, field="path"))


def candidates_for(branch: Org, guests: Iterable[int] = ()) -> QuerySet[User]:
    """People a meeting of the branch may name as host, recorder or speaker: its members
    and the holders of a role at the branch or above it; with `guests` (guest_user_ids
    for the meeting's day), those may be invited too."""
    role_holders = Role.objects.filter(org__path__in=paths.ancestor_paths(branch.path)).values(
        "user_id"
    )
    return (
        User.objects.filter(
            Q(member__org=branch) | Q(pk__in=role_holders) | Q(pk__in=list(guests)),
            is_active=True,
        )
        .distinct()
        .order_by("name", "pk")
    )


def rules_of(org: Org) -> dict[str, tuple[str, Org]]:
    """The frequency rules in force at `org`: kind → (period, the org that set it)."""
    found: dict[str, tuple[str, Org]] = {}
    rules = (
        MeetingRule.objects.filter(org__path__in=paths.ancestor_paths(org.path))
        .select_related("org")
        .order_by("org__path")
    )
    for rule in rules:  # root first: a lower org's rule replaces an upper one's
        found[rule.kind] = (rule.period, rule.org)
    return found


def orgs_for_rules(user: Any) -> QuerySet[Org]:
    return Org.objects.filter(scope_q(user, RULE_ROLES, field="path")).exclude(kind=OrgKind.GROUP)


def expected_user_ids(
    meeting_kind: str, org: Org, branch: Org, day: datetime.date | None = None
) -> list[int]:
    """Who is expected by default: the party group's members for a 党小组会, the committee
    for a 支委会, every member of the branch otherwise, with the guests the branch has on
    the meeting's `day` (meetings.guests: the 流动党员 it hosts then)."""

    on_roll = on_roll_q(timezone.localdate())
    if meeting_kind == MeetingKind.GROUP:
        ids = Member.objects.filter(on_roll, group=org).values_list("user_id", flat=True)
    elif meeting_kind == MeetingKind.COMMITTEE:
        return sorted(committee_user_ids(branch.pk))
    else:
        ids = Member.objects.filter(on_roll, org=branch).values_list("user_id", flat=True)
        return sorted(set(ids) | guest_user_ids(branch.pk, day or timezone.localdate()))
    return sorted(set(ids))


def ledger_meetings(branch: Org, year: int) -> QuerySet[Meeting]:
    """The branch's meetings of a year (its party groups' too), cancelled ones left out."""
    return (
        Meeting.objects.filter(branch=branch, year=year)
        .exclude(state=MeetingState.CANCELLED)
        .select_related("org", "host", "recorder_a", "recorder_b", "minutes")
        .order_by("starts_at", "id")
    )


def attendance_counts(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per meeting, how many people of each attendance status (one grouped query)."""
    from django.db.models import Count

    counts: dict[int, dict[str, int]] = {
        pk: {status: 0 for status in AttendanceStatus.values} for pk in meeting_ids
    }
    rows = (
        Attendance.objects.filter(meeting_id__in=meeting_ids)
        .values("meeting_id", "status")
        .annotate(n=Count("id"))
        .values_list("meeting_id", "status", "n")
    )
    for meeting_id, status, n in rows:
        counts[meeting_id][status] = n
    return counts


def ledger_attendance(meeting_ids: list[int]) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(meeting_id__in=meeting_ids)
        .select_related("user", "meeting")
        .order_by("meeting__starts_at", "meeting_id", "user__name", "user_id")
    )
