"""The arithmetic of 开机率 and hours (README, "远程教育的计算口径"): local days, five-minute
slots, the slot bitmap of a day, days in service. Pure functions, no database."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

SLOT_MINUTES = 5
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES  # 288
WORD_BITS = 60  # five 60-bit words hold 300 ≥ 288 slots and stay a positive bigint
WORDS = 5
# A beat is accepted up to this far ahead of the server's clock (a box's clock drifts) …
MAX_AHEAD = datetime.timedelta(minutes=5)
# … and up to this late (a box that was offline sends its queue when it is back).
MAX_LATE = datetime.timedelta(days=7)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Slot:
    day: datetime.date
    index: int  # 0 … 287: the five minutes from 00:00, 00:05, … local time

    @property
    def word(self) -> int:
        return self.index // WORD_BITS

    @property
    def bit(self) -> int:
        return 1 << (self.index % WORD_BITS)


def slot_of(moment: datetime.datetime) -> Slot:
    """The local day and five-minute slot of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("slot_of needs an aware datetime")
    local = moment.astimezone(local_zone())
    return Slot(local.date(), (local.hour * 60 + local.minute) // SLOT_MINUTES)


def slots_in(words: Iterable[int]) -> list[int]:
    """The slot indexes set in a day's words (for the day's timeline)."""
    found = []
    for w, word in enumerate(words):
        for b in range(WORD_BITS):
            if word >> b & 1:
                found.append(w * WORD_BITS + b)
    return found


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a month."""
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


def service_days(
    *,
    first: datetime.date,
    last: datetime.date,
    service_start: datetime.date,
    suspensions: Iterable[tuple[datetime.date, datetime.date]],
) -> set[datetime.date]:
    """The days from `first` to `last` (inclusive) on which the site was in service: from
    its service start, less every suspension day."""
    start = max(first, service_start)
    if start > last:
        return set()
    days = {start + datetime.timedelta(days=n) for n in range((last - start).days + 1)}
    for s_from, s_to in suspensions:
        lo, hi = max(s_from, start), min(s_to, last)
        for n in range((hi - lo).days + 1):
            days.discard(lo + datetime.timedelta(days=n))
    return days


def service_day_count(
    *,
    first: datetime.date,
    last: datetime.date,
    service_start: datetime.date,
    suspensions: Iterable[tuple[datetime.date, datetime.date]],
) -> int:
    """len(service_days(...)) by arithmetic (suspensions of a site never overlap: the
    service refuses overlapping ones), for bulletins of many sites."""
    start = max(first, service_start)
    if start > last:
        return 0
    days = (last - start).days + 1
    for s_from, s_to in suspensions:
        lo, hi = max(s_from, start), min(s_to, last)
        if hi >= lo:
            days -= (hi - lo).days + 1
    return days


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A share in percent with one decimal (None when nothing was owed)."""
    if denominator <= 0:
        return None
    value = Decimal(numerator * 100) / Decimal(denominator)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def hours(slots: int) -> Decimal:
    """Operating hours of a number of five-minute slots, one decimal."""
    return (Decimal(slots * SLOT_MINUTES) / Decimal(60)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
