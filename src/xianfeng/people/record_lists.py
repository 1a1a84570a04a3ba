"""The records behind the people registry's indicator (common/record_lists.py): every member
counted in an org's subtree for a month and whether, and how, they used 先锋."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.common.record_lists import Builder, RecordList, records_view
from xianfeng.orgs.enums import ROSTER_VIEW_ROLES
from xianfeng.orgs.selectors import get_org_for_user
from xianfeng.people.models import MonthlyUse
from xianfeng.people.selectors import roll_in


def active(org: Any, month: Month) -> RecordList:
    roll = roll_in(org, month.first, month.last)
    ways: dict[int, list[tuple[Any, str]]] = defaultdict(list)
    for user_id, at, via in MonthlyUse.objects.filter(
        month=month.first, user_id__in=[r.user_id for r in roll]
    ).values_list("user_id", "first_at", "via"):
        ways[user_id].append((at, str(MonthlyUse.Via(via).label)))
    rows: list[Any] = []
    for r in roll:
        used = sorted(ways.get(r.user_id, []))
        rows.append(
            (
                r.name,
                r.org_name,
                "、".join(label for _, label in used) if used else "未使用",
                timezone.localtime(used[0][0]).strftime("%m-%d") if used else "",
            )
        )
    return RecordList("使用情况", ["党员", "支部", "本月使用", "首次使用"], rows)


BUILDERS: dict[str, Builder] = {"active": active}

view = records_view(BUILDERS, lambda user, code: get_org_for_user(user, code, ROSTER_VIEW_ROLES))
