"""Periods of the rules: keys, bounds, month masks, and who owes a period by founding date."""

from __future__ import annotations

import datetime

from xianfeng.meetings.enums import Period
from xianfeng.meetings.periods import span_of, spans


def test_spans_of_a_year():
    assert [s.key for s in spans(Period.QUARTER, 2026)] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert [s.label for s in spans(Period.HALF, 2026)] == ["上半年", "下半年"]
    assert len(spans(Period.MONTH, 2026)) == 12
    assert spans(Period.NONE, 2026) == ()
    (year,) = spans(Period.YEAR, 2026)
    assert (year.start, year.end, year.days, year.mask) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
        365,
        0b111111111111,
    )


def test_quarter_bounds_and_masks():
    q1, q2, q3, q4 = spans(Period.QUARTER, 2024)
    assert (q1.start, q1.end, q1.days) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 3, 31),
        91,
    )
    assert (q2.mask, q4.mask) == (0b000000111000, 0b111000000000)
    assert q3.last_month == 9
    feb = spans(Period.MONTH, 2024)[1]
    assert (feb.end, feb.days, feb.mask) == (datetime.date(2024, 2, 29), 29, 0b10)


def test_span_of_a_day():
    assert span_of(Period.QUARTER, datetime.date(2026, 3, 31)).key == "2026-Q1"
    assert span_of(Period.QUARTER, datetime.date(2026, 4, 1)).key == "2026-Q2"
    assert span_of(Period.HALF, datetime.date(2026, 7, 1)).key == "2026-H2"
    assert span_of(Period.MONTH, datetime.date(2026, 12, 31)).key == "2026-12"


def test_a_period_is_owed_when_the_branch_existed_for_half_of_it():
    may = spans(Period.MONTH, 2026)[4]  # 31 days: founded by the 16th
    assert may.creation_cutoff == datetime.date(2026, 5, 16)
    assert may.required_for(datetime.date(2026, 5, 16))
    assert not may.required_for(datetime.date(2026, 5, 17))
    q2 = spans(Period.QUARTER, 2026)[1]  # 91 days: 46 of them needed
    assert q2.creation_cutoff == datetime.date(2026, 5, 16)
    assert q2.required_for(datetime.date(2026, 5, 10))
    q4 = spans(Period.QUARTER, 2026)[3]
    assert q4.required_for(datetime.date(2026, 10, 20))
    assert not spans(Period.MONTH, 2026)[9].required_for(datetime.date(2026, 10, 20))
    (year,) = spans(Period.YEAR, 2026)
    assert year.required_for(datetime.date(2026, 7, 2))
    assert not year.required_for(datetime.date(2026, 7, 3))
