"""What a dashboard shows: the fact table read for one org, its children and its branches.

Everything comes from the assessment fact table (one row per org, month and indicator,
rolled up the tree) and the live counters of common/indicators; nothing here reads another
app's tables. A dashboard is a fixed number of queries whatever the size of the county.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Count, F, Q, When, Window
from django.db.models.functions import RowNumber, Substr

from xianfeng.assessment.models import Fact
from xianfeng.assessment.selectors import ChildFigure, Figure, figure_of
from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org

TREND_MONTHS = 12
FLAGS_SHOWN = 5  # the worst branches listed under each red flag
COUNTER_SECONDS = 30  # live counters are cached this long (a big screen refreshes often)


def months_until(month: Month, n: int = TREND_MONTHS) -> list[Month]:
    """The n months ending with `month`, oldest first."""
    months = [month]
    while len(months) < n:
        months.append(months[-1].previous())
    return months[::-1]


@dataclass
class Card:
    """One indicator on a dashboard: this month's figure, its trend and the trend in words."""

    figure: Figure
    trend: list[float | None]
    months: list[Month]
    records: str | None = None

    @property
    def indicator(self) -> Indicator:
        return self.figure.indicator

    @property
    def reading(self) -> str:
        return trend_reading(self.indicator, self.months, self.trend)


def _shown(indicator: Indicator, value: float | None) -> str:
    if value is None:
        return "无数据"
    if indicator.ratio:
        return f"{value:g}{indicator.unit}"
    return f"{value:.0f} {indicator.unit}"


def trend_reading(indicator: Indicator, months: list[Month], values: list[float | None]) -> str:
    """A chart said in one sentence, for screen readers and for people who would rather
    read: the span, the first and last figures, the high and the low, and the target."""
    known = [(m, v) for m, v in zip(months, values, strict=True) if v is not None]
    span = f"{months[0].year}年{months[0].month}月至{months[-1].year}年{months[-1].month}月"
    if not known:
        return f"{indicator.name}：{span}没有数据。"
    first, last = known[0], known[-1]
    high = max(known, key=lambda p: p[1])
    low = min(known, key=lambda p: p[1])
    text = f"{indicator.name}：{span}，"
    if len(known) == 1:
        text += f"只有{first[0].month}月的数据，为{_shown(indicator, first[1])}"
    else:
        direction = "上升" if last[1] > first[1] else "下降" if last[1] < first[1] else "持平"
        text += (
            f"从{first[0].month}月的{_shown(indicator, first[1])}{direction}"
            f"到{last[0].month}月的{_shown(indicator, last[1])}；"
            f"最高{_shown(indicator, high[1])}（{high[0].year}年{high[0].month}月），"
            f"最低{_shown(indicator, low[1])}（{low[0].year}年{low[0].month}月）"
        )
    if indicator.target is not None:
        met = indicator.meets(values[-1])
        target = _shown(indicator, indicator.target)
        verdict = {True: "本月达标", False: "本月未达标", None: "本月无数据"}[met]
        text += f"；目标{target}，{verdict}"
    return text + "。"


@dataclass(frozen=True)
class Flag:
    """An indicator with a target that some branches below the org miss this month."""

    indicator: Indicator
    missing: int
    worst: list[ChildFigure]


@dataclass
class Dashboard:
    org: Org
    month: Month
    months: list[Month]
    groups: list[tuple[str, list[Card]]]
    chosen: Indicator | None
    children: list[ChildFigure] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    computed_at: Any = None

    @property
    def cards(self) -> list[Card]:
        return [card for _, cards in self.groups for card in cards]

    def chart_data(self) -> dict[str, Any]:
        """What the charts draw (json_script on the page, JSON for the big screen)."""
        return {
            "months": [f"{m.month}月" for m in self.months],
            "cards": {
                card.indicator.code: {
                    "name": card.indicator.name,
                    "unit": card.indicator.unit,
                    "ratio": _percent(card.indicator),
                    "target": card.indicator.target,
                    "values": card.trend,
                }
                for card in self.cards
            },
            "children": {
                "indicator": self.chosen.code if self.chosen else None,
                "name": self.chosen.name if self.chosen else "",
                "unit": self.chosen.unit if self.chosen else "",
                "orgs": [row.org.name for row in self.children],
                "values": [row.figure.value for row in self.children],
            },
        }

    @property
    def children_reading(self) -> str:
        if not self.chosen or not self.children:
            return ""
        known = [r for r in self.children if r.figure.value is not None]
        if not known:
            return f"下级组织本月都没有{self.chosen.name}的数据。"
        best, worst = known[0], known[-1]
        text = (
            f"{len(self.children)}个下级组织按{self.chosen.name}排名："
            f"最好的是{best.org.name}（{best.figure.shown}），"
            f"最后的是{worst.org.name}（{worst.figure.shown}）"
        )
        if self.chosen.target is not None:
            missing = sum(1 for r in known if r.figure.meets is False)
            text += f"；{missing}个未达到目标"
        return text + "。"


def _percent(indicator: Indicator) -> bool:
    """A share in %, drawn on a 0–100 axis (a per-head ratio such as 人均积分 is not)."""
    return indicator.ratio and indicator.unit == "%"


def _rank(indicator: Indicator, rows: list[ChildFigure]) -> list[ChildFigure]:
    sign = -1 if indicator.higher_is_better else 1
    return sorted(rows, key=lambda r: (r.figure.value is None, sign * (r.figure.value or 0)))


def _misses(indicator: Indicator) -> Q:
    assert indicator.target is not None
    below = {"value__lt" if indicator.higher_is_better else "value__gt": indicator.target}
    return Q(indicator=indicator.code, **below)


def _flags(org: Org, month: Month, registered: list[Indicator]) -> list[Flag]:
    """Branches in the subtree that miss each target this month: how many and the worst
    few of each, in one query (a count and a rank over each indicator's misses)."""
    targeted = [i for i in registered if i.target is not None]
    if not targeted:
        return []
    misses = Q()
    for ind in targeted:
        misses |= _misses(ind)
    order = {i.code: i for i in targeted}
    # Worst first: the lowest value, or the highest where lower is better.
    lower = [i.code for i in targeted if not i.higher_is_better]
    badness = (
        Case(When(indicator__in=lower, then=-F("value")), default=F("value"))
        if lower
        else F("value")
    )
    ranked = (
        Fact.objects.filter(
            misses,
            month=month.first,
            org__kind=OrgKind.BRANCH,
            org__path__gte=org.path,
            org__path__lt=org.upper_path,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("indicator")],
                order_by=[badness.asc(), F("org_id").asc()],
            ),
            missing=Window(Count("*"), partition_by=[F("indicator")]),
        )
        .filter(rank__lte=FLAGS_SHOWN)
        .order_by("indicator", "rank")
        .values_list("pk", "missing")
    )
    # The ranking reads only the index (org, month → indicator, value); the few worst
    # rows are then fetched whole, and put back in the ranking's order.
    missing = dict(ranked)
    place = {pk: n for n, pk in enumerate(missing)}
    fetched = sorted(
        Fact.objects.filter(pk__in=missing).select_related("org"), key=lambda f: place[f.pk]
    )
    worst: dict[str, list[ChildFigure]] = {}
    counts: dict[str, int] = {}
    for fact in fetched:
        counts[fact.indicator] = missing[fact.pk]
        worst.setdefault(fact.indicator, []).append(
            ChildFigure(fact.org, figure_of(order[fact.indicator], fact, None))
        )
    return [
        Flag(ind, counts[ind.code], worst[ind.code])  # worst first
        for ind in targeted
        if counts.get(ind.code)
    ]


def dashboard(org: Org, month: Month, chosen_code: str = "") -> Dashboard:
    """An org's dashboard for a month: every indicator with its twelve-month trend, the
    children ranked by the chosen indicator, and the red flags below. Five queries."""
    registered = indicators.registered()
    months = months_until(month)
    codes = [i.code for i in registered]
    facts = {
        (f.indicator, f.month): f
        for f in Fact.objects.filter(
            org=org, month__gte=months[0].first, month__lte=month.first, indicator__in=codes
        )
    }
    groups: dict[str, list[Card]] = {}
    for ind in registered:
        trend_facts = [facts.get((ind.code, m.first)) for m in months]
        zero = None if ind.ratio else 0.0
        trend = [f.value if f else zero for f in trend_facts]
        figure = figure_of(ind, trend_facts[-1], trend_facts[-2] if len(months) > 1 else None)
        records = ind.records(org, month) if ind.records else None
        groups.setdefault(ind.group or "其他", []).append(Card(figure, trend, months, records))
    chosen = next((i for i in registered if i.code == chosen_code), None) or (
        registered[0] if registered else None
    )
    board = Dashboard(
        org=org,
        month=month,
        months=months,
        groups=list(groups.items()),
        chosen=chosen,
        computed_at=max((f.computed_at for f in facts.values()), default=None),
    )
    if chosen is None:
        return board
    children = list(
        Org.objects.filter(parent=org).exclude(kind=OrgKind.GROUP).order_by("sort_order", "path")
    )
    theirs = {
        f.org_id: f
        for f in Fact.objects.filter(
            org__in=[c.pk for c in children], month=month.first, indicator=chosen.code
        )
    }
    board.children = _rank(
        chosen, [ChildFigure(c, figure_of(chosen, theirs.get(c.pk), None)) for c in children]
    )
    board.flags = _flags(org, month, registered)
    return board


@dataclass(frozen=True)
class CounterValue:
    counter: indicators.Counter
    value: int


def live_counters(org: Org) -> list[CounterValue]:
    """Every registered live counter for the org's subtree, cached for a few seconds so
    that screens refreshing side by side cost one count between them (one cache read for
    all of them; a count and one cache write for those missing)."""
    registered = indicators.counters()
    keys = {c.code: f"dashboards:counter:{c.code}:{org.pk}" for c in registered}
    known = cache.get_many(list(keys.values()))
    fresh = {keys[c.code]: c.count(org) for c in registered if keys[c.code] not in known}
    if fresh:
        cache.set_many(fresh, COUNTER_SECONDS)
    values = {**known, **fresh}
    return [CounterValue(c, int(values[keys[c.code]])) for c in registered]


def branches_by_child(
    org: Org, month: Month, registered: list[Indicator]
) -> dict[tuple[str, str], tuple[int, int]]:
    """(child's path, indicator) → (branches below the child with a figure, those missing
    the target), for the indicators with a target: the third level of the big screen's
    tree, counted in the database (one row per child and indicator, one query)."""
    targeted = [i for i in registered if i.target is not None]
    if not targeted:
        return {}
    misses = Q()
    for ind in targeted:
        misses |= _misses(ind)
    rows = (
        Fact.objects.filter(
            month=month.first,
            org__kind=OrgKind.BRANCH,
            org__path__gt=org.path,
            org__path__lt=org.upper_path,
            indicator__in=[i.code for i in targeted],
            value__isnull=False,
        )
        .annotate(child=Substr("org__path", 1, len(org.path) + paths.SEGMENT))
        .values("child", "indicator")
        .annotate(known=Count("id"), missing=Count("id", filter=misses))
        .values_list("child", "indicator", "known", "missing")
    )
    return {(child, code): (known, missing) for child, code, known, missing in rows}


def _tier(indicator: Indicator, value: float | None, known: list[float]) -> tuple[str, str]:
    """A tile's colour class and the word that says the same (never colour alone): against
    the target where there is one, else the third of the children the value falls in."""
    if value is None:
        return "none", "无数据"
    met = indicator.meets(value)
    if met is not None:
        return ("good", "达标") if met else ("bad", "未达标")
    ordered = sorted(known, reverse=indicator.higher_is_better)
    place = ordered.index(value) / max(len(ordered), 1)
    if place < 1 / 3:
        return "good", "靠前"
    return ("mid", "居中") if place < 2 / 3 else ("bad", "靠后")


def tree_of(
    org: Org,
    indicator: Indicator,
    rows: list[ChildFigure],
    branches: dict[tuple[str, str], tuple[int, int]],
) -> dict[str, Any]:
    """The big screen's tree for one indicator: the org, its children as tiles coloured
    and labelled by the indicator, and each child's branches missing its target; with a
    sentence that says it all for screen readers."""
    known = [r.figure.value for r in rows if r.figure.value is not None]
    tiles = []
    for row in sorted(rows, key=lambda r: (r.org.sort_order, r.org.path)):
        tier, verdict = _tier(indicator, row.figure.value, known)
        with_figure, missing = branches.get((row.org.path, indicator.code), (0, 0))
        shown = row.figure.shown
        if row.figure.value is not None and not indicator.ratio:
            shown += f" {indicator.unit}"
        tiles.append(
            {
                "name": row.org.name,
                "shown": shown,
                "tier": tier,
                "verdict": verdict,
                "branches": (
                    f"{with_figure}个支部中{missing}个未达标"
                    if indicator.target is not None and with_figure
                    else ""
                ),
            }
        )
    if not tiles:
        reading = f"{org.name}没有下级组织。"
    else:
        counts: dict[str, int] = {}
        for tile in tiles:
            counts[tile["verdict"]] = counts.get(tile["verdict"], 0) + 1
        said = "，".join(f"{n}个{word}" for word, n in counts.items())
        behind = [t["name"] for t in tiles if t["tier"] == "bad"]
        reading = f"{org.name}下{len(tiles)}个组织按{indicator.name}：{said}"
        reading += f"（{'、'.join(behind)}）。" if behind else "。"
    return {"org": org.name, "tiles": tiles, "reading": reading}


def screen_data(org: Org, month: Month) -> dict[str, Any]:
    """Everything the big screen shows, as JSON: the dashboard, the children's figures for
    every indicator (the rotating panels, each with its tree of the children and their
    branches) and the live counters. Ten queries."""
    board = dashboard(org, month)
    codes = [card.indicator.code for card in board.cards]
    children = [row.org for row in board.children]
    theirs = {
        (f.org_id, f.indicator): f
        for f in Fact.objects.filter(
            org__in=[c.pk for c in children], month=month.first, indicator__in=codes
        )
    }
    branches = branches_by_child(org, month, [card.indicator for card in board.cards])
    panels = []
    for card in board.cards:
        ind = card.indicator
        rows = _rank(
            ind,
            [ChildFigure(c, figure_of(ind, theirs.get((c.pk, ind.code)), None)) for c in children],
        )
        if card.figure.value is None and all(r.figure.value is None for r in rows):
            continue  # nothing to show for it anywhere in the subtree
        ranking = Dashboard(org, month, board.months, [], ind, rows)
        panels.append(
            {
                "code": ind.code,
                "name": ind.name,
                "unit": ind.unit,
                "ratio": _percent(ind),
                "target": ind.target,
                "shown": card.figure.shown,
                "trend": card.trend,
                "reading": card.reading,
                "children": {
                    "orgs": [r.org.name for r in rows],
                    "values": [r.figure.value for r in rows],
                },
                "children_reading": ranking.children_reading,
                "tree": tree_of(org, ind, rows, branches),
            }
        )
    return {
        "org": org.name,
        "month": f"{month.year}年{month.month}月",
        "months": [f"{m.month}月" for m in board.months],
        "computed_at": board.computed_at.isoformat() if board.computed_at else None,
        "counters": [
            {
                "code": c.counter.code,
                "name": c.counter.name,
                "unit": c.counter.unit,
                "value": c.value,
            }
            for c in live_counters(org)
        ],
        "figures": [
            {
                "code": card.indicator.code,
                "group": card.indicator.group,
                "name": card.indicator.name,
                "shown": card.figure.shown
                + ("" if card.indicator.ratio else f" {card.indicator.unit}"),
                "meets": card.figure.meets,
            }
            for card in board.cards
        ],
        "panels": panels,
        "flags": [
            {
                "name": flag.indicator.name,
                "missing": flag.missing,
                "worst": [f"{row.org.name} {row.figure.shown}" for row in flag.worst],
            }
            for flag in board.flags
        ],
    }
