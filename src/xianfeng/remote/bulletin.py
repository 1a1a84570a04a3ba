"""The monthly 开机通报 of a region: per site 开机天数, 在役天数, 开机率, 运行小时 and organised
viewings against the targets, then a row per town (the bulletin org's children) and the
total. The rules are in README "远程教育的计算口径"; the arithmetic is in counting.py.

A fixed number of queries whatever the number of sites: the sites, the targets up the
tree, the suspensions of the month, the day rows folded per site in SQL, the day rows of
suspended sites (few) and the viewings per site.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count, F, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from xianfeng.common.xlsx import XlsxWriter, csv_text, is_number
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.remote import counting
from xianfeng.remote.enums import ViewingState
from xianfeng.remote.models import RemoteTarget, Site, SiteDay, SiteSuspension, Viewing

DEFAULT_TARGET = (2, 20, 95)  # viewings, hours, 开机率 %: DESIGN.md's defaults
SILENT_DAYS = 3

HEADERS = [
    "站点编码",
    "站点名称",
    "所属组织",
    "开机天数",
    "在役天数",
    "开机率",
    "运行小时",
    "组织收看次数",
    "达标",
]


@dataclass(frozen=True)
class Target:
    min_viewings: int
    min_hours: int
    boot_rate_pct: int


@dataclass(frozen=True)
class OrgRef:
    pk: int
    name: str
    path: str


@dataclass(frozen=True)
class SiteRef:
    """What a bulletin needs of a site (plain values: no model instances for 30,000 rows)."""

    pk: int
    code: str
    name: str
    org: OrgRef
    service_start: datetime.date
    last_beat_at: datetime.datetime | None


@dataclass
class SiteFigures:
    site: SiteRef
    boot_days: int
    service_days: int
    slots: int
    viewings: int
    target: Target
    silent: bool

    # Cached: a bulletin is built once, then read many times (the ranking, the groups' 达标
    # counts, the template) for up to 30,000 sites.
    @cached_property
    def rate(self) -> Decimal | None:
        return counting.rate(self.boot_days, self.service_days)

    @property
    def hours(self) -> Decimal:
        return counting.hours(self.slots)

    @cached_property
    def met(self) -> bool:
        """达标: every target of the month (a site with no day in service owes nothing)."""
        rate = self.rate
        if rate is None:
            return True
        return (
            rate >= self.target.boot_rate_pct
            and self.viewings >= self.target.min_viewings
            and self.slots * counting.SLOT_MINUTES >= self.target.min_hours * 60
        )


@dataclass
class GroupFigures:
    org: Org
    sites: list[SiteFigures] = field(default_factory=list)

    # Cached: read only after month_bulletin has filled `sites`.
    @cached_property
    def boot_days(self) -> int:
        return sum(s.boot_days for s in self.sites)

    @cached_property
    def service_days(self) -> int:
        return sum(s.service_days for s in self.sites)

    @cached_property
    def slots(self) -> int:
        return sum(s.slots for s in self.sites)

    @cached_property
    def viewings(self) -> int:
        return sum(s.viewings for s in self.sites)

    @cached_property
    def rate(self) -> Decimal | None:
        return counting.rate(self.boot_days, self.service_days)

    @property
    def hours(self) -> Decimal:
        return counting.hours(self.slots)

    @cached_property
    def met_count(self) -> int:
        return sum(1 for s in self.sites if s.met)

    @cached_property
    def silent_count(self) -> int:
        return sum(1 for s in self.sites if s.silent)


@dataclass
class Bulletin:
    org: Org
    year: int
    month: int
    first: datetime.date
    last_counted: datetime.date | None  # None: the month has not begun
    groups: list[GroupFigures]
    total: GroupFigures

    @property
    def sites(self) -> list[SiteFigures]:
        return [s for g in self.groups for s in g.sites]


def targets_for(site_paths: set[str]) -> dict[str, Target]:
    """The target of each org path: the nearest org up the tree with a RemoteTarget."""
    ancestors = {a for p in site_paths for a in paths.ancestor_paths(p)}
    rows = {
        t.org.path: Target(t.min_viewings, t.min_hours, t.boot_rate_pct)
        for t in RemoteTarget.objects.select_related("org").filter(org__path__in=ancestors)
    }
    found = {}
    for p in site_paths:
        target = Target(*DEFAULT_TARGET)
        for a in paths.ancestor_paths(p):
            target = rows.get(a, target)
        found[p] = target
    return found


def local_day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=counting.local_zone())


def month_bulletin(
    org: Org,
    year: int,
    month: int,
    *,
    now: datetime.datetime | None = None,
    only: Site | None = None,
) -> Bulletin:
    """The bulletin of the sites in `org`'s subtree for a month (the current month counts
    up to today); `only` narrows it to one site of that subtree."""
    now = now or timezone.now()
    today = now.astimezone(counting.local_zone()).date()
    first, last = counting.month_bounds(year, month)
    last_counted: datetime.date | None = min(last, today)
    if first > today:
        last_counted = None
    one = {"pk": only.pk} if only else {}
    one_site = {"site_id": only.pk} if only else {}
    rows = list(
        Site.objects.filter(subtree_q([org.path], field="org__path"), **one)
        .order_by()  # sorted below by org path and code, without a join for the order
        .values_list("pk", "code", "name", "org_id", "service_start", "last_beat_at")
    )
    org_refs = {
        pk: OrgRef(pk, name, path)
        for pk, name, path in Org.objects.filter(pk__in={r[3] for r in rows}).values_list(
            "pk", "name", "path"
        )
    }
    sites = [
        SiteRef(pk, code, name, org_refs[org_id], start, last_beat)
        for pk, code, name, org_id, start, last_beat in rows
    ]
    sites.sort(key=lambda s: (s.org.path, s.code))
    suspended: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    boot: dict[int, tuple[int, int]] = {}
    viewings: dict[int, int] = {}
    if sites and last_counted is not None:
        for site_id, s_from, s_to in SiteSuspension.objects.filter(
            subtree_q([org.path], field="site__org__path"),
            starts_on__lte=last_counted,
            ends_on__gte=first,
            **one_site,
        ).values_list("site_id", "starts_on", "ends_on"):
            suspended[site_id].append((s_from, s_to))
        in_month = SiteDay.objects.filter(
            subtree_q([org.path], field="site__org__path"),
            day__gte=first,
            day__lte=last_counted,
            **one_site,
        ).filter(day__gte=F("site__service_start"))
        clean = in_month.exclude(site_id__in=list(suspended))
        for row in clean.values("site_id").annotate(days=Count("pk"), slots=Sum("slots")):
            boot[row["site_id"]] = (row["days"], row["slots"] or 0)
        if suspended:
            by_site: dict[int, list[int]] = defaultdict(lambda: [0, 0])
            for site_id, day, slots in in_month.filter(site_id__in=list(suspended)).values_list(
                "site_id", "day", "slots"
            ):
                if any(s_from <= day <= s_to for s_from, s_to in suspended[site_id]):
                    continue
                by_site[site_id][0] += 1
                by_site[site_id][1] += slots
            for site_id, (days, slots) in by_site.items():
                boot[site_id] = (days, slots)
        viewings = dict(
            Viewing.objects.filter(
                subtree_q([org.path], field="site__org__path"),
                state=ViewingState.HELD,
                **one_site,
                starts_at__gte=local_day_start(first),
                starts_at__lt=local_day_start(last_counted + datetime.timedelta(days=1)),
            )
            .values("site_id")
            .annotate(n=Count("pk"))
            .values_list("site_id", "n")
        )
    targets = targets_for({s.org.path for s in sites})
    silent_before = now - datetime.timedelta(days=SILENT_DAYS)
    # Groups: the bulletin org's children (a county's towns); sites at the org itself
    # form the org's own group.
    group_len = (org.depth + 2) * paths.SEGMENT
    group_paths = {s.org.path[:group_len] for s in sites if len(s.org.path) >= group_len}
    group_orgs = {o.path: o for o in Org.objects.filter(path__in=group_paths)}
    groups: dict[str, GroupFigures] = {}
    total = GroupFigures(org=org)
    for site in sites:
        days_in_service = (
            counting.service_day_count(
                first=first,
                last=last_counted,
                service_start=site.service_start,
                suspensions=suspended.get(site.pk, ()),
            )
            if last_counted is not None
            else 0
        )
        days, slots = boot.get(site.pk, (0, 0))
        figures = SiteFigures(
            site=site,
            boot_days=days,
            service_days=days_in_service,
            slots=slots,
            viewings=viewings.get(site.pk, 0),
            target=targets[site.org.path],
            silent=site.service_start <= today
            and (site.last_beat_at is None or site.last_beat_at < silent_before),
        )
        key = site.org.path[:group_len] if len(site.org.path) >= group_len else org.path
        group = groups.get(key)
        if group is None:
            group = groups[key] = GroupFigures(org=group_orgs.get(key, org))
        group.sites.append(figures)
        total.sites.append(figures)
    ordered = sorted(groups.values(), key=lambda g: (g.org.sort_order, g.org.path))
    return Bulletin(
        org=org,
        year=year,
        month=month,
        first=first,
        last_counted=last_counted,
        groups=ordered,
        total=total,
    )


def site_month(
    site: Site, year: int, month: int, *, now: datetime.datetime | None = None
) -> SiteFigures:
    """One site's figures for a month (its report card)."""
    (figures,) = month_bulletin(site.org, year, month, now=now, only=site).sites
    return figures


def month_rates(
    org: Org, year: int, month: int, *, now: datetime.datetime | None = None
) -> dict[str, Decimal | None]:
    """The 开机率 of a month by group org path (the bulletin's groups) and for the org
    itself, without the per-site figures: the 开机 days are counted per group in SQL
    (sites with a suspension that month, few, day by day), the days in service by
    arithmetic over the sites' start dates. Equal to month_bulletin's rates."""
    now = now or timezone.now()
    today = now.astimezone(counting.local_zone()).date()
    first, last = counting.month_bounds(year, month)
    group_len = (org.depth + 2) * paths.SEGMENT
    rates: dict[str, Decimal | None] = {}
    sites = list(
        Site.objects.filter(subtree_q([org.path], field="org__path")).values_list(
            "pk", "org__path", "service_start"
        )
    )
    if first > today or not sites:
        rates.update({_group_key(p, org, group_len): None for _pk, p, _s in sites})
        rates[org.path] = None
        return rates
    last_counted = min(last, today)
    suspended: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for site_id, s_from, s_to in SiteSuspension.objects.filter(
        subtree_q([org.path], field="site__org__path"),
        starts_on__lte=last_counted,
        ends_on__gte=first,
    ).values_list("site_id", "starts_on", "ends_on"):
        suspended[site_id].append((s_from, s_to))
    boot: dict[str, int] = defaultdict(int)
    owed: dict[str, int] = defaultdict(int)
    group_of = {}
    for pk, org_path, start in sites:
        key = group_of[pk] = _group_key(org_path, org, group_len)
        owed[key] += counting.service_day_count(
            first=first, last=last_counted, service_start=start, suspensions=suspended.get(pk, ())
        )
    in_month = SiteDay.objects.filter(
        subtree_q([org.path], field="site__org__path"), day__gte=first, day__lte=last_counted
    ).filter(day__gte=F("site__service_start"))
    counted = (
        in_month.exclude(site_id__in=list(suspended))
        .annotate(group=Substr("site__org__path", 1, group_len))
        .values("group")
        .annotate(days=Count("pk"))
        .values_list("group", "days")
    )
    for prefix, days in counted:
        # A site at the org itself (its path shorter than a group's) counts for the org.
        boot[prefix if len(prefix) == group_len else org.path] += days
    for site_id, day in in_month.filter(site_id__in=list(suspended)).values_list("site_id", "day"):
        if not any(s_from <= day <= s_to for s_from, s_to in suspended[site_id]):
            boot[group_of[site_id]] += 1
    for key in owed:
        rates[key] = counting.rate(boot[key], owed[key])
    rates[org.path] = counting.rate(sum(boot.values()), sum(owed.values()))
    return rates


def _group_key(org_path: str, org: Org, group_len: int) -> str:
    return org_path[:group_len] if len(org_path) >= group_len else org.path


def previous_rates(
    org: Org, year: int, month: int, *, now: datetime.datetime | None = None
) -> dict[str, Decimal | None]:
    """The 开机率 of the month before, by group org path and for the org itself (the
    month-on-month change of the bulletin)."""
    first = datetime.date(year, month, 1) - datetime.timedelta(days=1)
    return month_rates(org, first.year, first.month, now=now)


def change(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Percentage points since the month before (None when either is unknown)."""
    if current is None or previous is None:
        return None
    return current - previous


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def bulletin_rows(bulletin: Bulletin) -> list[list[str]]:
    """The bulletin as table rows: every site, then a row per town, then the total."""
    rows: list[list[str]] = []
    for figures in bulletin.sites:
        rows.append(
            [
                figures.site.code,
                figures.site.name,
                figures.site.org.name,
                str(figures.boot_days),
                str(figures.service_days),
                percent(figures.rate),
                str(figures.hours),
                str(figures.viewings),
                "是" if figures.met else "否",
            ]
        )

    def summary(label: str, group: GroupFigures) -> list[str]:
        return [
            "",
            label,
            group.org.name,
            str(group.boot_days),
            str(group.service_days),
            percent(group.rate),
            str(group.hours),
            str(group.viewings),
            f"{group.met_count}/{len(group.sites)}",
        ]

    for group in bulletin.groups:
        rows.append(summary("小计", group))
    rows.append(summary("合计", bulletin.total))
    return rows


def bulletin_csv(bulletin: Bulletin) -> str:

    return csv_text([HEADERS, *bulletin_rows(bulletin)])


def bulletin_xlsx(bulletin: Bulletin) -> bytes:

    book = XlsxWriter()
    sheet = book.sheet(
        f"{bulletin.year}年{bulletin.month}月开机通报",
        HEADERS,
        widths=[14, 24, 24, 10, 10, 10, 10, 12, 8],
        preamble=[f"{bulletin.org.name} {bulletin.year}年{bulletin.month}月远程教育站点开机通报"],
    )
    for row in bulletin_rows(bulletin):
        # Counts and hours as numbers, so the spreadsheet can sum and sort them.
        sheet.append([_typed(cell) if i >= 3 else cell for i, cell in enumerate(row)])
    return book.to_bytes()


def _typed(text: str) -> int | Decimal | str:
    if text.isdigit():
        return int(text)
    if is_number(text):
        return Decimal(text)
    return text
