"""Reads of the fact table, limited to the orgs a person may read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xianfeng.assessment.models import Fact
from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month
from xianfeng.orgs.enums import RECORD_ROLES, OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for

READ_ROLES = RECORD_ROLES  # 书记、组织委员、宣传委员、管理员 read their subtree's figures


@dataclass(frozen=True)
class Figure:
    """One indicator for one org and month, with last month's value beside it."""

    indicator: Indicator
    value: float | None
    numerator: float = 0.0
    denominator: float = 0.0
    previous: float | None = None

    @property
    def meets(self) -> bool | None:
        return self.indicator.meets(self.value)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def shown(self) -> str:
        """The figure as text: 87.5%, 12 部, — when there is nothing to divide by."""
        if self.value is None:
            return "—"
        number = f"{self.value:g}" if self.indicator.ratio else f"{self.value:.0f}"
        return f"{number}{self.indicator.unit}" if self.indicator.ratio else number


@dataclass(frozen=True)
class ChildFigure:
    org: Org
    figure: Figure


@dataclass
class OrgFigures:
    """An org's page: its figures grouped, and its children ranked by one indicator."""

    org: Org
    month: Month
    groups: list[tuple[str, list[Figure]]]
    chosen: Indicator | None
    children: list[ChildFigure] = field(default_factory=list)
    computed_at: Any = None
    top: float = 0.0  # the largest child value: a count's scale on the ranking


def indicator_roots(user: Any) -> list[Org]:
    return org_roots_for(user, READ_ROLES)


def get_org_for_figures(user: Any, code: str) -> Org:
    """404 outside the person's reach, as everywhere."""
    return get_org_for_user(user, code, READ_ROLES)


def _figure(indicator: Indicator, fact: Fact | None, previous: Fact | None) -> Figure:
    zero = None if indicator.ratio else 0.0  # no records: 0 lessons, but no 参学率
    return Figure(
        indicator=indicator,
        value=fact.value if fact else zero,
        numerator=fact.numerator if fact else 0.0,
        denominator=fact.denominator if fact else 0.0,
        previous=previous.value if previous else (None if indicator.ratio else 0.0),
    )


def _facts(orgs: list[Org], months: list[Month], codes: list[str]) -> list[Fact]:
    return list(
        Fact.objects.filter(
            org__in=[o.pk for o in orgs],
            month__in=[m.first for m in months],
            indicator__in=codes,
        )
    )


def org_figures(org: Org, month: Month, chosen_code: str = "") -> OrgFigures:
    """Every registered indicator for `org` in `month` (and the month before), and its
    children ranked by the chosen indicator (the first one by default). Three queries."""
    registered = indicators.registered()
    codes = [i.code for i in registered]
    previous = month.previous()
    mine = {(f.indicator, f.month): f for f in _facts([org], [month, previous], codes)}
    groups: dict[str, list[Figure]] = {}
    for indicator in registered:
        figure = _figure(
            indicator,
            mine.get((indicator.code, month.first)),
            mine.get((indicator.code, previous.first)),
        )
        groups.setdefault(indicator.group or "其他", []).append(figure)
    chosen = next((i for i in registered if i.code == chosen_code), None) or (
        registered[0] if registered else None
    )
    computed = max((f.computed_at for f in mine.values()), default=None)
    result = OrgFigures(
        org=org, month=month, groups=list(groups.items()), chosen=chosen, computed_at=computed
    )
    if chosen is None:
        return result
    children = list(
        Org.objects.filter(parent=org).exclude(kind=OrgKind.GROUP).order_by("sort_order", "path")
    )
    theirs = {(f.org_id, f.month): f for f in _facts(children, [month, previous], [chosen.code])}
    rows = [
        ChildFigure(
            child,
            _figure(
                chosen, theirs.get((child.pk, month.first)), theirs.get((child.pk, previous.first))
            ),
        )
        for child in children
    ]
    # Best first; orgs with nothing to show last, in tree order.
    sign = -1 if chosen.higher_is_better else 1
    rows.sort(key=lambda r: (r.figure.value is None, sign * (r.figure.value or 0)))
    result.children = rows
    result.top = max((r.figure.value or 0.0 for r in rows), default=0.0) or 1.0
    return result
