"""What the people registry measures for assessment and dashboards (common/indicators.py):
the share of members who used 先锋 in the month (活跃率), from people.MonthlyUse — one row
the first time a person signs in or comes back in a month, on the web or through the
mobile client's token. Reading a page needs a signed-in session that was used in the month,
so a member who only installed the app and never opened it does not count."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month, Reading
from xianfeng.people.models import Member, MonthlyUse
from xianfeng.people.selectors import member_counts_in, member_orgs_in


def active_users(month: Month) -> Any:
    return MonthlyUse.objects.filter(month=month.first).values("user_id")


def active(month: Month) -> Iterable[Reading]:
    """Members who used 先锋 in the month ÷ the members on the roll in it, each at the branch
    they belonged to then (member_orgs_in, as 参学率). Three queries."""
    orgs = member_orgs_in(month.first, month.last)
    used = Member.objects.filter(user_id__in=active_users(month)).values_list("pk", flat=True)
    done = member_counts_in({m: orgs[m] for m in used if m in orgs})
    return [Reading(org, done.get(org, 0), n) for org, n in member_counts_in(orgs).items()]


def records(org: Any, month: Month) -> str:
    return reverse("people:records", args=[org.code, str(month), "active"])


def register() -> None:
    indicators.register(
        Indicator(
            code="people.active",
            name="党员活跃率",
            unit="%",
            app="people",
            group="党员管理",
            compute=active,
            ratio=True,
            target=80,
            records=records,
            rank=1,  # after the apps' own work (参学率, 三会一课 …) on a dashboard
            description="本月登录或使用过先锋（网页或手机客户端）的党员 ÷ 当月在册党员人数"
            "（按当月所在支部，账号停用的不计）",
        )
    )
