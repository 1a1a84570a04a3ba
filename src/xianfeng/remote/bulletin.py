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

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Length
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

    @property
    def month_silent(self) -> bool:
        """长期未开机 in the month: in service on some day of it (so far) and on air on none
        (`silent` is the live "no beat for SILENT_DAYS" of the site list instead)."""
        return self.service_days > 0 and self.boot_days == 0

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

    @property
    def site_count(self) -> int:
        return len(self.sites)

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


@dataclass(frozen=True)
class GroupTotals:
    """A town's (or the total's) figures summed in SQL: what month_bulletin's GroupFigures
    holds, without the sites."""

    org: Org
    site_count: int
    boot_days: int
    service_days: int
    slots: int
    viewings: int
    met_count: int
    silent_count: int

    @property
    def rate(self) -> Decimal | None:
        return counting.rate(self.boot_days, self.service_days)

    @property
    def hours(self) -> Decimal:
        return counting.hours(self.slots)


@dataclass
class Rollup:
    org: Org
    groups: list[GroupTotals]
    total: GroupTotals


_EPOCH = datetime.date(2000, 1, 1)


def _day_number(column: str) -> str:
    """SQL for the days from 2000-01-01 to a date column (an integer on both engines)."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '2000-01-01')"
    return f"CAST(julianday({column}) - 2451544.5 AS INTEGER)"  # julianday('2000-01-01')


def _rollup_sql(target_lengths: list[int]) -> str:
    # Table names from the models, day numbers from _day_number, prefix lengths as ints:
    # nothing from input; every value is a parameter.
    site_t, org_t = Site._meta.db_table, Org._meta.db_table
    day_t, susp_t = SiteDay._meta.db_table, SiteSuspension._meta.db_table
    view_t, target_t = Viewing._meta.db_table, RemoteTarget._meta.db_table
    joins = "".join(
        f" LEFT JOIN tgt t{n} ON t{n}.path = SUBSTR(site.path, 1, {n})" for n in target_lengths
    )
    deepest = sorted(target_lengths, reverse=True)

    def target(column: str, default: str) -> str:
        if not deepest:  # SQLite's COALESCE wants two arguments at least
            return default
        return "COALESCE(" + "".join(f"t{n}.{column}, " for n in deepest) + default + ")"

    starts, ends = _day_number("p.starts_on"), _day_number("p.ends_on")
    return (
        # Not materialised: the planner then sees the sites' real number (a materialised
        # CTE made it hash the 855,000 day rows instead of the 30,000 sites).
        f"WITH site AS NOT MATERIALIZED (SELECT s.id, s.service_start, s.last_beat_at, "  # noqa: S608
        f"o.path, CASE WHEN s.service_start > %(first)s "
        f"THEN {_day_number('s.service_start')} ELSE %(nfirst)s END AS nstart "
        f"FROM {site_t} s JOIN {org_t} o ON o.id = s.org_id "
        f"WHERE o.path >= %(lo)s AND o.path < %(hi)s), "
        # Days in service lost to 停用 (a site's suspensions never overlap).
        f"susp AS (SELECT site_id, SUM(CASE WHEN sto >= sfrom THEN sto - sfrom + 1 ELSE 0 END) "
        f"AS days FROM (SELECT p.site_id, "
        f"CASE WHEN {starts} > site.nstart THEN {starts} ELSE site.nstart END AS sfrom, "
        f"CASE WHEN {ends} < %(nlast)s THEN {ends} ELSE %(nlast)s END AS sto "
        f"FROM {susp_t} p JOIN site ON site.id = p.site_id "
        f"WHERE p.starts_on <= %(last)s AND p.ends_on >= %(first)s) x GROUP BY site_id), "
        # 开机 days and slots: every day row in service, less those inside a suspension.
        f"onday AS (SELECT d.site_id, COUNT(*) AS days, SUM(d.slots) AS slots "
        f"FROM {day_t} d JOIN site ON site.id = d.site_id "
        f"WHERE d.day >= %(first)s AND d.day <= %(last)s AND d.day >= site.service_start "
        f"GROUP BY d.site_id), "
        f"offday AS (SELECT d.site_id, COUNT(*) AS days, SUM(d.slots) AS slots "
        f"FROM {susp_t} p JOIN site ON site.id = p.site_id JOIN {day_t} d "
        f"ON d.site_id = p.site_id AND d.day >= p.starts_on AND d.day <= p.ends_on "
        f"WHERE p.starts_on <= %(last)s AND p.ends_on >= %(first)s "
        f"AND d.day >= %(first)s AND d.day <= %(last)s AND d.day >= site.service_start "
        f"GROUP BY d.site_id), "
        f"held AS (SELECT v.site_id, COUNT(*) AS n "
        f"FROM {view_t} v JOIN site ON site.id = v.site_id "
        f"WHERE v.state = %(held)s AND v.starts_at >= %(vfrom)s AND v.starts_at < %(vto)s "
        f"GROUP BY v.site_id), "
        f"tgt AS (SELECT o.path, t.min_viewings, t.min_hours, t.boot_rate_pct "
        f"FROM {target_t} t JOIN {org_t} o ON o.id = t.org_id), "
        f"fig AS (SELECT CASE WHEN LENGTH(site.path) >= %(glen)s "
        f"THEN SUBSTR(site.path, 1, %(glen)s) ELSE %(own)s END AS grp, "
        f"COALESCE(a.days, 0) - COALESCE(f.days, 0) AS boot, "
        f"COALESCE(a.slots, 0) - COALESCE(f.slots, 0) AS slots, "
        f"CASE WHEN site.nstart > %(nlast)s THEN 0 "
        f"ELSE %(nlast)s - site.nstart + 1 - COALESCE(sp.days, 0) END AS owed, "
        f"COALESCE(h.n, 0) AS viewings, "
        f"CASE WHEN site.service_start <= %(today)s AND (site.last_beat_at IS NULL "
        f"OR site.last_beat_at < %(silent)s) THEN 1 ELSE 0 END AS silent, "
        f"{target('min_viewings', '%(dv)s')} AS minv, {target('min_hours', '%(dh)s')} AS minh, "
        f"{target('boot_rate_pct', '%(dp)s')} AS pct "
        f"FROM site LEFT JOIN onday a ON a.site_id = site.id "
        f"LEFT JOIN offday f ON f.site_id = site.id LEFT JOIN susp sp ON sp.site_id = site.id "
        f"LEFT JOIN held h ON h.site_id = site.id{joins}) "
        # 达标 as SiteFigures.met: 开机率 rounded half up to 0.1 % (integer tenths here),
        # viewings and hours against the site's target; a site owed no day has met it.
        f"SELECT grp, COUNT(*), SUM(boot), SUM(owed), SUM(slots), SUM(viewings), "
        f"SUM(CASE WHEN owed <= 0 OR ((2000 * boot + owed) / (2 * owed) >= 10 * pct "
        f"AND viewings >= minv AND slots * {counting.SLOT_MINUTES} >= minh * 60) "
        f"THEN 1 ELSE 0 END), SUM(silent) FROM fig GROUP BY grp"
    )


def month_rollup(
    org: Org, year: int, month: int, *, now: datetime.datetime | None = None
) -> Rollup:
    """month_bulletin's groups and total, summed in the database (one statement, per site
    then per group), without a row per site in Python: the county → town page of a
    province's 30,000 sites. Equal to month_bulletin's figures (tests/remote)."""
    now = now or timezone.now()
    today = now.astimezone(counting.local_zone()).date()
    first, last = counting.month_bounds(year, month)
    last_counted = min(last, today)
    if first > today:  # not begun: nothing owed, nothing counted
        last_counted = first - datetime.timedelta(days=1)
    group_len = (org.depth + 2) * paths.SEGMENT
    ops = connection.ops
    lengths = sorted(
        set(
            RemoteTarget.objects.filter(
                Q(org__path__in=paths.ancestor_paths(org.path))
                | subtree_q([org.path], field="org__path")
            ).values_list(Length("org__path"), flat=True)
        )
    )
    params = {
        "lo": org.path,
        "hi": paths.upper_bound(org.path),
        "first": ops.adapt_datefield_value(first),
        "last": ops.adapt_datefield_value(last_counted),
        "nfirst": (first - _EPOCH).days,
        "nlast": (last_counted - _EPOCH).days,
        "today": ops.adapt_datefield_value(today),
        "silent": ops.adapt_datetimefield_value(now - datetime.timedelta(days=SILENT_DAYS)),
        "held": ViewingState.HELD.value,
        "vfrom": ops.adapt_datetimefield_value(local_day_start(first)),
        "vto": ops.adapt_datetimefield_value(
            local_day_start(last_counted + datetime.timedelta(days=1))
        ),
        "glen": group_len,
        "own": org.path,
        "dv": DEFAULT_TARGET[0],
        "dh": DEFAULT_TARGET[1],
        "dp": DEFAULT_TARGET[2],
    }
    with connection.cursor() as cursor:
        cursor.execute(_rollup_sql(lengths), params)
        rows = cursor.fetchall()
    group_orgs = {o.path: o for o in Org.objects.filter(path__in=[r[0] for r in rows])}
    groups = [
        GroupTotals(group_orgs.get(grp, org), *(int(v or 0) for v in figures))
        for grp, *figures in rows
    ]
    groups.sort(key=lambda g: (g.org.sort_order, g.org.path))
    sums = [sum(getattr(g, f) for g in groups) for f in _SUMMED]
    return Rollup(org=org, groups=groups, total=GroupTotals(org, *sums))


_SUMMED = (
    "site_count",
    "boot_days",
    "service_days",
    "slots",
    "viewings",
    "met_count",
    "silent_count",
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
    itself, summed in SQL (month_rollup). Equal to month_bulletin's rates."""
    rollup = month_rollup(org, year, month, now=now)
    rates = {g.org.path: g.rate for g in rollup.groups}
    rates[org.path] = rollup.total.rate
    return rates


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
