"""Frequency rules per org, and the reminders a week before a period ends."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.meetings.enums import (
    REMIND_DAYS_BEFORE,
    ComplianceStatus,
    MeetingKind,
    NoticeKind,
    Period,
)
from xianfeng.meetings.models import MeetingRule, ReminderSent
from xianfeng.meetings.periods import spans
from xianfeng.meetings.rules import can_set_rules
from xianfeng.meetings.selectors.compliance import compliance_table, obligations
from xianfeng.meetings.services.notices import meeting_notify
from xianfeng.orgs.enums import OrgKind, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.models import User

REMIND_STATUSES = frozenset(
    {ComplianceStatus.DUE, ComplianceStatus.PLANNED, ComplianceStatus.PENDING}
)


def rules_set(
    *, actor: User, org: Org, periods: Mapping[str, str | None]
) -> list[MeetingRule | None]:
    """Set several kinds' rules for an org at once (the rules page): all of them or, on a
    refusal, none (one transaction)."""
    with transaction.atomic():
        return [
            rule_set(actor=actor, org=org, kind=kind, period=period)
            for kind, period in periods.items()
        ]


def rule_set(*, actor: User, org: Org, kind: str, period: str | None) -> MeetingRule | None:
    """Set how often `kind` is required in `org`'s subtree; None returns to the rule of the
    org above (or the default)."""
    if not can_set_rules(actor, org):
        raise PermissionDenied("只有组织管理员可以设置三会一课频次要求")
    if org.kind == OrgKind.GROUP:
        raise Refused("党小组会的频次在党支部或上级组织设置")
    if kind not in MeetingKind.values:
        raise Refused("请选择会议类型", field="kind")
    if period is not None and period not in Period.values:
        raise Refused("请选择频次", field="period")
    with transaction.atomic():
        if period is None:
            deleted, _ = MeetingRule.objects.filter(org=org, kind=kind).delete()
            if deleted:
                audit_log(
                    actor=actor,
                    action="meeting.rule_clear",
                    obj=org,
                    org=org,
                    data={"kind": kind},
                )
            return None
        rule, _ = MeetingRule.objects.update_or_create(
            org=org, kind=kind, defaults={"period": period, "updated_by": actor}
        )
        audit_log(
            actor=actor,
            action="meeting.rule_set",
            obj=rule,
            org=org,
            data={"kind": kind, "period": period},
        )
    return rule


def reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind each branch's secretary (the organizer where there is none) of every kind
    still missing in a period that ends within a week. One reminder per branch, kind and
    period, ever (a unique constraint); returns how many notices went out."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=REMIND_DAYS_BEFORE - 1)
    missing: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for root in Org.objects.filter(parent__isnull=True).order_by("path"):
        table = compliance_table(root, year=today.year, today=today)
        for row in table.rows:
            for ob in obligations(row, year=today.year, today=today):
                if (
                    ob.required
                    and ob.status in REMIND_STATUSES
                    and ob.span.start <= today <= ob.span.end <= horizon
                ):
                    missing[row.info.id].append((ob.kind, ob.span.key, ob.span.full_label))
    if not missing:
        return 0
    sent = set(
        ReminderSent.objects.filter(branch_id__in=list(missing)).values_list(
            "branch_id", "kind", "period_key"
        )
    )
    holders: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for org_id, kind, user_id in Role.objects.filter(
        org_id__in=list(missing), kind__in=[RoleKind.SECRETARY, RoleKind.ORGANIZER]
    ).values_list("org_id", "kind", "user_id"):
        holders[org_id][kind].add(user_id)
    branches = {
        pk: (name, code)
        for pk, name, code in Org.objects.filter(pk__in=list(missing)).values_list(
            "pk", "name", "code"
        )
    }
    notices = 0
    with transaction.atomic():
        new_rows: list[ReminderSent] = []
        for branch_id, items in sorted(missing.items()):
            fresh = [(k, key, label) for k, key, label in items if (branch_id, k, key) not in sent]
            if not fresh:
                continue
            to = holders[branch_id][RoleKind.SECRETARY] or holders[branch_id][RoleKind.ORGANIZER]
            if not to:
                continue  # nobody to tell yet: a secretary appointed later is still reminded
            new_rows += [
                ReminderSent(branch_id=branch_id, kind=k, period_key=key) for k, key, _ in fresh
            ]
            lines = [
                f"{MeetingKind(k).label}（{label}，{_end_of(key)}截止）" for k, key, label in fresh
            ]
            name, code = branches[branch_id]
            meeting_notify(
                user_ids=to,
                meeting=None,
                kind=NoticeKind.REMINDER,
                title=f"三会一课提醒：{name}本期还有 {len(fresh)} 项未完成",
                body="尚未召开或记录尚未审核：\n" + "\n".join(lines),
                url=reverse("meetings:branch", args=[code]),
            )
            notices += len(to)
        ReminderSent.objects.bulk_create(new_rows)
    return notices


def _end_of(period_key: str) -> str:
    """The last day of a period key, as 3月31日."""

    year = int(period_key[:4])
    for period in (Period.MONTH, Period.QUARTER, Period.HALF, Period.YEAR):
        for span in spans(period, year):
            if span.key == period_key:
                return f"{span.end.month}月{span.end.day}日"
    return ""
