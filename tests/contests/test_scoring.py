"""The contest arithmetic against hand-computed examples."""

from __future__ import annotations

from decimal import Decimal as D

from xianfeng.contests.enums import Aggregation
from xianfeng.contests.scoring import (
    CriterionSpec,
    ReviewRow,
    aggregate,
    rank_entries,
    review_total,
    vote_scores,
)

# 思想性 40 %, 艺术性 30 %, 观赏性 30 % (out of 100 each), and 创新 shown but not counted.
RUBRIC = [
    CriterionSpec(id=1, weight=D(40), max_score=100),
    CriterionSpec(id=2, weight=D(30), max_score=100),
    CriterionSpec(id=3, weight=D(30), max_score=100),
    CriterionSpec(id=4, weight=D(0), max_score=10, counted=False, required=False),
]


def s(a, b, c, bonus=None):
    scores = {"1": a, "2": b, "3": c}
    if bonus is not None:
        scores["4"] = bonus
    return scores


def test_review_total_is_weighted_and_ignores_the_independent_criterion():
    # 0.90×40 + 0.80×30 + 0.70×30 = 36 + 24 + 21 = 81
    assert review_total(s(90, 80, 70), RUBRIC) == D("81.000")
    assert review_total(s(90, 80, 70, bonus=10), RUBRIC) == D("81.000")


def test_review_total_with_other_maxima():
    rubric = [
        CriterionSpec(id=1, weight=D(60), max_score=10),
        CriterionSpec(id=2, weight=D(40), max_score=5),
    ]
    # 7/10×60 + 4/5×40 = 42 + 32 = 74
    assert review_total({"1": 7, "2": 4}, rubric) == D("74.000")
    assert review_total({"1": 7}, rubric) is None  # a counted criterion missing


def test_mean_median_trimmed_mean():
    totals = [D(81), D(90), D(70), D(85), D(60)]
    assert aggregate(totals, Aggregation.MEAN) == D("77.200")  # 386 / 5
    assert aggregate(totals, Aggregation.MEDIAN) == D("81.000")
    # drop 90 and 60: (81 + 70 + 85) / 3 = 78.666…
    assert aggregate(totals, Aggregation.TRIMMED) == D("78.667")


def test_trimmed_mean_needs_five_judges():
    assert aggregate([D(90), D(60), D(75), D(85)], Aggregation.TRIMMED) == D("77.500")  # plain mean


def test_median_of_an_even_number():
    assert aggregate([D(70), D(80), D(90), D(100)], Aggregation.MEDIAN) == D("85.000")


def test_vote_scores_are_relative_to_the_most_voted():
    assert vote_scores({1: 30, 2: 60, 3: 0}) == {1: D("50.000"), 2: D("100.000"), 3: D("0.000")}
    assert vote_scores({1: 0, 2: 0}) == {1: D(0), 2: D(0)}


def test_ranking_with_abstentions_and_public_votes():
    entries = [(1, "A", 0), (2, "B", 1), (3, "C", 2)]
    reviews = [
        # A: five judges (one abstains) → 81, 90, 70, 85 → mean 81.5
        ReviewRow(1, s(90, 80, 70), False),
        ReviewRow(1, s(100, 90, 75), False),  # 40 + 27 + 22.5 = 89.5
        ReviewRow(1, s(70, 70, 70), False),  # 70
        ReviewRow(1, s(85, 85, 85), False),  # 85
        ReviewRow(1, {}, True),
        # B: 80 and 80 → 80
        ReviewRow(2, s(80, 80, 80), False),
        ReviewRow(2, s(80, 80, 80), False),
        # C: no reviews
    ]
    ranked = rank_entries(
        entries, reviews, RUBRIC, method=Aggregation.MEAN, vote_share=20, votes={1: 30, 2: 60}
    )
    a, b, c = (next(r for r in ranked if r.entry_id == i) for i in (1, 2, 3))
    # A: judge (81 + 89.5 + 70 + 85) / 4 = 81.375; votes 30/60 → 50; 81.375×0.8 + 50×0.2 = 75.1
    assert (a.judge_score, a.vote_score, a.final, a.reviews, a.abstentions) == (
        D("81.375"),
        D("50.000"),
        D("75.100"),
        4,
        1,
    )
    # B: judge 80; votes 100; 64 + 20 = 84
    assert (b.judge_score, b.vote_score, b.final) == (D("80.000"), D("100.000"), D("84.000"))
    # C: no judge score; votes 0 → 0
    assert (c.judge_score, c.final) == (None, D("0.000"))
    assert [r.code for r in ranked] == ["B", "A", "C"]
    assert [r.rank for r in ranked] == [1, 2, 3]


def test_ties_are_broken_by_judge_score_then_top_criterion_then_order():
    entries = [(1, "A", 0), (2, "B", 1), (3, "C", 2), (4, "D", 3)]
    reviews = [
        ReviewRow(1, s(80, 90, 90), False),  # 32 + 27 + 27 = 86; 思想性 80
        ReviewRow(2, s(95, 80, 75), False),  # 38 + 24 + 22.5 = 84.5 → not tied
        ReviewRow(3, s(95, 80, 80), False),  # 38 + 24 + 24 = 86; 思想性 95
        ReviewRow(4, s(80, 90, 90), False),  # 86 again, 思想性 80, entered after A
    ]
    ranked = rank_entries(entries, reviews, RUBRIC, method=Aggregation.MEAN)
    assert [r.code for r in ranked] == ["C", "A", "D", "B"]


def test_changing_weights_changes_the_totals_from_the_same_scores():
    heavier = [
        CriterionSpec(id=1, weight=D(70), max_score=100),
        CriterionSpec(id=2, weight=D(15), max_score=100),
        CriterionSpec(id=3, weight=D(15), max_score=100),
    ]
    # 0.9×70 + 0.8×15 + 0.7×15 = 63 + 12 + 10.5 = 85.5
    assert review_total(s(90, 80, 70), heavier) == D("85.500")
