"""A site's report card for a month: its bulletin figures against the targets, attendance
(members / residents), mean feedback, and its rank by 开机率 in its town and county.

A fixed number of queries: the county's bulletin (which ranks every site in one pass), the
org line above the site, the attendance and the feedback of the month's held viewings.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, Sum

from xianfeng.orgs.enums import Region
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import org_ancestors
from xianfeng.remote import counting
from xianfeng.remote.bulletin import SiteFigures, local_day_start, month_bulletin
from xianfeng.remote.enums import ViewingState
from xianfeng.remote.models import Feedback, Site, Viewing, ViewingAttendance


@dataclass(frozen=True)
class Rank:
    org: Org
    place: int  # 1 = the best 开机率 (ties share a place)
    of: int


@dataclass(frozen=True)
class ReportCard:
    site: Site
    year: int
    month: int
    figures: SiteFigures
    members: int  # member sign-ins over the month's held viewings
    residents: int  # 群众: resident sign-ins plus the counted-by-hand residents
    feedback_count: int
    mean_rating: Decimal | None
    ranks: list[Rank]

    @property
    def viewings_met(self) -> bool:
        return self.figures.viewings >= self.figures.target.min_viewings

    @property
    def hours_met(self) -> bool:
        return self.figures.slots * counting.SLOT_MINUTES >= self.figures.target.min_hours * 60

    @property
    def rate_met(self) -> bool | None:
        rate = self.figures.rate
        return None if rate is None else rate >= self.figures.target.boot_rate_pct


def _sort_key(f: SiteFigures) -> tuple[bool, Decimal, int]:
    return (f.rate is None, -(f.rate or Decimal(0)), -f.slots)


def _rank(site: Site, figures: list[SiteFigures]) -> tuple[int, int]:
    """The site's place among `figures` by 开机率, then hours (equal figures, equal place)."""
    ordered = sorted(figures, key=_sort_key)
    mine = next(f for f in ordered if f.site.pk == site.pk)
    place = 1 + sum(1 for f in ordered if _sort_key(f) < _sort_key(mine))
    return place, len(ordered)


def report_card(
    site: Site, year: int, month: int, *, now: datetime.datetime | None = None
) -> ReportCard:
    line = org_ancestors(site.org)  # root first, the site's org last
    county = next((o for o in line if o.region == Region.COUNTY), line[0])
    town = next((o for o in reversed(line) if o.region == Region.TOWN), None)
    bulletin = month_bulletin(county, year, month, now=now)
    everyone = bulletin.sites
    (mine,) = [f for f in everyone if f.site.pk == site.pk]
    ranks = []
    if town is not None and town.pk != county.pk:
        place, of = _rank(site, [f for f in everyone if f.site.org.path.startswith(town.path)])
        ranks.append(Rank(town, place, of))
    place, of = _rank(site, everyone)
    ranks.append(Rank(county, place, of))
    first, last = counting.month_bounds(year, month)
    held = Viewing.objects.filter(
        site=site,
        state=ViewingState.HELD,
        starts_at__gte=local_day_start(first),
        starts_at__lt=local_day_start(last + datetime.timedelta(days=1)),
    )
    signed = ViewingAttendance.objects.filter(viewing__in=held).aggregate(
        members=Count("pk", filter=Q(is_member=True)),
        residents=Count("pk", filter=Q(is_member=False)),
    )
    by_hand = held.aggregate(n=Sum("residents"))["n"] or 0
    rated = Feedback.objects.filter(viewing__in=held).aggregate(n=Count("pk"), mean=Avg("rating"))
    mean = rated["mean"]
    return ReportCard(
        site=site,
        year=year,
        month=month,
        figures=mine,
        members=signed["members"],
        residents=signed["residents"] + by_hand,
        feedback_count=rated["n"],
        mean_rating=None
        if mean is None
        else Decimal(str(mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        ranks=ranks,
    )
