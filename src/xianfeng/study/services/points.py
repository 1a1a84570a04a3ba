"""Writes to the points ledger: credits from domain events (the registry's sink) and the
county's settings of rules and caps."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common import points as registry
from xianfeng.common.errors import Refused
from xianfeng.orgs.enums import ORG_ADMIN_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over
from xianfeng.people.models import Member, User
from xianfeng.people.selectors import org_of_member_on
from xianfeng.study.enums import EntryKind, Period
from xianfeng.study.models import (
    PointsDay,
    PointsEntry,
    PointsPolicy,
    PointsRuleSetting,
    PointsTotal,
)
from xianfeng.study.selectors.points import period_start, policy_for

if TYPE_CHECKING:
    from xianfeng.audit.events import Event

CAPPED_RULE = "今日此项已达上限"
CAPPED_DAY = "今日积分已达上限"
REVERSED = "已撤回"


def points_award(*, rule: registry.Rule, event: Event, claim: registry.Claim) -> PointsEntry | None:
    """Credit (or take back) one claim: once per person, rule and source; within the rule's
    and the day's caps, counted on the day the event happened. Idempotent: a replay, a
    second delivery or another event for the same source writes nothing."""
    if not User.objects.filter(pk=claim.user_id).exists():
        return None
    day = timezone.localdate(event.created_at)
    member = Member.objects.select_related("org").filter(user_id=claim.user_id).first()
    org = member.org if member is not None else None
    # Counted at the org the member belonged to on the day (the registry's history), so a
    # transfer registered after its date, or an event delivered late, leaves the points
    # where they were earned; the rules in force are still those of today's org.
    org_id = org.pk if org is not None else None
    if member is not None:
        org_id = org_of_member_on(member, day) or org_id
    source = {"source_type": claim.source_type, "source_id": str(claim.source_id)}
    with transaction.atomic():
        if claim.reverse:
            return _reverse(rule, event, claim, day, source)
        if PointsEntry.objects.filter(user_id=claim.user_id, rule=rule.code, **source).exists():
            return None  # earned already, or taken back: never twice
        policy = policy_for(org)
        effective = policy.rules.get(rule.code)
        if effective is None or not effective.enabled:
            return None
        day_row = _locked_day(claim.user_id, day)
        earned_rule = (
            PointsEntry.objects.filter(
                user_id=claim.user_id, day=day, rule=rule.code, kind=EntryKind.EARN
            ).aggregate(s=Sum("points"))["s"]
            or 0
        )
        amount, note = effective.points, ""
        if effective.daily_cap and earned_rule + amount > effective.daily_cap:
            amount, note = max(effective.daily_cap - earned_rule, 0), CAPPED_RULE
        if policy.day_cap and day_row.earned + amount > policy.day_cap:
            amount, note = max(policy.day_cap - day_row.earned, 0), CAPPED_DAY
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(
                    user_id=claim.user_id,
                    org_id=org_id,
                    rule=rule.code,
                    kind=EntryKind.EARN,
                    points=amount,
                    day=day,
                    title=claim.title[:200],
                    note=note,
                    event_id=event.id,
                    **source,
                )
        except IntegrityError:
            return None  # another delivery wrote it first
        if amount:
            PointsDay.objects.filter(pk=day_row.pk).update(earned=F("earned") + amount)
            _add_to_totals(claim.user_id, org_id, day, amount)
        return entry


def points_award_many(
    *, rule: registry.Rule, items: list[tuple[Event, registry.Claim]]
) -> list[PointsEntry]:
    """`points_award` for many claims of one rule (a meeting's sign-ins), in their order and
    with the same result, in a bounded number of queries: the day rows are locked together,
    what was earned already is read once, and the entries and totals are written in bulk.
    Reversals, and a batch that meets a concurrent write, go one by one."""
    if any(claim.reverse for _, claim in items):
        found = [points_award(rule=rule, event=e, claim=c) for e, c in items]
        return [entry for entry in found if entry is not None]
    user_ids = {claim.user_id for _, claim in items}
    known = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    items = [(e, c) for e, c in items if c.user_id in known]
    if not items:
        return []
    members = {m.user_id: m for m in Member.objects.select_related("org").filter(user_id__in=known)}
    days = {e.id: timezone.localdate(e.created_at) for e, _ in items}
    try:
        with transaction.atomic():
            return _award_many(rule, items, members, days)
    except IntegrityError:  # a concurrent delivery wrote some of them first
        found = [points_award(rule=rule, event=e, claim=c) for e, c in items]
        return [entry for entry in found if entry is not None]


def _award_many(
    rule: registry.Rule,
    items: list[tuple[Event, registry.Claim]],
    members: dict[int, Member],
    days: dict[int, datetime.date],
) -> list[PointsEntry]:
    pairs = {(c.user_id, days[e.id]) for e, c in items}
    PointsDay.objects.bulk_create(
        [PointsDay(user_id=u, day=d) for u, d in pairs], ignore_conflicts=True
    )
    user_ids = {u for u, _ in pairs}
    day_set = {d for _, d in pairs}
    day_rows = {
        (row.user_id, row.day): row
        for row in PointsDay.objects.select_for_update()
        .filter(user_id__in=user_ids, day__in=day_set)
        .order_by("pk")
        if (row.user_id, row.day) in pairs
    }
    # Read after the locks, so an earning committed meanwhile is seen.
    sources = {str(c.source_id) for _, c in items}
    types = {c.source_type for _, c in items}
    taken = set(
        PointsEntry.objects.filter(
            user_id__in=user_ids, rule=rule.code, source_type__in=types, source_id__in=sources
        ).values_list("user_id", "source_type", "source_id")
    )
    earned_rule: dict[tuple[int, datetime.date], int] = {}
    for row in (
        PointsEntry.objects.filter(
            user_id__in=user_ids, day__in=day_set, rule=rule.code, kind=EntryKind.EARN
        )
        .values("user_id", "day")
        .annotate(s=Sum("points"))
    ):
        earned_rule[(row["user_id"], row["day"])] = row["s"] or 0
    policies: dict[int | None, Any] = {}
    entries: list[PointsEntry] = []
    totals: dict[tuple[int, int | None, datetime.date], int] = {}
    for event, claim in items:
        key = (claim.user_id, claim.source_type, str(claim.source_id))
        if key in taken:
            continue  # earned already, or taken back: never twice
        day = days[event.id]
        member = members.get(claim.user_id)
        org = member.org if member is not None else None
        org_id = org.pk if org is not None else None
        if member is not None:
            org_id = org_of_member_on(member, day) or org_id
        policy_key = org.pk if org is not None else None
        if policy_key not in policies:
            policies[policy_key] = policy_for(org)
        policy = policies[policy_key]
        effective = policy.rules.get(rule.code)
        if effective is None or not effective.enabled:
            continue
        taken.add(key)
        day_row = day_rows[(claim.user_id, day)]
        so_far = earned_rule.get((claim.user_id, day), 0)
        amount, note = effective.points, ""
        if effective.daily_cap and so_far + amount > effective.daily_cap:
            amount, note = max(effective.daily_cap - so_far, 0), CAPPED_RULE
        if policy.day_cap and day_row.earned + amount > policy.day_cap:
            amount, note = max(policy.day_cap - day_row.earned, 0), CAPPED_DAY
        entries.append(
            PointsEntry(
                user_id=claim.user_id,
                org_id=org_id,
                rule=rule.code,
                kind=EntryKind.EARN,
                points=amount,
                day=day,
                title=claim.title[:200],
                note=note,
                event_id=event.id,
                source_type=claim.source_type,
                source_id=str(claim.source_id),
            )
        )
        earned_rule[(claim.user_id, day)] = so_far + amount
        if amount:
            day_row.earned += amount
            day_row._xf_changed = True  # type: ignore[attr-defined]
            total_key = (claim.user_id, org_id, day)
            totals[total_key] = totals.get(total_key, 0) + amount
    PointsEntry.objects.bulk_create(entries)
    changed = [row for row in day_rows.values() if getattr(row, "_xf_changed", False)]
    PointsDay.objects.bulk_update(changed, ["earned"], batch_size=500)
    _add_to_totals_many(totals)
    return entries


def _add_to_totals_many(amounts: dict[tuple[int, int | None, datetime.date], int]) -> None:
    """`_add_to_totals` for many (person, org, day) amounts: the rows that exist are read
    once and updated in bulk, the missing ones created in bulk."""
    wanted: dict[tuple[int, str, datetime.date, int | None], int] = {}
    for (user_id, org_id, day), amount in amounts.items():
        for period in Period.values:
            key = (user_id, period, period_start(period, day), org_id)
            wanted[key] = wanted.get(key, 0) + amount
    if not wanted:
        return
    rows = PointsTotal.objects.select_for_update().filter(
        user_id__in={k[0] for k in wanted},
        period__in={k[1] for k in wanted},
        start__in={k[2] for k in wanted},
    )
    existing = {(r.user_id, r.period, r.start, r.org_id): r for r in rows.order_by("pk")}
    update, create = [], []
    for key, amount in wanted.items():
        row = existing.get(key)
        if row is not None:
            row.points = F("points") + amount
            update.append(row)
        else:
            user_id, period, start, org_id = key
            create.append(
                PointsTotal(
                    user_id=user_id, period=period, start=start, org_id=org_id, points=amount
                )
            )
    PointsTotal.objects.bulk_update(update, ["points"], batch_size=500)
    PointsTotal.objects.bulk_create(create)


def _reverse(
    rule: registry.Rule,
    event: Event,
    claim: registry.Claim,
    day: datetime.date,
    source: dict[str, str],
) -> PointsEntry | None:
    # A reversal that arrives before its earning still writes its row (0 points), so the
    # late earning finds it and is refused: the action was withdrawn.
    earned = (
        PointsEntry.objects.select_for_update()
        .filter(user_id=claim.user_id, rule=rule.code, kind=EntryKind.EARN, **source)
        .first()
    )
    amount = -earned.points if earned is not None else 0
    on_day = earned.day if earned is not None else day
    org_id = earned.org_id if earned is not None else None
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                user_id=claim.user_id,
                org_id=org_id,
                rule=rule.code,
                kind=EntryKind.REVERSE,
                points=amount,
                day=on_day,
                title=(earned.title if earned is not None else claim.title)[:200],
                note=REVERSED,
                event_id=event.id,
                **source,
            )
    except IntegrityError:
        return None  # taken back already
    if amount:
        # The points leave the periods they were counted in; the day's cap is not given
        # back (a withdrawn action does not make room for another).
        _add_to_totals(claim.user_id, org_id, on_day, amount)
    return entry


def _locked_day(user_id: int, day: datetime.date) -> PointsDay:
    try:
        with transaction.atomic():
            PointsDay.objects.get_or_create(user_id=user_id, day=day)
    except IntegrityError:
        pass  # created by a concurrent earning
    return PointsDay.objects.select_for_update().get(user_id=user_id, day=day)


def _add_to_totals(user_id: int, org_id: int | None, day: datetime.date, amount: int) -> None:
    """Add to the person's week, month and year at `org_id` (a row per org they earned at
    in the period: a branch's ranking counts only what was earned there)."""
    for period in Period.values:
        start = period_start(period, day)
        key = {"user_id": user_id, "period": period, "start": start, "org_id": org_id}
        if org_id is None:
            key = {"user_id": user_id, "period": period, "start": start, "org__isnull": True}
        changes = {"points": F("points") + amount}
        if PointsTotal.objects.filter(**key).update(**changes):
            continue
        try:
            with transaction.atomic():
                PointsTotal.objects.create(
                    user_id=user_id, period=period, start=start, org_id=org_id, points=amount
                )
        except IntegrityError:
            PointsTotal.objects.filter(**key).update(**changes)


# --- the county's settings ---------------------------------------------------------------


def can_set_points_rules(user: User, org: Org) -> bool:
    return has_role_over(user, org, ORG_ADMIN_ROLES)


def points_rule_set(
    *, actor: User, org: Org, rule: str, points: int, daily_cap: int, enabled: bool
) -> PointsRuleSetting:
    """Set how many points a rule gives at `org` (and below) and its daily cap."""
    if not can_set_points_rules(actor, org):
        raise PermissionDenied("只有组织管理员可以设置积分规则")
    declared = registry.rule(rule)
    if declared is None:
        raise Refused("没有这条积分规则", field="rule")
    if not 0 <= points <= 100:
        raise Refused("每次积分应在 0 到 100 之间", field="points")
    if not 0 <= daily_cap <= 1000:
        raise Refused("每日上限应在 0 到 1000 之间（0 表示不设上限）", field="daily_cap")
    with transaction.atomic():
        setting, _ = PointsRuleSetting.objects.update_or_create(
            org=org,
            rule=rule,
            defaults={"points": points, "daily_cap": daily_cap, "enabled": enabled},
        )
        audit_log(
            actor=actor,
            action="points.rule_set",
            obj=setting,
            org=org,
            data={"rule": rule, "points": points, "daily_cap": daily_cap, "enabled": enabled},
        )
    return setting


def points_policy_set(*, actor: User, org: Org, daily_cap: int) -> PointsPolicy:
    """Set the cap on one person's points in a day at `org` (and below)."""
    if not can_set_points_rules(actor, org):
        raise PermissionDenied("只有组织管理员可以设置积分规则")
    if not 0 <= daily_cap <= 1000:
        raise Refused("每日总上限应在 0 到 1000 之间（0 表示不设上限）", field="daily_cap")
    with transaction.atomic():
        policy, _ = PointsPolicy.objects.update_or_create(
            org=org, defaults={"daily_cap": daily_cap}
        )
        audit_log(
            actor=actor, action="points.policy_set", obj=policy, org=org, data={"cap": daily_cap}
        )
    return policy
