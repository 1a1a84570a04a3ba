"""Who sees which 党费 records, and the ledgers built from them.

Amounts per member are for the branch officers who collect them (书记, 组织委员, 管理员 over the
branch: ROSTER_MANAGE_ROLES) and for the member themself; a town sees sums per branch."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.dues.calc import Standing, owes_in, standing
from xianfeng.dues.enums import BEHIND_MONTHS, DuesCategory
from xianfeng.dues.models import DuesAssessment, DuesPayment, DuesRule, owed_amounts
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, ROSTER_MANAGE_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.orgs.selectors import get_org_for_user, roles_of
from xianfeng.people.models import Member
from xianfeng.people.selectors import (
    get_member_for_user,
    members_of_orgs_in,
    org_in,
    stretches_at,
)


def due_until(today: datetime.date | None = None) -> Month:
    """The last month already due: the month in progress is paid during it."""
    return Month.of(today or timezone.localdate()).previous()


def rule_for(org: Org, day: datetime.date) -> DuesRule | None:
    """The rule in force for `org` on `day`: of the nearest org at or above it that set
    one, the latest effective by that day."""
    chain = [*org.ancestor_ids(), org.pk]
    rules = list(
        DuesRule.objects.filter(org_id__in=chain, effective_from__lte=day)
        .select_related("org")
        .order_by("-effective_from", "-id")
    )
    for org_id in reversed(chain):
        for rule in rules:
            if rule.org_id == org_id:
                return rule
    return None


def rules_visible_to(user: Any) -> list[DuesRule]:
    """The rules over or under the orgs where the person has a role (the rules that apply to
    them are public within the party; they are few, so they are filtered here)."""
    if not getattr(user, "is_authenticated", False):
        return []
    rules = list(DuesRule.objects.select_related("org").order_by("org__path", "-effective_from"))
    if user.is_superuser:
        return rules
    reach = [role.org.path for role in roles_of(user)]
    return [
        r for r in rules if any(p.startswith(r.org.path) or r.org.path.startswith(p) for p in reach)
    ]


def get_ledger_org(user: Any, code: str) -> Org:
    """An org whose 党费 the person collects or oversees; 404 otherwise."""
    return get_org_for_user(user, code, ROSTER_MANAGE_ROLES)


def get_dues_member(user: Any, pk: int) -> tuple[Member, bool]:
    """The member whose 党费 page the person may open: their own, or one of a branch they
    collect for (→ True: may record). Anyone else: 404, as if there were no such member."""
    member = get_member_for_user(user, pk)
    if can_manage_roster(user, member.org):
        return member, True
    if member.user_id == user.pk:
        return member, False
    raise Http404("找不到该党员")


def _amounts_by_member(member_ids: Iterable[int]) -> dict[int, dict[int, DuesAssessment]]:
    found: dict[int, dict[int, DuesAssessment]] = defaultdict(dict)
    for a in DuesAssessment.objects.filter(member_id__in=list(member_ids)):
        found[a.member_id][a.year] = a
    return found


@dataclass
class MemberLedger:
    member: Member
    assessment: DuesAssessment | None  # of the ledger's year
    # (month, "paid" | "unpaid" | "due" | "exempt" | "away" | ""): "away" is a month the
    # member belonged to another branch (before a transfer in, after one out).
    months: list[tuple[Month, str]]
    standing: Standing
    paid_in_year: Decimal = Decimal(0)
    moved_out: bool = False  # no longer a member of this branch

    @property
    def months_here(self) -> int:
        return sum(1 for _, state in self.months if state != "away")


@dataclass
class BranchLedger:
    org: Org
    year: int
    until: Month
    rows: list[MemberLedger] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return sum(1 for r in self.rows if r.standing.flagged)

    @property
    def unassessed(self) -> int:
        return sum(1 for r in self.rows if r.assessment is None)

    @property
    def exempt(self) -> int:
        return sum(1 for r in self.rows if r.assessment is not None and r.assessment.exempt)

    @property
    def moved_out(self) -> int:
        return sum(1 for r in self.rows if r.moved_out)

    @property
    def paid_total(self) -> Decimal:
        return sum((r.paid_in_year for r in self.rows), Decimal(0))

    @property
    def owed_total(self) -> Decimal:
        return sum((r.standing.unpaid_amount for r in self.rows), Decimal(0))


def member_standing(member: Member, *, until: Month | None = None) -> tuple[
    dict[int, DuesAssessment], list[DuesPayment], Standing
]:  # fmt: skip
    """One member's assessments by year, payments (newest first) and standing: 2 queries."""
    until = until or due_until()
    assessments = _amounts_by_member([member.pk]).get(member.pk, {})
    payments = list(
        DuesPayment.objects.filter(member=member).select_related("recorded_by").order_by("-month")
    )
    result = standing(
        amounts=owed_amounts(assessments.values()),
        paid=[Month.of(p.month) for p in payments],
        joined_on=member.joined_on,
        left_on=member.left_on,
        until=until,
    )
    return assessments, payments, result


def branch_ledger(org: Org, year: int, *, today: datetime.date | None = None) -> BranchLedger:
    """The members who belonged to the branch in the year (on the roll then), each month by
    month — a month they belonged to another branch (people.selectors.org_in: the month of
    a transfer is the sending branch's) is marked "away" and owes this branch nothing — and
    their arrears: up to today for those still here, up to their last month here for those
    who moved out. Five queries whatever the size of the branch."""
    today = today or timezone.localdate()
    until = due_until(today)
    current = Month.of(today)
    months_of_year = [Month(year, n) for n in range(1, 13)]
    here: dict[int, set[Month]] = {}
    found = stretches_at([org.pk], months_of_year[0].first, months_of_year[-1].last)
    for member_id, stretches in found.items():
        mine = {m for m in months_of_year if org_in(stretches, m.first, m.last) == org.pk}
        if mine:
            here[member_id] = mine
    members = list(
        Member.objects.filter(pk__in=list(here))
        .select_related("user")
        .only("pk", "joined_on", "left_on", "user__name", "org_id")
        .order_by("user__name", "pk")
    )
    ids = [m.pk for m in members]
    assessments = _amounts_by_member(ids)
    paid: dict[int, dict[Month, Decimal]] = defaultdict(dict)
    for member_id, day, amount in DuesPayment.objects.filter(member_id__in=ids).values_list(
        "member_id", "month", "amount"
    ):
        paid[member_id][Month.of(day)] = amount
    ledger = BranchLedger(org=org, year=year, until=until)
    for m in members:
        by_year = assessments.get(m.pk, {})
        amounts = owed_amounts(by_year.values())
        exempt = year in by_year and by_year[year].exempt
        at_branch = here[m.pk]
        moved_out = m.org_id != org.pk
        months: list[tuple[Month, str]] = []
        for month in months_of_year:
            if month not in at_branch:
                state = "away"
            elif month in paid[m.pk]:
                state = "paid"
            elif exempt and owes_in(
                month, amounts={year: Decimal(0)}, joined_on=m.joined_on, left_on=m.left_on
            ):
                state = "exempt"
            elif not owes_in(month, amounts=amounts, joined_on=m.joined_on, left_on=m.left_on):
                state = ""
            elif month <= until:
                state = "unpaid"
            elif month == current:
                state = "due"
            else:
                state = ""
            months.append((month, state))
        ledger.rows.append(
            MemberLedger(
                member=m,
                assessment=by_year.get(year),
                months=months,
                standing=standing(
                    amounts=amounts,
                    paid=paid[m.pk],
                    joined_on=m.joined_on,
                    left_on=m.left_on,
                    until=min(until, max(at_branch)) if moved_out else until,
                ),
                paid_in_year=sum((v for k, v in paid[m.pk].items() if k in at_branch), Decimal(0)),
                moved_out=moved_out,
            )
        )
    return ledger


@dataclass
class RollupRow:
    org: Org
    members: int = 0
    assessed: int = 0
    owing: int = 0  # members who owe the month
    paid: int = 0  # … and paid it
    on_time: int = 0  # … by the end of the month
    exempt: int = 0  # members exempt (免交) for the month's year: they owe nothing
    due_amount: Decimal = Decimal(0)
    paid_amount: Decimal = Decimal(0)
    behind: int = 0  # members with BEHIND_MONTHS unpaid months up to the month

    @property
    def unassessed(self) -> int:
        return self.members - self.assessed

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.owing, 1) if self.owing else None


def rollup(org: Org, month: Month) -> list[RollupRow]:
    """Per branch below `org` (a town): its members in `month` (on the roll then, at the
    branch they belonged to in it), who owed the month, who paid, on time, the sums, and
    who is six months behind. Six queries whatever the number of branches."""
    window = [month]
    while len(window) < BEHIND_MONTHS:
        window.insert(0, window[0].previous())
    orgs = list(
        Org.objects.filter(
            path__gte=org.path, path__lt=org.upper_path, kind__in=MEMBER_ORG_KINDS
        ).order_by("path")
    )
    rows = {o.pk: RollupRow(org=o) for o in orgs}
    # Who belonged to each branch in the month, not today's roster: a member who moved
    # since still counts where they were then.
    where = members_of_orgs_in(list(rows), month.first, month.last)
    members = [
        (pk, where[pk], joined_on, left_on)
        for pk, joined_on, left_on in Member.objects.filter(pk__in=list(where)).values_list(
            "pk", "joined_on", "left_on"
        )
    ]
    ids = [m[0] for m in members]
    years = {m.year for m in window}
    amounts: dict[int, dict[int, Decimal]] = defaultdict(dict)
    exempt: set[tuple[int, int]] = set()
    for member_id, year, amount, category in DuesAssessment.objects.filter(
        member_id__in=ids, year__in=years
    ).values_list("member_id", "year", "monthly_amount", "category"):
        if category == DuesCategory.EXEMPT:
            exempt.add((member_id, year))
        else:
            amounts[member_id][year] = amount
    paid: dict[int, dict[Month, tuple[datetime.date, Decimal]]] = defaultdict(dict)
    for member_id, day, paid_on, amount in DuesPayment.objects.filter(
        member_id__in=ids, month__gte=window[0].first, month__lte=month.first
    ).values_list("member_id", "month", "paid_on", "amount"):
        paid[member_id][Month.of(day)] = (paid_on, amount)
    for pk, org_id, joined_on, left_on in members:
        row = rows[org_id]
        row.members += 1
        mine = amounts.get(pk, {})
        if (pk, month.year) in exempt:
            row.assessed += 1
            row.exempt += 1
        elif month.year in mine:
            row.assessed += 1
        if owes_in(month, amounts=mine, joined_on=joined_on, left_on=left_on):
            row.owing += 1
            row.due_amount += mine[month.year]
            got = paid[pk].get(month)
            if got is not None:
                row.paid += 1
                row.paid_amount += got[1]
                row.on_time += got[0] <= month.last
        owed = [m for m in window if owes_in(m, amounts=mine, joined_on=joined_on, left_on=left_on)]
        if len(owed) == len(window) and not any(m in paid[pk] for m in window):
            row.behind += 1
    return [r for r in rows.values() if r.members or r.org.pk == org.pk]


def rollup_total(rows: list[RollupRow], org: Org) -> RollupRow:
    total = RollupRow(org=org)
    for r in rows:
        for name in ("members", "assessed", "exempt", "owing", "paid", "on_time", "behind"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.due_amount += r.due_amount
        total.paid_amount += r.paid_amount
    return total


def orgs_collected_by(user: Any) -> list[Org]:
    """The outermost orgs where the person collects or oversees 党费: where /dues/ starts."""
    from xianfeng.orgs.selectors import org_roots_for

    return org_roots_for(user, ROSTER_MANAGE_ROLES)
