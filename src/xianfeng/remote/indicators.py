"""What remote education measures for assessment and dashboards (common/indicators.py).

Every figure is the 开机通报's own (bulletin.py, README "远程教育的计算口径"), read at the
site's org, so a town's 开机率 is the sum of its sites' 开机 days over the sum of their days
in service, never an average of the villages' rates.

长期未开机站点 (sites silent, a dashboards' red flag) is monthly: a site in service on at
least one day of the month (days from its service start, less its suspensions, up to today
in the month under way: counting.service_day_count, as for 开机率) with no 开机 day among
them, i.e. no accepted heartbeat on any day it owed one. A site suspended all month or not
yet in service owes nothing and is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.utils import timezone

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month, Reading
from xianfeng.orgs.models import Org
from xianfeng.remote import counting
from xianfeng.remote.bulletin import SiteFigures, month_bulletin
from xianfeng.remote.record_lists import url as records_url

GROUP = "远程教育"


def site_figures(month: Month) -> list[SiteFigures]:
    """Every site's figures for the month (the month under way counts up to today); the
    four indicators of a recompute share one reading."""
    return indicators.shared(("remote.site_figures", month), lambda: _site_figures(month))


def _site_figures(month: Month) -> list[SiteFigures]:
    now = timezone.now()
    found: list[SiteFigures] = []
    for root in Org.objects.filter(parent__isnull=True).order_by("pk"):
        found += month_bulletin(root, month.year, month.month, now=now).sites
    return found


def _per_org(
    pick: Callable[[SiteFigures], tuple[float, float]],
) -> Callable[[Month], Iterable[Reading]]:
    def compute(month: Month) -> Iterable[Reading]:
        sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for figures in site_figures(month):
            if figures.service_days == 0:
                continue  # not yet in service, or suspended all month: owes nothing
            num, den = pick(figures)
            sums[figures.site.org.pk][0] += num
            sums[figures.site.org.pk][1] += den
        return [Reading(org_id, num, den) for org_id, (num, den) in sums.items()]

    return compute


boot_rate = _per_org(lambda f: (f.boot_days, f.service_days))
viewings = _per_org(lambda f: (f.viewings, 1))
operating_hours = _per_org(lambda f: (f.slots * counting.SLOT_MINUTES / 60, 1))
sites_meeting_target = _per_org(lambda f: (1 if f.met else 0, 1))
silent_sites = _per_org(lambda f: (1 if f.month_silent else 0, 1))


def register() -> None:
    indicators.register(
        Indicator(
            code="remote.boot_rate",
            name="开机率",
            unit="%",
            app="remote",
            group=GROUP,
            compute=boot_rate,
            records=records_url("sites"),
            ratio=True,
            target=95,
            description="站点开机天数之和 ÷ 在役天数之和（从启用日期起，扣除停用期）",
        )
    )
    indicators.register(
        Indicator(
            code="remote.viewings",
            name="组织收看次数",
            unit="次",
            app="remote",
            group=GROUP,
            compute=viewings,
            records=records_url("viewings"),
            description="本月已结束的组织收看，计入站点所属组织",
        )
    )
    indicators.register(
        Indicator(
            code="remote.hours",
            name="运行小时",
            unit="小时",
            app="remote",
            group=GROUP,
            compute=operating_hours,
            records=records_url("sites"),
            description="站点有心跳的 5 分钟时段数 × 5 分钟，同一时段多次心跳只计一次",
        )
    )
    indicators.register(
        Indicator(
            code="remote.sites_met",
            name="站点达标率",
            unit="%",
            app="remote",
            group=GROUP,
            compute=sites_meeting_target,
            records=records_url("sites"),
            ratio=True,
            target=100,
            description="本月在役站点中，开机率、运行小时、组织收看次数都达到目标的站点占比",
        )
    )
    indicators.register(
        Indicator(
            code="remote.silent_sites",
            name="长期未开机站点",
            unit="个",
            app="remote",
            group=GROUP,
            compute=silent_sites,
            records=records_url("silent"),
            higher_is_better=False,
            target=0,
            description="本月在役（从启用日期起，扣除停用期；本月至今）的每一天都没有开机"
            "心跳的站点个数，计入站点所属组织",
        )
    )
