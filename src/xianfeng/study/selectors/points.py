"""Reads of the points ledger: the rules in force for an org, a person's points and what
they can still earn today, rankings and branch averages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from xianfeng.common import points as registry
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind, Region
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.people.models import Member
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


def my_points(user: Any, org: Org | None, today: datetime.date) -> MyPoints:
    """A person's totals and what each rule can still give today (five queries)."""
    policy = policy_for(org)
    total = PointsEntry.objects.filter(user_id=user.pk).aggregate(s=Sum("points"))["s"] or 0
    starts = {p: period_start(p, today) for p in Period.values}
    by_period = {p: 0 for p in Period.values}
    for period, start, pts in PointsTotal.objects.filter(
        user_id=user.pk, period__in=Period.values, start__in=set(starts.values())
    ).values_list("period", "start", "points"):
        if starts[period] == start:
            by_period[period] = pts
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


def rank_in(root: Org, scope: str, period: str, today: datetime.date, mine: int) -> Rank:
    """The person's place in `root` for the period: one query. It counts `points` (never
    null), not the key, so PostgreSQL answers from the (period, start, org, points) index
    without reading the table: a county's 50,000 totals in a few tens of milliseconds."""
    start = period_start(period, today)
    counts = totals_in(root, period, start).aggregate(
        above=Count("points", filter=Q(points__gt=mine)),
        of=Count("points", filter=Q(points__gt=0)),
    )
    return Rank(scope=scope, org=root, points=mine, rank=counts["above"] + 1, of=counts["of"])


def ranking(root: Org, period: str, today: datetime.date, limit: int = 50) -> list[PointsTotal]:
    """The top of `root`'s subtree for the period, with names and branches (one query)."""
    start = period_start(period, today)
    return list(
        totals_in(root, period, start)
        .filter(points__gt=0)
        .select_related("user", "org")
        .order_by("-points", "user_id")[:limit]
    )


@dataclass(frozen=True)
class BranchAverage:
    org: Org
    members: int
    points: int
    average: float


def branch_averages(root: Org, period: str, today: datetime.date) -> list[BranchAverage]:
    """Each branch (or other org holding members) in `root`'s subtree: its members' points
    for the period and the average per member, best first (three queries)."""
    start = period_start(period, today)
    members = dict(
        Member.objects.filter(subtree_q([root.path], field="org__path"))
        .values_list("org_id")
        .annotate(n=Count("pk"))
        .values_list("org_id", "n")
    )
    sums = dict(
        totals_in(root, period, start)
        .values_list("org_id")
        .annotate(s=Sum("points"))
        .values_list("org_id", "s")
    )
    orgs = Org.objects.in_bulk(list(members))
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
    row = (
        PointsTotal.objects.filter(
            user_id=user.pk, period=period, start=period_start(period, today)
        )
        .values_list("points", flat=True)
        .first()
    )
    return row or 0
