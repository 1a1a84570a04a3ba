"""The indicator registry: each app says what it can measure about an org in a month.

An app registers its indicators in its `AppConfig.ready()`:

    indicators.register(Indicator(
        code="lessons.participation", name="参学率", unit="%", app="lessons",
        compute=participation_readings, ratio=True, target=90,
        description="本月看完至少一部微党课的党员 ÷ 党员人数",
    ))

`compute(month)` returns readings for the orgs where the records live (a branch's meetings,
a branch's members): a numerator and, for a ratio, a denominator. The assessment app stores
them in its fact table and rolls them up the tree by adding numerators and denominators over
each subtree, so a town's 参学率 is its members' share, never an average of branch averages.
Apps below assessment never import it; assessment and the dashboards never read another
app's tables: this registry is the only door between them.
"""

from __future__ import annotations

import calendar
import contextvars
import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils import timezone

CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in local time (Asia/Shanghai): the period of every indicator."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-05` → Month(2026, 5); ValueError with a Chinese message otherwise."""
        match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
        if (
            not match
            or not 1 <= int(match.group(2)) <= 12
            or not 2000 <= int(match.group(1)) <= 2100
        ):
            raise ValueError(f"月份应写作 YYYY-MM，例如 2026-05（收到“{text}”）")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: datetime.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last(self) -> datetime.date:
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> int:
        return self.last.day

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) of the month as aware datetimes in the local zone."""
        zone = timezone.get_default_timezone()
        start = datetime.datetime.combine(self.first, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(self.next().first, datetime.time.min, tzinfo=zone)
        return start, end

    def until(self, today: datetime.date) -> datetime.date:
        """The last day of the month that has happened: a month in progress counts up to
        today, so its figures say "so far" rather than owing what is not yet due."""
        return min(self.last, today)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Reading:
    """What one org's own records give for an indicator in a month."""

    org_id: int
    numerator: float
    denominator: float = 1.0


@dataclass(frozen=True)
class Listed:
    """One record behind a figure, as a line under it: what, a note, its page."""

    title: str
    note: str
    url: str


@dataclass(frozen=True)
class Indicator:
    """Something measured for every org and month, and how to read it."""

    code: str
    name: str
    unit: str
    app: str
    compute: Callable[[Month], Iterable[Reading]]
    description: str  # 计算口径, shown under the figure
    ratio: bool = False  # value = scale × numerator ÷ denominator, else the numerator
    scale: float = 100  # 100 for a share in %, 1 for a per-head average (人均积分)
    higher_is_better: bool = True
    target: float | None = None
    group: str = ""  # heading on a dashboard (三会一课, 学习, 远程教育 …)
    # The page listing the records behind a figure for an org (an orgs.Org) and a month:
    # where a dashboard's drill-down ends (a branch's meetings, its lectures); None where
    # the app has no such page for that org.
    records: Callable[[Any, Month], str | None] | None = None
    # For a figure that counts a few things to be put right (逾期未整改事项), the things
    # themselves for an org and a month, listed under the figure on an assessment sheet.
    listed: Callable[[Any, Month], list[Listed]] | None = None
    # Where it stands among the others on a dashboard: registration order (the order of
    # INSTALLED_APPS) within the same rank; a low app's secondary figure (people's 活跃率)
    # takes a higher rank so the first figures stay the work's own (参学率 first).
    rank: int = 0

    def value(self, numerator: float, denominator: float) -> float | None:
        """The figure shown for a (rolled-up) reading; None when a ratio has nothing to
        divide by (a branch with no members owes no 参学率)."""
        if not self.ratio:
            return numerator
        return round(self.scale * numerator / denominator, 1) if denominator else None

    def meets(self, value: float | None) -> bool | None:
        if value is None or self.target is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target


_REGISTRY: dict[str, Indicator] = {}

T = TypeVar("T")

# --- Reads shared within one recompute -----------------------------------------------------
# Several indicators of a month start from the same read (the month's members and the branch
# each counts at; every site's bulletin figures). While a recompute runs they make it once:
# `shared` keeps it for the run and forgets it after, so no figure outlives its recompute.
_RUN: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "indicators_run", default=None
)


@contextmanager
def computing() -> Iterator[None]:
    """A recompute: reads made through `shared` inside it are made once."""
    token = _RUN.set({})
    try:
        yield
    finally:
        _RUN.reset(token)


def shared(key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """`make()`, made once per recompute for `key` (every time outside one). Callers must
    not change what it returns."""
    memo = _RUN.get()
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]  # type: ignore[no-any-return]


def register(indicator: Indicator) -> Indicator:
    if not CODE.match(indicator.code):
        raise ValueError(f"indicator code {indicator.code!r}: app.name in lower case")
    known = _REGISTRY.get(indicator.code)
    if known is not None and known.app != indicator.app:
        raise ValueError(f"indicator {indicator.code!r} is already {known.app}'s")
    _REGISTRY[indicator.code] = indicator
    return indicator


def get(code: str) -> Indicator:
    return _REGISTRY[code]


def codes() -> set[str]:
    return set(_REGISTRY)


def registered() -> list[Indicator]:
    """By rank, then in registration order (the order of INSTALLED_APPS): the order
    dashboards show."""
    return sorted(_REGISTRY.values(), key=lambda i: i.rank)


def unregister(code: str) -> None:
    """For tests that register an indicator of their own."""
    _REGISTRY.pop(code, None)


# --- Participation credited from elsewhere ----------------------------------------------
# A member can take part where no app's own tables see it: a 流动党员 attends the meetings
# and study of the org at the place they work, which records it (the mobility app). An app
# that records such taking part registers who took part in a month, by kind; the indicators
# that count members taking part (参学率, 组织生活参加率) add those members to their own, once
# each, at the branch the member belonged to in the month (their home branch).

CREDIT_KINDS = frozenset({"study", "meeting"})


@dataclass(frozen=True)
class Credit:
    kind: str  # "study" or "meeting"
    app: str
    members: Callable[[Month], Iterable[int]]  # Member ids who took part in the month


_CREDITS: dict[tuple[str, str], Credit] = {}


def register_credit(credit: Credit) -> Credit:
    if credit.kind not in CREDIT_KINDS:
        raise ValueError(f"credit kind {credit.kind!r}: one of {sorted(CREDIT_KINDS)}")
    _CREDITS[(credit.kind, credit.app)] = credit
    return credit


def credited_members(kind: str, month: Month) -> set[int]:
    """Member ids who took part (`kind`) in the month where only another app recorded it."""
    found: set[int] = set()
    for (k, _app), credit in _CREDITS.items():
        if k == kind:
            found.update(credit.members(month))
    return found


def unregister_credit(kind: str, app: str) -> None:
    _CREDITS.pop((kind, app), None)


# --- Live counters ---------------------------------------------------------------------
# What is happening now, for a county hall's big screen: people watching, sites on air.
# Unlike indicators they are counted on request (cheaply: one indexed query each) for an
# org's subtree: `count` gets the org (an orgs.Org) and answers for everything below it.


@dataclass(frozen=True)
class Counter:
    code: str
    name: str
    unit: str
    app: str
    count: Callable[[Any], int]  # org → how many now, in its subtree
    description: str = ""


_COUNTERS: dict[str, Counter] = {}


def register_counter(counter: Counter) -> Counter:
    if not CODE.match(counter.code):
        raise ValueError(f"counter code {counter.code!r}: app.name in lower case")
    _COUNTERS[counter.code] = counter
    return counter


def counters() -> list[Counter]:
    return list(_COUNTERS.values())


def unregister_counter(code: str) -> None:
    _COUNTERS.pop(code, None)
