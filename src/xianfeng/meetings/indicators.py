"""What the 三会一课 ledger measures for assessment and dashboards (common/indicators.py).

Completion is the compliance page's own count (selectors/compliance.py): of the obligations
of the year that have come due by the end of the month (or today, in the month under way),
those met by an approved meeting. A branch founded mid-year owes only from its founding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Listed, Month, Reading
from xianfeng.meetings.enums import ATTENDED, MeetingKind, MeetingState, RectificationState
from xianfeng.meetings.models import Attendance, Rectification
from xianfeng.meetings.selectors.compliance import compliance_table
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.selectors import member_counts_in, member_orgs_in


def completion(kinds: tuple[str, ...] | None) -> Callable[[Month], Iterable[Reading]]:
    def compute(month: Month) -> Iterable[Reading]:
        # The ledger's "today": obligations that ended before it are due. For a month
        # that is over, that is the 1st of the next month, so the month's own are due.
        today = min(month.next().first, timezone.localdate())
        readings: list[Reading] = []
        for root in Org.objects.filter(parent__isnull=True):
            table = compliance_table(root, year=month.year, today=today, kinds=kinds)
            readings += [Reading(row.info.id, row.met, row.due) for row in table.rows]
        return readings

    return compute


def rectification_on_time(month: Month) -> Iterable[Reading]:
    """Per branch: of the items whose deadline fell in the month and has passed (by the end
    of the month, or today in the month under way), those closed by their deadline."""
    ref = min(month.next().first, timezone.localdate())
    counts: dict[int, list[int]] = {}
    rows = (
        Rectification.objects.filter(deadline__gte=month.first, deadline__lte=month.last)
        .filter(deadline__lt=ref)
        .exclude(meeting__state=MeetingState.CANCELLED)
        .values_list("branch_id", "deadline", "closed_on")
    )
    for branch_id, deadline, closed_on in rows:
        pair = counts.setdefault(branch_id, [0, 0])
        pair[1] += 1
        if closed_on is not None and closed_on <= deadline:
            pair[0] += 1
    return [Reading(org_id, met, due) for org_id, (met, due) in counts.items()]


def rectification_overdue(month: Month) -> Iterable[Reading]:
    """Per branch with items: how many were still open past their deadline on the last day
    of the month (today, in the month under way)."""
    day = month.until(timezone.localdate())
    counts: dict[int, int] = {}
    rows = (
        Rectification.objects.filter(created_at__date__lte=day)
        .exclude(meeting__state=MeetingState.CANCELLED)
        .values_list("branch_id", "deadline", "state", "closed_on")
    )
    for branch_id, deadline, state, closed_on in rows:
        still_open = state == RectificationState.OPEN or (closed_on is not None and closed_on > day)
        counts.setdefault(branch_id, 0)
        if still_open and deadline < day:
            counts[branch_id] += 1
    return [Reading(org_id, n) for org_id, n in counts.items()]


def attendance(month: Month) -> Iterable[Reading]:
    """组织生活参加率: members who attended (signed in, on time or late) at least one meeting
    held in the month — at their own branch or at another one (a 流动党员 at the place they
    work), or recorded by another app (indicators.credited_members) — over the members; each
    member counts once, at the branch they belonged to in the month (their home branch)."""
    start, end = month.bounds()
    came = (
        Attendance.objects.filter(
            meeting__starts_at__gte=start,
            meeting__starts_at__lt=end,
            status__in=ATTENDED,
            user__member__isnull=False,
        )
        .exclude(meeting__state__in=(MeetingState.PLANNED, MeetingState.CANCELLED))
        .values_list("user__member__id", flat=True)
    )
    done = {*came, *indicators.credited_members("meeting", month)}
    orgs = member_orgs_in(month.first, month.last)
    took_part = member_counts_in({m: orgs[m] for m in done if m in orgs})
    return [Reading(org, took_part.get(org, 0), n) for org, n in member_counts_in(orgs).items()]


def overdue_rectifications(org: Any, month: Month) -> list[Listed]:
    """The items counted by rectification_overdue in the org's subtree for the month: open
    past their deadline on its last day (today, in the month under way). One query."""
    day = month.until(timezone.localdate())
    rows = (
        Rectification.objects.filter(
            branch__path__gte=org.path,
            branch__path__lt=org.upper_path,
            created_at__date__lte=day,
            deadline__lt=day,
        )
        .exclude(meeting__state=MeetingState.CANCELLED)
        .filter(Q(state=RectificationState.OPEN) | Q(closed_on__gt=day))
        .order_by("deadline", "id")
        .values_list("pk", "problem", "deadline", "owner__name", "branch__name")
    )
    return [
        Listed(
            title=problem[:60],
            note=f"{branch} · 责任人 {owner or '未指定'} · 整改时限 {deadline:%Y-%m-%d}，"
            f"逾期 {(day - deadline).days} 天",
            url=reverse("meetings:rectification", args=[pk]),
        )
        for pk, problem, deadline, owner, branch in rows
    ]


def rectification_records(org: Any, month: Month) -> str:
    return f"{reverse('meetings:rectifications')}?org={org.code}"


def records(org: Any, month: Month) -> str:
    """A branch's year of meetings; above a branch, the compliance overview of its subtree."""
    if org.kind == OrgKind.BRANCH:
        return f"{reverse('meetings:branch', args=[org.code])}?year={month.year}"
    return f"{reverse('meetings:overview')}?org={org.code}&year={month.year}"


def register() -> None:
    indicators.register(
        Indicator(
            code="meetings.completion",
            name="三会一课完成率",
            unit="%",
            app="meetings",
            group="三会一课",
            compute=completion(None),
            ratio=True,
            target=100,
            records=records,
            description="本年到本月底为止已到期的各类会议要求中，有已审核会议完成的比例",
        )
    )
    for kind in MeetingKind:
        indicators.register(
            Indicator(
                code=f"meetings.completion_{kind.value}",
                name=f"{kind.label}完成率",
                unit="%",
                app="meetings",
                group="三会一课",
                compute=completion((kind.value,)),
                ratio=True,
                target=100,
                records=records,
                description=f"本年到本月底为止已到期的{kind.label}要求中，有已审核会议完成的比例",
            )
        )
    indicators.register(
        Indicator(
            code="meetings.attendance",
            name="组织生活参加率",
            unit="%",
            app="meetings",
            group="三会一课",
            compute=attendance,
            ratio=True,
            records=records,
            description="本月至少参加（签到或迟到）一次已召开会议的党员 ÷ 当月在册党员人数；"
            "在流入地参加组织生活的流动党员计入所在支部，同一人只计一次",
        )
    )
    indicators.register(
        Indicator(
            code="meetings.rectification_on_time",
            name="整改按期完成率",
            unit="%",
            app="meetings",
            group="三会一课",
            compute=rectification_on_time,
            ratio=True,
            target=100,
            records=rectification_records,
            description="本月到期的组织生活会整改事项中，在整改时限内销号的比例",
        )
    )
    indicators.register(
        Indicator(
            code="meetings.rectification_overdue",
            name="逾期未整改事项",
            unit="项",
            app="meetings",
            group="三会一课",
            compute=rectification_overdue,
            higher_is_better=False,
            target=0,
            records=rectification_records,
            listed=overdue_rectifications,
            description="月末（本月为今天）超过整改时限仍未销号的组织生活会整改事项数",
        )
    )
