"""Reads of the points ledger: the rules in force for an org, a person's points and what
they can still earn today, rankings and branch averages."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from xianfeng.common import points as registry
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind, Region
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.people.selectors import org_in, stretches_at
from xianfeng.study.enums import EntryKind, Period, RankScope
from xianfeng.study.models import (
    PointsDay,
    PointsEntry,
    PointsPolicy,
    PointsRuleSetting,
    PointsTotal,
)

# Points one person may earn in a day unless the county says otherwise (学习强国-like).
DEFAULT_DAY_CAP = 30


def period_start(period: str, day: datetime.date) -> datetime.date:
    """The first day of the week (Monday), month or year that holds `day`."""
    if period == Period.WEEK:
        return day - datetime.timedelta(days=day.weekday())
    if period == Period.MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


@dataclass(frozen=True)
class EffectiveRule:
    code: str
    label: str
    points: int
    daily_cap: int  # 0: none
    enabled: bool


@dataclass(frozen=True)
class Policy:
    rules: dict[str, EffectiveRule]
    day_cap: int  # 0: none


def policy_for(org: Org | None) -> Policy:
    """The rules and the day cap in force at `org`: the nearest setting up the tree wins,
    then the rule's registered default (two queries)."""
    ids = paths.ids_in(org.path) if org is not None else []
    depth = {org_id: i for i, org_id in enumerate(ids)}
    settings: dict[str, PointsRuleSetting] = {}
    for row in PointsRuleSetting.objects.filter(org_id__in=ids):
        best = settings.get(row.rule)
        if best is None or depth[row.org_id] > depth[best.org_id]:
            settings[row.rule] = row
    rules = {}
    for rule in registry.rules():
        own = settings.get(rule.code)
        rules[rule.code] = EffectiveRule(
            code=rule.code,
            label=rule.label,
            points=own.points if own else rule.points,
            daily_cap=own.daily_cap if own else rule.daily_cap,
            enabled=own.enabled if own else True,
        )
    caps = sorted(
        PointsPolicy.objects.filter(org_id__in=ids).values_list("org_id", "daily_cap"),
        key=lambda pair: depth[pair[0]],
    )
    return Policy(rules=rules, day_cap=caps[-1][1] if caps else DEFAULT_DAY_CAP)


@dataclass(frozen=True)
class TodayLine:
    rule: EffectiveRule
    earned: int
    can_still: int  # what this rule can still give today, within both caps


@dataclass(frozen=True)
class MyPoints:
    total: int
    week: int
    month: int
    year: int
    today: int
    day_cap: int
    today_left: int | None  # None: no day cap
    lines: list[TodayLine]
    # Period → (org path, points) for each org the person earned at in it (rank_in's
    # `mine` in a scope is what was earned inside it: points_within).
    at_orgs: dict[str, list[tuple[str | None, int]]]


def my_points(user: Any, org: Org | None, today: datetime.date) -> MyPoints:
    """A person's totals and what each rule can still give today (five queries)."""
    policy = policy_for(org)
    total = PointsEntry.objects.filter(user_id=user.pk).aggregate(s=Sum("points"))["s"] or 0
    starts = {p: period_start(p, today) for p in Period.values}
    by_period = {p: 0 for p in Period.values}
    at_orgs: dict[str, list[tuple[str | None, int]]] = {p: [] for p in Period.values}
    for period, start, path, pts in PointsTotal.objects.filter(
        user_id=user.pk, period__in=Period.values, start__in=set(starts.values())
    ).values_list("period", "start", "org__path", "points"):
        if starts[period] == start:
            by_period[period] += pts
            at_orgs[period].append((path, pts))
    earned_by_rule = dict(
        PointsEntry.objects.filter(user_id=user.pk, day=today, kind=EntryKind.EARN)
        .values_list("rule")
        .annotate(s=Sum("points"))
        .values_list("rule", "s")
    )
    today_earned = sum(earned_by_rule.values())
    day_left = max(policy.day_cap - today_earned, 0) if policy.day_cap else None
    lines = []
    for rule in policy.rules.values():
        if not rule.enabled:
            continue
        earned = earned_by_rule.get(rule.code, 0)
        left = max(rule.daily_cap - earned, 0) if rule.daily_cap else None
        caps = [c for c in (left, day_left) if c is not None]
        can_still = min(caps) if caps else -1  # -1: no limit today
        lines.append(TodayLine(rule=rule, earned=earned, can_still=can_still))
    return MyPoints(
        total=total,
        week=by_period[Period.WEEK],
        month=by_period[Period.MONTH],
        year=by_period[Period.YEAR],
        today=today_earned,
        day_cap=policy.day_cap,
        today_left=day_left,
        lines=lines,
        at_orgs=at_orgs,
    )


def ledger_of(user: Any) -> QuerySet[PointsEntry]:
    """The person's own ledger, newest first (only their own: nobody else's is reachable)."""
    return PointsEntry.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def day_row(user_id: int, day: datetime.date) -> PointsDay | None:
    return PointsDay.objects.filter(user_id=user_id, day=day).first()


# --- rankings ----------------------------------------------------------------------------


def scope_orgs(member_org: Org) -> dict[str, Org]:
    """The person's branch, town and county (one query for the ancestors)."""
    ancestors = list(Org.objects.filter(pk__in=paths.ids_in(member_org.path)).order_by("depth"))
    county = ancestors[0]
    town = next(
        (o for o in ancestors if o.region == Region.TOWN),
        ancestors[1] if len(ancestors) > 1 else county,
    )
    branch = next(
        (o for o in reversed(ancestors) if o.kind == OrgKind.BRANCH),
        member_org,
    )
    return {RankScope.BRANCH: branch, RankScope.TOWN: town, RankScope.COUNTY: county}


def totals_in(root: Org, period: str, start: datetime.date) -> QuerySet[PointsTotal]:
    return PointsTotal.objects.filter(
        subtree_q([root.path], field="org__path"), period=period, start=start
    )


@dataclass(frozen=True)
class Rank:
    scope: str
    org: Org
    points: int
    rank: int  # 1 + how many have more points
    of: int  # people with points in the scope


def _per_person(root: Org, period: str, start: datetime.date) -> QuerySet[Any]:
    """Each person's points in `root`'s subtree for the period: the sum of their rows at
    the orgs in it (a member transferred within the period has one at each)."""
    return totals_in(root, period, start).values("user_id").annotate(total=Sum("points"))


def rank_in(root: Org, scope: str, period: str, today: datetime.date, mine: int) -> Rank:
    """The person's place in `root` for the period, `mine` being what they earned inside
    it (points_within): one query. Most people have one row in a scope, so the grouping
    is over about as many rows as the scope has people with points, read from the
    (period, start, org, points) index."""
    start = period_start(period, today)
    counts = _per_person(root, period, start).aggregate(
        above=Count("user_id", filter=Q(total__gt=mine)),
        of=Count("user_id", filter=Q(total__gt=0)),
    )
    return Rank(scope=scope, org=root, points=mine, rank=counts["above"] + 1, of=counts["of"])


@dataclass(frozen=True)
class RankRow:
    """A line of a ranking: the person, the org shown beside them, their points in scope."""

    user: Any
    org: Org | None
    points: int

    @property
    def user_id(self) -> int:
        return int(self.user.pk)


def ranking(root: Org, period: str, today: datetime.date, limit: int = 50) -> list[RankRow]:
    """The top of `root`'s subtree for the period, each person with the points they earned
    while at an org in it (two queries: the top, then their rows with names and orgs).
    Beside each: their branch now when they earned there in the period, else the org in
    the scope where they earned most."""
    start = period_start(period, today)
    top = list(
        _per_person(root, period, start)
        .filter(total__gt=0)
        .order_by("-total", "user_id")
        .values_list("user_id", "total")[:limit]
    )
    if not top:
        return []
    rows: dict[int, list[PointsTotal]] = {}
    for row in (
        totals_in(root, period, start)
        .filter(user_id__in=[user_id for user_id, _ in top])
        .select_related("user", "user__member", "org")
        .order_by("-points", "pk")
    ):
        rows.setdefault(row.user_id, []).append(row)
    out = []
    for user_id, total in top:
        mine = rows[user_id]
        member = getattr(mine[0].user, "member", None)
        here = next((r for r in mine if member is not None and r.org_id == member.org_id), None)
        shown = (here or mine[0]).org
        out.append(RankRow(user=mine[0].user, org=shown, points=int(total)))
    return out


def points_within(root: Org, at_orgs: list[tuple[str | None, int]]) -> int:
    """Of a person's (org path, points) rows for a period, what they earned inside `root`."""
    return sum(pts for path, pts in at_orgs if path and paths.is_within(path, root.path))


def my_period_rows(user: Any, period: str, today: datetime.date) -> list[tuple[str | None, int]]:
    """The person's (org path, points) rows for the period: one per org they earned at."""
    return list(
        PointsTotal.objects.filter(
            user_id=user.pk, period=period, start=period_start(period, today)
        ).values_list("org__path", "points")
    )


@dataclass(frozen=True)
class BranchAverage:
    org: Org
    members: int
    points: int
    average: float


def branch_averages(root: Org, period: str, today: datetime.date) -> list[BranchAverage]:
    """Each branch (or other org holding members) in `root`'s subtree: the points earned
    there in the period and the average per member, best first. The members are those on
    the roll in the period, each at the org they belonged to when it began (or, arriving
    within it, the first they joined: people.selectors.org_in), so a transfer since does
    not move them; the points are those earned while at the org. Four queries."""
    start = period_start(period, today)
    org_ids = Org.objects.filter(subtree_q([root.path], field="path")).values("pk")
    members = Counter(
        org_id
        for stretches in stretches_at(org_ids, start, today).values()
        if (org_id := org_in(stretches, start, today)) is not None
    )
    sums = dict(
        totals_in(root, period, start)
        .values_list("org_id")
        .annotate(s=Sum("points"))
        .values_list("org_id", "s")
    )
    orgs = Org.objects.filter(subtree_q([root.path], field="path")).in_bulk(list(members))
    rows = [
        BranchAverage(
            org=orgs[org_id],
            members=n,
            points=sums.get(org_id) or 0,
            average=round((sums.get(org_id) or 0) / n, 1),
        )
        for org_id, n in members.items()
        if org_id in orgs
    ]
    return sorted(rows, key=lambda r: (-r.average, r.org.path))


def my_period_points(user: Any, period: str, today: datetime.date) -> int:
    """The person's points for the period, wherever they earned them."""
    return sum(pts for _, pts in my_period_rows(user, period, today))
