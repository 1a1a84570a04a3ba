"""What 党费 measures for assessment and dashboards (common/indicators.py): the share of
members owing a month's dues who paid it by the end of that month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month, Reading
from xianfeng.dues.calc import owes_in
from xianfeng.dues.enums import DuesCategory
from xianfeng.dues.models import DuesAssessment, DuesPayment
from xianfeng.orgs.enums import MEMBER_ORG_KINDS
from xianfeng.people.selectors import orgs_of_members_in


def on_time(month: Month) -> Iterable[Reading]:
    """Per branch: members who owed `month` (assessed for its year and not exempt, on the
    roll in it) and, of them, those whose payment for it was made by its last day. Each
    member counts at the branch they belonged to in that month (the registry's history:
    a member transferred in March counts for the sending branch up to March, for the new
    one from April), not at their branch today. Four queries."""
    assessed = DuesAssessment.objects.filter(year=month.year).exclude(category=DuesCategory.EXEMPT)
    orgs = orgs_of_members_in(assessed.values("member_id"), month.first, month.last)
    members: dict[int, int] = {}
    for member_id, amount, joined_on, left_on in assessed.values_list(
        "member_id", "monthly_amount", "member__joined_on", "member__left_on"
    ):
        org_id = orgs.get(member_id)
        if org_id is not None and owes_in(
            month, amounts={month.year: amount}, joined_on=joined_on, left_on=left_on
        ):
            members[member_id] = org_id
    paid = DuesPayment.objects.filter(month=month.first, paid_on__lte=month.last).values_list(
        "member_id", flat=True
    )
    denominators = Counter(members.values())
    numerators = Counter(members[m] for m in paid if m in members)
    return [Reading(org, numerators[org], n) for org, n in denominators.items()]


def _records(org: object, month: Month) -> str | None:
    from django.urls import reverse

    code = getattr(org, "code", "")
    if getattr(org, "kind", "") in MEMBER_ORG_KINDS and code:
        return reverse("dues:town", args=[code]) + f"?month={month}"
    return None


def register() -> None:
    indicators.register(
        Indicator(
            code="dues.on_time",
            name="党费按时交纳率",
            unit="%",
            app="dues",
            group="党员管理",
            compute=on_time,
            ratio=True,
            target=95,
            records=_records,
            description="本月应交党费（已核定本年党费、当月在册，经批准免交的不计）的党员中，"
            "当月月底前交纳的比例，计在党员当月所在支部（月中转接的，当月计在原支部）",
        )
    )
