"""Contest arithmetic: a review's weighted total, a round's aggregation, public votes and
the ranking with its tie-breaks. Plain data in, plain data out; Decimal throughout so hand
-computed examples match to the digit.

- A review's total is on a 100-point scale: Σ(score / max × weight) over the counted
  criteria, divided by the sum of their weights. An independent criterion (counted=False)
  is shown to judges and entrants but adds nothing.
- An entry's judge score aggregates its non-abstaining reviews: the mean, the median, or
  the trimmed mean, which drops one highest and one lowest total when there are at least
  TRIM_MIN_JUDGES reviews (with fewer it is the plain mean).
- With a public-vote share v %, the final score is (100 − v) % of the judge score plus
  v % of the vote score, the vote score being 100 × votes / the most votes any entry in
  the round received.
- Ties are broken, in order, by: the judge score (without votes), the mean of the counted
  criterion with the highest weight, the number of reviews, the earlier entry, the lower
  entry code. So every entry has its own rank and the order never depends on chance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any

from xianfeng.contests.enums import TRIM_MIN_JUDGES, Aggregation

HUNDRED = Decimal(100)
PLACES = Decimal("0.001")


def q(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    weight: Decimal
    max_score: int
    counted: bool = True
    required: bool = True


def _number(raw: Any) -> Decimal:
    return Decimal(raw) if isinstance(raw, str | int) else Decimal(str(raw))


def totaller(criteria: Sequence[CriterionSpec]) -> Callable[[Mapping[str, Any]], Decimal | None]:
    """A function computing a review's total for this rubric, with the per-criterion
    factors (weight / max score, scaled to 100) worked out once, not per review."""
    counted = [c for c in criteria if c.counted and c.weight > 0]
    weights = sum((c.weight for c in counted), Decimal(0))
    if not counted or weights == 0:
        return lambda scores: None
    scale = HUNDRED / weights
    factors = [(str(c.id), c.weight / Decimal(c.max_score) * scale) for c in counted]

    def total(scores: Mapping[str, Any]) -> Decimal | None:
        value = Decimal(0)
        for key, factor in factors:
            raw = scores.get(key)
            if raw is None:
                return None
            value += _number(raw) * factor
        return q(value)

    return total


def review_total(scores: Mapping[str, Any], criteria: Sequence[CriterionSpec]) -> Decimal | None:
    """The weighted total of one review (None when a counted criterion has no score)."""
    return totaller(criteria)(scores)


def aggregate(totals: Sequence[Decimal], method: str) -> Decimal | None:
    """One entry's judge score from its reviews' totals."""
    values = sorted(totals)
    if not values:
        return None
    if method == Aggregation.MEDIAN:
        return q(Decimal(median(values)))
    if method == Aggregation.TRIMMED and len(values) >= TRIM_MIN_JUDGES:
        values = values[1:-1]
    return q(sum(values, Decimal(0)) / len(values))


def vote_scores(votes: Mapping[int, int]) -> dict[int, Decimal]:
    """Each entry's vote score: 100 for the most-voted entry, in proportion for the rest."""
    most = max(votes.values(), default=0)
    if most <= 0:
        return {entry: Decimal(0) for entry in votes}
    return {entry: q(Decimal(n) * HUNDRED / most) for entry, n in votes.items()}


@dataclass
class EntryScore:
    entry_id: int
    code: str
    created_order: int  # smaller is earlier
    judge_score: Decimal | None = None
    vote_score: Decimal = Decimal(0)
    final: Decimal | None = None
    top_criterion: Decimal | None = None
    reviews: int = 0
    abstentions: int = 0
    rank: int = 0
    totals: list[Decimal] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewRow:
    entry_id: int
    scores: Mapping[str, Any]
    abstained: bool


def rank_entries(
    entries: Iterable[tuple[int, str, int]],
    reviews: Iterable[ReviewRow],
    criteria: Sequence[CriterionSpec],
    *,
    method: str,
    vote_share: int = 0,
    votes: Mapping[int, int] | None = None,
) -> list[EntryScore]:
    """Rank a round's entries. `entries` are (id, code, order of entry) triples."""
    by_id = {
        eid: EntryScore(entry_id=eid, code=code, created_order=order)
        for eid, code, order in entries
    }
    counted = [c for c in criteria if c.counted and c.weight > 0]
    top = max(counted, key=lambda c: (c.weight, -c.id), default=None)
    top_sums: dict[int, list[Decimal]] = {}
    total_of = totaller(criteria)
    top_key = str(top.id) if top is not None else ""
    top_factor = HUNDRED / Decimal(top.max_score) if top is not None else Decimal(0)
    for row in reviews:
        score = by_id.get(row.entry_id)
        if score is None:
            continue
        if row.abstained:
            score.abstentions += 1
            continue
        total = total_of(row.scores)
        if total is None:
            continue
        score.totals.append(total)
        raw_top = row.scores.get(top_key) if top_key else None
        if raw_top is not None:
            top_sums.setdefault(row.entry_id, []).append(_number(raw_top) * top_factor)
    share = Decimal(vote_share) / HUNDRED
    vote_map = vote_scores({eid: (votes or {}).get(eid, 0) for eid in by_id}) if vote_share else {}
    for score in by_id.values():
        score.reviews = len(score.totals)
        score.judge_score = aggregate(score.totals, method)
        tops = top_sums.get(score.entry_id)
        score.top_criterion = q(sum(tops, Decimal(0)) / len(tops)) if tops else None
        score.vote_score = vote_map.get(score.entry_id, Decimal(0))
        if score.judge_score is not None or vote_share:
            judged = score.judge_score or Decimal(0)
            score.final = q(judged * (1 - share) + score.vote_score * share)
    low = Decimal("-1")
    ordered = sorted(
        by_id.values(),
        key=lambda s: (
            -(s.final if s.final is not None else low),
            -(s.judge_score if s.judge_score is not None else low),
            -(s.top_criterion if s.top_criterion is not None else low),
            -s.reviews,
            s.created_order,
            s.code,
        ),
    )
    for index, score in enumerate(ordered, start=1):
        score.rank = index
    return ordered


TIE_BREAK_RULES = [
    "总分（评委分与群众投票按比例合计）高者在前",
    "总分相同：评委分（不含投票）高者在前",
    "仍相同：权重最高的评分项平均分高者在前",
    "仍相同：有效评审份数多者在前",
    "仍相同：报名早者在前",
]
