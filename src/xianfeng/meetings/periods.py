"""Periods of the 三会一课 rules: months, quarters, halves and years of the local calendar.

A meeting belongs to the period of its local start date (Asia/Shanghai by default), so a
meeting at 00:30 on 1 April counts for the second quarter even though it is still 31 March
in UTC. Each period is also a bit mask over the twelve months of its year, which lets
the compliance overview aggregate a year of meetings into one integer per branch and kind.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from functools import lru_cache

from xianfeng.meetings.enums import MONTHS_PER_PERIOD, Period

QUARTER_LABELS = ("第一季度", "第二季度", "第三季度", "第四季度")


@dataclass(frozen=True)
class Span:
    """One period of one year, e.g. the first quarter of 2026."""

    period: str
    year: int
    first_month: int
    months: int

    @property
    def last_month(self) -> int:
        return self.first_month + self.months - 1

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.first_month, 1)

    @property
    def end(self) -> datetime.date:
        """The last day of the period."""
        last = self.last_month
        return datetime.date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def mask(self) -> int:
        return ((1 << self.months) - 1) << (self.first_month - 1)

    @property
    def key(self) -> str:
        if self.period == Period.MONTH:
            return f"{self.year}-{self.first_month:02d}"
        if self.period == Period.QUARTER:
            return f"{self.year}-Q{(self.first_month + 2) // 3}"
        if self.period == Period.HALF:
            return f"{self.year}-H{1 if self.first_month == 1 else 2}"
        return f"{self.year}"

    @property
    def label(self) -> str:
        if self.period == Period.MONTH:
            return f"{self.first_month}月"
        if self.period == Period.QUARTER:
            return QUARTER_LABELS[(self.first_month - 1) // 3]
        if self.period == Period.HALF:
            return "上半年" if self.first_month == 1 else "下半年"
        return "全年"

    @property
    def full_label(self) -> str:
        return f"{self.year}年{self.label}"

    @property
    def creation_cutoff(self) -> datetime.date:
        """The latest founding date for which the period is still required: a branch must
        have existed for at least half of the period's days."""
        return self.end - datetime.timedelta(days=(self.days + 1) // 2 - 1)

    def required_for(self, created_on: datetime.date) -> bool:
        return created_on <= self.creation_cutoff

    @property
    def dissolution_cutoff(self) -> datetime.date:
        """The earliest 撤销日期 for which the period is still required: the branch existed
        for at least half of the period's days (the mirror of creation_cutoff)."""
        return self.start + datetime.timedelta(days=(self.days + 1) // 2)

    def required_while(self, created_on: datetime.date, dissolved_on: datetime.date | None) -> bool:
        """Owed by a branch that existed from `created_on` until `dissolved_on`."""
        return created_on <= self.creation_cutoff and (
            dissolved_on is None or dissolved_on >= self.dissolution_cutoff
        )

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


@lru_cache(maxsize=256)
def spans(period: str, year: int) -> tuple[Span, ...]:
    """The periods of a year for a frequency rule; none for Period.NONE."""
    months = MONTHS_PER_PERIOD.get(Period(period))
    if months is None:
        return ()
    return tuple(Span(period, year, first, months) for first in range(1, 13, months))


def span_of(period: str, day: datetime.date) -> Span | None:
    """The period of `period` that contains `day`."""
    for span in spans(period, day.year):
        if span.contains(day):
            return span
    return None


def month_bit(month: int) -> int:
    return 1 << (month - 1)


def local_date(moment: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(moment).date()
