"""党费 arithmetic on fixtures: the national brackets at and around every boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.dues.calc import (
    DEFAULT_BRACKETS,
    DEFAULT_FIXED,
    brackets_text,
    describe,
    monthly_amount,
    parse_brackets,
    standing,
)
from xianfeng.dues.enums import DuesCategory

D = Decimal


def amount(category: str, income: str | None) -> tuple[Decimal | None, Decimal]:
    a = monthly_amount(
        brackets=DEFAULT_BRACKETS,
        fixed=DEFAULT_FIXED,
        category=category,
        base_income=None if income is None else D(income),
    )
    return a.rate, a.monthly


@pytest.mark.parametrize(
    ("income", "rate", "monthly"),
    [
        ("0", "0.5", "0.00"),
        ("2999.99", "0.5", "15.00"),
        ("3000", "0.5", "15.00"),  # exactly 3000: still the 0.5 % bracket
        ("3000.01", "1", "30.00"),
        ("4500", "1", "45.00"),
        ("5000", "1", "50.00"),  # exactly 5000: 1 %
        ("5000.01", "1.5", "75.00"),
        ("10000", "1.5", "150.00"),  # exactly 10000: 1.5 %
        ("10000.01", "2", "200.00"),
        ("12345.67", "2", "246.91"),
    ],
)
def test_in_work_brackets(income, rate, monthly):
    assert amount(DuesCategory.IN_WORK, income) == (D(rate), D(monthly))


@pytest.mark.parametrize(
    ("income", "rate", "monthly"),
    [("3000", "0.5", "15.00"), ("5000", "0.5", "25.00"), ("5000.01", "1", "50.00"),
     ("8000", "1", "80.00")],
)  # fmt: skip
def test_retired_brackets(income, rate, monthly):
    assert amount(DuesCategory.RETIRED, income) == (D(rate), D(monthly))


@pytest.mark.parametrize(
    "category", [DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.SUBSISTENCE]
)
def test_fixed_categories_pay_the_small_amount_whatever_the_income(category):
    assert amount(category, None) == (None, D("0.20"))
    assert amount(category, "9000") == (None, D("0.20"))


def test_in_work_without_income_is_refused():
    with pytest.raises(Refused) as excinfo:
        amount(DuesCategory.IN_WORK, None)
    assert excinfo.value.message == "请填写月计算基数（税后月收入）"


def test_rounding_is_half_up_to_the_fen():
    # 3333.33 × 1 % = 33.3333 → 33.33; 2001 × 0.5 % = 10.005 → 10.01
    assert amount(DuesCategory.IN_WORK, "3333.33")[1] == D("33.33")
    assert amount(DuesCategory.IN_WORK, "2001")[1] == D("10.01")


def test_parse_brackets_round_trips_the_default():
    text = brackets_text(DEFAULT_BRACKETS[DuesCategory.IN_WORK])
    assert text == "3000 0.5\n5000 1\n10000 1.5\n以上 2"
    assert parse_brackets(text, "在职党员") == [
        ["3000", "0.5"], ["5000", "1"], ["10000", "1.5"], [None, "2"],
    ]  # fmt: skip
    assert describe(DEFAULT_BRACKETS[DuesCategory.IN_WORK]) == (
        "≤3000 元 0.5%，3000–5000 元 1%，5000–10000 元 1.5%，10000 元以上 2%"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写在职党员的比例"),
        ("3000 0.5\n5000 1", "在职党员最后一行应为“以上 比例”（收入超过最高一档的部分）"),
        ("5000 1\n3000 0.5\n以上 2", "在职党员的上限应从小到大排列（第 2 行）"),
        ("3000 120\n以上 2", "在职党员第 1 行的比例不能超过 100%"),
        ("以上 2\n3000 1", "在职党员只有最后一行可以写“以上”"),
        ("3000\n以上 2", "在职党员第 1 行应写作“上限 比例”，如“3000 0.5”或“以上 2”"),
        ("三千 0.5\n以上 2", "上限“三千”不是数字"),
    ],
)
def test_parse_brackets_refuses_bad_tables(text, message):
    with pytest.raises(Refused) as excinfo:
        parse_brackets(text, "在职党员")
    assert excinfo.value.message == message


def test_standing_counts_unpaid_months_and_the_run_up_to_the_end():
    amounts = {2025: D("15.00")}
    paid = [Month(2025, m) for m in (1, 2, 3, 4, 5, 6)]
    s = standing(amounts=amounts, paid=paid, joined_on=None, left_on=None, until=Month(2025, 12))
    assert [str(m) for m in s.unpaid] == [f"2025-{m:02d}" for m in range(7, 13)]
    assert (s.behind, s.flagged, s.unpaid_amount) == (6, True, D("90.00"))
    s = standing(amounts=amounts, paid=paid, joined_on=None, left_on=None, until=Month(2025, 11))
    assert (s.behind, s.flagged) == (5, False)
    # A paid month breaks the run; the earlier months are still owed.
    s = standing(
        amounts=amounts, paid=[*paid, Month(2025, 12)], joined_on=None, left_on=None,
        until=Month(2025, 12),
    )  # fmt: skip
    assert (len(s.unpaid), s.behind, s.flagged) == (5, 0, False)


def test_standing_owes_nothing_before_joining_or_after_leaving():
    import datetime

    s = standing(
        amounts={2025: D("1.00")}, paid=[], joined_on=datetime.date(2025, 9, 10),
        left_on=datetime.date(2025, 11, 15), until=Month(2025, 12),
    )  # fmt: skip
    # September (joined in it) and October owed; November (left in it) and December not.
    assert [str(m) for m in s.owed] == ["2025-09", "2025-10"]
    assert s.behind == 0  # the run ends with the months not owed
