"""The 党费 arithmetic, free of the database: brackets, the monthly amount, who is behind.

The national rule (中组部 2008): in-work members pay on their monthly income after tax —
≤ 3000 元 0.5 %, 3000–5000 元 1 %, 5000–10000 元 1.5 %, above 10000 元 2 %; retirees ≤ 5000 元
0.5 %, above 1 %; students, the unemployed and those on subsistence allowance 0.2 元 a
month. An income equal to a bracket's upper bound pays that bracket's rate, and the whole
income pays one rate (not progressive)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.dues.enums import BEHIND_MONTHS, BRACKET_CATEGORIES, FIXED_CATEGORIES, DuesCategory

CENT = Decimal("0.01")

# category → [[upper 元 or None, rate %], …]; JSON keeps the numbers as text (exact).
DEFAULT_BRACKETS: dict[str, list[list[str | None]]] = {
    DuesCategory.IN_WORK: [["3000", "0.5"], ["5000", "1"], ["10000", "1.5"], [None, "2"]],
    DuesCategory.RETIRED: [["5000", "0.5"], [None, "1"]],
}
DEFAULT_FIXED: dict[str, str] = {c.value: "0.2" for c in FIXED_CATEGORIES}


def rate_for(brackets: Sequence[Sequence[str | None]], income: Decimal) -> Decimal:
    """The rate (%) of the first bracket whose upper bound the income does not exceed."""
    for upper, rate in brackets:
        if upper is None or income <= Decimal(upper):
            return Decimal(str(rate))
    raise Refused("党费标准的最后一档应为“以上”（不设上限）")


@dataclass(frozen=True)
class Amount:
    rate: Decimal | None  # None for a fixed amount
    monthly: Decimal


def monthly_amount(
    *,
    brackets: Mapping[str, Sequence[Sequence[str | None]]],
    fixed: Mapping[str, str],
    category: str,
    base_income: Decimal | None,
) -> Amount:
    """What a member of `category` with `base_income` (元 a month) pays a month, to the fen."""
    if category in BRACKET_CATEGORIES:
        if base_income is None:
            raise Refused("请填写月计算基数（税后月收入）", field="base_income")
        if base_income < 0:
            raise Refused("计算基数不能为负数", field="base_income")
        table = brackets.get(category)
        if not table:
            raise Refused(f"党费标准中没有“{DuesCategory(category).label}”党员的比例")
        rate = rate_for(table, base_income)
        return Amount(rate, (base_income * rate / 100).quantize(CENT, ROUND_HALF_UP))
    if category in FIXED_CATEGORIES:
        if category not in fixed:
            raise Refused(f"党费标准中没有“{DuesCategory(category).label}”党员的固定金额")
        return Amount(None, Decimal(str(fixed[category])).quantize(CENT, ROUND_HALF_UP))
    raise Refused("请选择党员类别", field="category")


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise Refused(f"{what}“{text}”不是数字") from None
    if not value.is_finite() or value < 0:
        raise Refused(f"{what}“{text}”应为不小于 0 的数")
    return value


def parse_brackets(text: str, label: str) -> list[list[str | None]]:
    """Lines "3000 0.5" … "以上 2" (upper bound 元, rate %) → the JSON form, checked:
    bounds rising, rates within 0–100, the last line without a bound."""
    rows: list[list[str | None]] = []
    last_upper = Decimal(-1)
    lines = [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
    if not lines:
        raise Refused(f"请填写{label}的比例")
    for i, line in enumerate(lines):
        parts = line.replace("，", " ").replace(",", " ").replace("%", " ").split()
        if len(parts) != 2:
            raise Refused(f"{label}第 {i + 1} 行应写作“上限 比例”，如“3000 0.5”或“以上 2”")
        upper_text, rate_text = parts
        rate = _decimal(rate_text, "比例")
        if rate > 100:
            raise Refused(f"{label}第 {i + 1} 行的比例不能超过 100%")
        if upper_text in ("以上", "-", "—", "不限"):
            if i != len(lines) - 1:
                raise Refused(f"{label}只有最后一行可以写“以上”")
            rows.append([None, str(rate)])
            continue
        upper = _decimal(upper_text, "上限")
        if upper <= last_upper:
            raise Refused(f"{label}的上限应从小到大排列（第 {i + 1} 行）")
        last_upper = upper
        rows.append([str(upper), str(rate)])
    if rows[-1][0] is not None:
        raise Refused(f"{label}最后一行应为“以上 比例”（收入超过最高一档的部分）")
    return rows


def brackets_text(rows: Sequence[Sequence[str | None]]) -> str:
    return "\n".join(f"{'以上' if upper is None else upper} {rate}" for upper, rate in rows)


def describe(rows: Sequence[Sequence[str | None]]) -> str:
    """ "≤3000 元 0.5%，3000–5000 元 1% … 10000 元以上 2%"."""
    parts, lower = [], None
    for upper, rate in rows:
        if upper is None:
            parts.append(f"{lower} 元以上 {rate}%" if lower else f"{rate}%")
        elif lower is None:
            parts.append(f"≤{upper} 元 {rate}%")
        else:
            parts.append(f"{lower}–{upper} 元 {rate}%")
        lower = upper
    return "，".join(parts)


# --- who owes what ---------------------------------------------------------------------------


@dataclass
class Standing:
    """A member's months owed and paid up to a month (the last that is already due)."""

    owed: list[Month] = field(default_factory=list)
    unpaid: list[Month] = field(default_factory=list)
    unpaid_amount: Decimal = Decimal(0)
    behind: int = 0  # unpaid months in a row ending at `until`

    @property
    def flagged(self) -> bool:
        return self.behind >= BEHIND_MONTHS


def owes_in(
    month: Month,
    *,
    amounts: Mapping[int, Decimal],
    joined_on: datetime.date | None,
    left_on: datetime.date | None,
) -> bool:
    """A month is owed when the year is assessed (核定) and the member is on the roll at
    its end: joined by then, and not left (去世, 停止党籍 …) within it — from the day they
    leave, nothing more is owed."""
    if month.year not in amounts:
        return False
    if joined_on is not None and joined_on > month.last:
        return False
    return left_on is None or left_on > month.last


def standing(
    *,
    amounts: Mapping[int, Decimal],
    paid: Iterable[Month],
    joined_on: datetime.date | None,
    left_on: datetime.date | None,
    until: Month,
) -> Standing:
    """Months owed since the first assessed year up to `until`, which are unpaid, how much
    they come to, and how many of them run up to `until` without a break."""
    result = Standing()
    if not amounts:
        return result
    paid_set = set(paid)
    month = Month(min(amounts), 1)
    while month <= until:
        if owes_in(month, amounts=amounts, joined_on=joined_on, left_on=left_on):
            result.owed.append(month)
            if month in paid_set:
                result.behind = 0
            else:
                result.unpaid.append(month)
                result.unpaid_amount += amounts[month.year]
                result.behind += 1
        else:
            result.behind = 0
        month = month.next()
    return result
