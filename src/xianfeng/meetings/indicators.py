"""What the 三会一课 ledger measures for assessment and dashboards (common/indicators.py).

Completion is the compliance page's own count (selectors/compliance.py): of the obligations
of the year that have come due by the end of the month (or today, in the month under way),
those met by an approved meeting. A branch founded mid-year owes only from its founding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month, Reading
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.selectors.compliance import compliance_table
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org


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
