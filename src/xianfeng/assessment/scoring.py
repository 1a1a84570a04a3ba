"""量化考评 scoring rules, kept apart from the database so they can be read and tested alone."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from xianfeng.assessment.enums import ItemRule

TENTH = Decimal("0.1")


def computed_score(
    *,
    points: Decimal,
    full_at: float,
    zero_at: float,
    value: float | None,
    higher_is_better: bool = True,
) -> Decimal | None:
    """Full marks at `full_at` or better, none at `zero_at` or worse, linear between, to
    one decimal. None when there is no value (nothing to measure: a branch with no members
    owes no 参学率), which leaves the item out of the total rather than scoring it 0."""
    if value is None:
        return None
    if full_at == zero_at:
        share = 1.0 if (value >= full_at if higher_is_better else value <= full_at) else 0.0
    else:
        share = (value - zero_at) / (full_at - zero_at)
    share = min(1.0, max(0.0, share))
    return (points * Decimal(str(share))).quantize(TENTH, rounding=ROUND_HALF_UP)


def deduction_score(*, points: Decimal, per_case: Decimal, cases: int) -> Decimal:
    """扣分项: the item's points less `per_case` for each case, never below zero."""
    return max(Decimal(0), points - per_case * cases).quantize(TENTH)


def validate_item(
    *,
    rule: str,
    points: Decimal,
    indicator: str,
    full_at: float | None,
    zero_at: float | None,
    per_case: Decimal | None,
    known_indicators: set[str],
) -> list[str]:
    """What is wrong with an item as typed, in Chinese; empty when it can be scored."""
    problems = []
    if points <= 0 or points > 100:
        problems.append("分值应在 0 到 100 分之间")
    if rule == ItemRule.COMPUTED:
        if indicator not in known_indicators:
            problems.append("按指标计算的项目要选择一个已登记的指标")
        if full_at is None:
            problems.append("按指标计算的项目要填写满分线")
        elif zero_at is not None and full_at == zero_at:
            problems.append("满分线和零分线不能相同")
    if rule == ItemRule.DEDUCTION and (per_case is None or per_case <= 0):
        problems.append("扣分项要填写每次扣分")
    return problems
