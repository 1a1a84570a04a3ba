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


def month_score(lines: list[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """A self-check's score on a 100-point scale from (points, score) per item: items not
    scored (an indicator with nothing to measure) leave their points out of the total, so a
    branch is not marked down for what it does not have. None when nothing is scored."""
    possible = sum((points for points, score in lines if score is not None), Decimal(0))
    if not possible:
        return None
    got = sum((score for _, score in lines if score is not None), Decimal(0))
    return (got * 100 / possible).quantize(TENTH, rounding=ROUND_HALF_UP)


def period_score(scores: list[Decimal | None], periods: int) -> Decimal:
    """A quarter's (or year's) score: the mean over all `periods` months (or quarters); a
    month without a self-check, or one not scored, counts 0 (未按时自查)."""
    got = sum((s for s in scores if s is not None), Decimal(0))
    return (got / periods).quantize(TENTH, rounding=ROUND_HALF_UP) if periods else Decimal(0)


def parse_bands(text: str) -> list[tuple[str, Decimal]]:
    """ "五星:95,四星:85,…" → [("五星", 95), …] best first; ValueError in Chinese."""
    bands: list[tuple[str, Decimal]] = []
    for part in text.replace("，", ",").replace("：", ":").split(","):
        if not part.strip():
            continue
        label, sep, lowest = part.partition(":")
        label = label.strip()
        try:
            bound = Decimal(lowest.strip())
        except ArithmeticError:
            bound = Decimal(-1)
        if not sep or not label or len(label) > 8 or not 0 <= bound <= 100:
            raise ValueError(f"等次“{part.strip()}”应写作“等次名:最低分”，如“五星:95”")
        bands.append((label, bound))
    if len(bands) < 2:
        raise ValueError("至少要划分两个等次")
    bands.sort(key=lambda b: b[1], reverse=True)
    if len({b[1] for b in bands}) != len(bands) or len({b[0] for b in bands}) != len(bands):
        raise ValueError("各等次的名称和最低分不能重复")
    if bands[-1][1] != 0:
        raise ValueError("最低一个等次的最低分应为 0，使每个分数都有等次")
    return bands


def grade_of(score: Decimal, bands: list[tuple[str, Decimal]]) -> str:
    """The first band (best first) whose lowest score `score` reaches."""
    for label, lowest in bands:
        if score >= lowest:
            return label
    return bands[-1][0]


def is_benchmark(
    *, score: Decimal, quarters: list[Decimal], benchmark_min: Decimal, standard_min: Decimal
) -> bool:
    """标杆支部: the year's score at the benchmark line and every quarter up to standard."""
    return (
        score >= benchmark_min and len(quarters) == 4 and all(q >= standard_min for q in quarters)
    )
