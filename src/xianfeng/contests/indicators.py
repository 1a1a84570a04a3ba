"""What contests measure for assessment and dashboards (common/indicators.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import Count

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month, Reading
from xianfeng.contests.models import Award, Entry
from xianfeng.contests.record_lists import url as records_url


def entries(month: Month) -> Iterable[Reading]:
    """Entries sent to contests in the month, counted at the entrant's org."""
    start, end = month.bounds()
    rows = (
        Entry.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("org_id")
        .annotate(n=Count("id"))
        .values_list("org_id", "n")
    )
    return [Reading(org, n) for org, n in rows]


def awards(month: Month) -> Iterable[Reading]:
    """Awards given in the month: to an entry (at the entrant's org) or to an org
    (优秀组织奖)."""
    start, end = month.bounds()
    given = Award.objects.filter(created_at__gte=start, created_at__lt=end)
    counts: Counter[int] = Counter()
    for entry_org, award_org in given.values_list("entry__org_id", "org_id"):
        counts[entry_org or award_org] += 1
    return [Reading(org, n) for org, n in counts.items() if org]


def register() -> None:
    indicators.register(
        Indicator(
            code="contests.entries",
            name="参赛作品",
            unit="件",
            app="contests",
            group="微党课",
            compute=entries,
            records=records_url("entries"),
            description="本月报名参加竞赛的作品，计入报送组织",
        )
    )
    indicators.register(
        Indicator(
            code="contests.awards",
            name="获奖",
            unit="项",
            app="contests",
            group="微党课",
            compute=awards,
            records=records_url("awards"),
            description="本月颁发的奖项（作品奖计入报送组织，优秀组织奖计入获奖组织）",
        )
    )
