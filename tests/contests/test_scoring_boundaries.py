"""Contest arithmetic on both sides of its boundaries, with totals worked out by hand:
trimming from five judges and not from four, weights, the independent criterion, the
public-vote share, rounding, and each tie-break in the order the ranking page states."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.factories import (
    ContestFactory,
    CriterionFactory,
    ReviewFactory,
    RoundFactory,
    StandingFactory,
    UserFactory,
    VoteFactory,
)
from xianfeng.common.errors import Refused
from xianfeng.contests import services
from xianfeng.contests.enums import TRIM_MIN_JUDGES, Aggregation
from xianfeng.contests.scoring import (
    TIE_BREAK_RULES,
    CriterionSpec,
    ReviewRow,
    aggregate,
    q,
    rank_entries,
    review_total,
    totaller,
    vote_scores,
)
from xianfeng.contests.selectors import round_ranking

# 思想性 40 %, 艺术性 30 %, 观赏性 30 % (out of 100 each); 创新 (out of 10) shown, not counted.
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


# Five judges' reviews of entry A, totals by hand (0.4a + 0.3b + 0.3c):
A_REVIEWS = [
    s(90, 80, 70),  # 36 + 24 + 21 = 81
    s(100, 100, 100),  # 100 (the highest)
    s(60, 50, 40),  # 24 + 15 + 12 = 51 (the lowest)
    s(80, 90, 90),  # 32 + 27 + 27 = 86
    s(70, 80, 90),  # 28 + 24 + 27 = 79
]
A_TOTALS = [D(81), D(100), D(51), D(86), D(79)]


def test_review_total_by_hand():
    assert [review_total(r, RUBRIC) for r in A_REVIEWS] == [q(t) for t in A_TOTALS]


def test_trim_needs_five_judges():
    assert TRIM_MIN_JUDGES == 5
    # Five: drop 100 and 51 → (81 + 86 + 79) / 3 = 246 / 3 = 82
    assert aggregate(A_TOTALS, Aggregation.TRIMMED) == D("82.000")
    # Four (without 81): no trimming → (100 + 51 + 86 + 79) / 4 = 316 / 4 = 79
    four = [D(100), D(51), D(86), D(79)]
    assert aggregate(four, Aggregation.TRIMMED) == D("79.000")
    # Three and one: the plain mean too.
    assert aggregate([D(100), D(51), D(86)], Aggregation.TRIMMED) == D("79.000")
    assert aggregate([D(51)], Aggregation.TRIMMED) == D("51.000")


def test_trimmed_mean_of_six_drops_only_one_each_side():
    # 100, 86, 81, 79, 51, 40 → drop 100 and 40: (86 + 81 + 79 + 51) / 4 = 297 / 4 = 74.25
    assert aggregate([*A_TOTALS, D(40)], Aggregation.TRIMMED) == D("74.250")


def test_mean_and_median_of_five():
    assert aggregate(A_TOTALS, Aggregation.MEAN) == D("79.400")  # 397 / 5
    assert aggregate(A_TOTALS, Aggregation.MEDIAN) == D("81.000")  # 51 79 [81] 86 100


def test_aggregate_of_nothing_is_none():
    for method in Aggregation.values:
        assert aggregate([], method) is None


def test_independent_criterion_adds_nothing_and_a_missing_one_is_fine():
    assert review_total(s(90, 80, 70, bonus=10), RUBRIC) == D("81.000")
    assert review_total(s(90, 80, 70, bonus=0), RUBRIC) == D("81.000")
    assert review_total({"1": 90, "2": 80}, RUBRIC) is None  # a counted one missing


def test_review_total_scales_weights_that_do_not_sum_to_100():
    # Stored weights are checked to sum to 100, but the arithmetic divides by their sum:
    # 20 and 30 → 2/5 and 3/5. 8/10 × 40 + 6/10 × 60 = 32 + 36 = 68
    rubric = [CriterionSpec(1, D(20), 10), CriterionSpec(2, D(30), 10)]
    assert review_total({"1": 8, "2": 6}, rubric) == D("68.000")


def test_review_total_without_counted_criteria_is_none():
    only_bonus = [CriterionSpec(4, D(0), 10, counted=False)]
    assert review_total({"4": 10}, only_bonus) is None
    zero_weight = [CriterionSpec(1, D(0), 100)]
    assert totaller(zero_weight)({"1": 50}) is None


def test_review_total_rounds_half_up_to_three_places():
    # One criterion of weight 100 out of 3: 2/3 → 66.6666… → 66.667; 1/3 → 33.333
    thirds = [CriterionSpec(1, D(100), 3)]
    assert review_total({"1": 2}, thirds) == D("66.667")
    assert review_total({"1": 1}, thirds) == D("33.333")
    assert review_total({"1": "1.5"}, thirds) == D("50.000")
    assert q(D("1.0005")) == D("1.001")  # half up, not half to even
    assert q(D("1.00049")) == D("1.000")


def test_vote_scores_relative_to_the_most_voted():
    assert vote_scores({1: 1, 2: 3}) == {1: D("33.333"), 2: D("100.000")}
    assert vote_scores({1: 2, 2: 3}) == {1: D("66.667"), 2: D("100.000")}
    assert vote_scores({}) == {}


def test_rank_entries_trimmed_with_votes_by_hand():
    """A: five judges, trimmed 82; B: four judges, mean 79 (no trimming). Votes 40 and 80,
    a 30 % share: A 82 × 0.7 + 50 × 0.3 = 57.4 + 15 = 72.4; B 79 × 0.7 + 100 × 0.3 =
    55.3 + 30 = 85.3."""
    entries = [(1, "A", 0), (2, "B", 1)]
    reviews = [ReviewRow(1, r, False) for r in A_REVIEWS]
    reviews += [ReviewRow(2, r, False) for r in A_REVIEWS[1:]]
    ranked = rank_entries(
        entries, reviews, RUBRIC, method=Aggregation.TRIMMED, vote_share=30, votes={1: 40, 2: 80}
    )
    b, a = ranked
    assert (a.code, a.judge_score, a.vote_score, a.final, a.reviews, a.rank) == (
        "A",
        D("82.000"),
        D("50.000"),
        D("72.400"),
        5,
        2,
    )
    assert (b.code, b.judge_score, b.vote_score, b.final, b.reviews, b.rank) == (
        "B",
        D("79.000"),
        D("100.000"),
        D("85.300"),
        4,
        1,
    )


@pytest.mark.parametrize(
    ("share", "final"),
    [
        (0, D("81.000")),  # judges only
        (1, D("80.690")),  # 81 × 0.99 + 50 × 0.01 = 80.19 + 0.5
        (99, D("50.310")),  # 81 × 0.01 + 50 × 0.99 = 0.81 + 49.5
        (100, D("50.000")),  # votes only
    ],
)
def test_rank_entries_vote_share_edges(share, final):
    entries = [(1, "A", 0), (2, "B", 1)]
    reviews = [ReviewRow(1, s(90, 80, 70), False)]  # 81
    ranked = rank_entries(
        entries, reviews, RUBRIC, method=Aggregation.MEAN, vote_share=share, votes={1: 1, 2: 2}
    )
    a = next(r for r in ranked if r.code == "A")
    assert a.final == final


def test_rank_entries_without_reviews_or_votes_has_no_final_and_comes_last():
    ranked = rank_entries(
        [(1, "A", 0), (2, "B", 1)],
        [ReviewRow(2, s(10, 10, 10), False)],  # 10
        RUBRIC,
        method=Aggregation.MEAN,
    )
    assert [(r.code, r.final, r.rank) for r in ranked] == [("B", D("10.000"), 1), ("A", None, 2)]


def test_tie_break_rules_as_the_ranking_page_states():
    assert TIE_BREAK_RULES == [
        "总分（评委分与群众投票按比例合计）高者在前",
        "总分相同：评委分（不含投票）高者在前",
        "仍相同：权重最高的评分项平均分高者在前",
        "仍相同：有效评审份数多者在前",
        "仍相同：报名早者在前",
    ]


def test_tie_on_final_broken_by_the_judge_score():
    # 50 % votes. C: no judges, most votes → 0 × 0.5 + 100 × 0.5 = 50.
    # A: judge 60, 1 vote of 5 → 20: 30 + 10 = 40.  B: judge 40, 2 votes → 40: 20 + 20 = 40.
    entries = [(1, "A", 1), (2, "B", 0), (3, "C", 2)]
    reviews = [ReviewRow(1, s(60, 60, 60), False), ReviewRow(2, s(40, 40, 40), False)]
    ranked = rank_entries(
        entries, reviews, RUBRIC, method=Aggregation.MEAN, vote_share=50, votes={1: 1, 2: 2, 3: 5}
    )
    assert [(r.code, r.final) for r in ranked] == [
        ("C", D("50.000")),
        ("A", D("40.000")),  # entered later than B, but a higher judge score
        ("B", D("40.000")),
    ]


def test_tie_on_judge_score_broken_by_the_heaviest_criterion():
    # Both 86: A 思想性 80 (32 + 27 + 27), B 思想性 95 (38 + 24 + 24).
    ranked = rank_entries(
        [(1, "A", 0), (2, "B", 1)],
        [ReviewRow(1, s(80, 90, 90), False), ReviewRow(2, s(95, 80, 80), False)],
        RUBRIC,
        method=Aggregation.MEAN,
    )
    assert [(r.code, r.top_criterion) for r in ranked] == [
        ("B", D("95.000")),
        ("A", D("80.000")),
    ]


def test_tie_on_the_heaviest_criterion_broken_by_the_number_of_reviews():
    # Same 80s everywhere; A has two reviews, B (entered earlier) one.
    ranked = rank_entries(
        [(1, "A", 1), (2, "B", 0)],
        [ReviewRow(1, s(80, 80, 80), False)] * 2 + [ReviewRow(2, s(80, 80, 80), False)],
        RUBRIC,
        method=Aggregation.MEAN,
    )
    assert [(r.code, r.reviews) for r in ranked] == [("A", 2), ("B", 1)]


def test_tie_on_everything_broken_by_the_earlier_entry_then_the_code():
    rows = [ReviewRow(i, s(80, 80, 80), False) for i in (1, 2, 3)]
    ranked = rank_entries(
        [(1, "C", 1), (2, "B", 0), (3, "A", 1)], rows, RUBRIC, method=Aggregation.MEAN
    )
    assert [r.code for r in ranked] == ["B", "A", "C"]
    assert [r.rank for r in ranked] == [1, 2, 3]


def test_the_heaviest_criterion_on_equal_weights_is_the_first():
    # 思想性 and 艺术性 both 50: the lower id counts as the heaviest.
    rubric = [CriterionSpec(1, D(50), 100), CriterionSpec(2, D(50), 100)]
    ranked = rank_entries(
        [(1, "A", 0), (2, "B", 1)],
        [ReviewRow(1, {"1": 70, "2": 90}, False), ReviewRow(2, {"1": 90, "2": 70}, False)],
        rubric,
        method=Aggregation.MEAN,
    )
    assert [(r.code, r.top_criterion) for r in ranked] == [
        ("B", D("90.000")),
        ("A", D("70.000")),
    ]


# --- the rubric's rules in the services, and a stored round ranked ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("weights", "ok"),
    [
        ((D(40), D(30), D(30)), True),
        ((D("40"), D("30"), D("29.99")), False),
        ((D("40"), D("30"), D("30.01")), False),
        ((D(100),), True),
    ],
)
def test_round_add_counted_weights_must_sum_to_100(county, weights, ok):
    contest = ContestFactory(org=county.county, state="draft")
    criteria = [services.CriterionData(f"评分项{i}", w) for i, w in enumerate(weights)]
    # An independent criterion's weight is not part of the sum.
    criteria.append(services.CriterionData("创新", D(50), max_score=10, counted=False))
    kwargs = {
        "actor": county.county_admin,
        "contest": contest,
        "name": "县级决赛",
        "level": "organiser",
        "starts_on": contest.starts_on,
        "ends_on": contest.ends_on,
        "criteria": criteria,
    }
    if ok:
        round_ = services.round_add(**kwargs)
        stored = list(round_.criteria.order_by("order").values_list("weight", "counted"))
        assert stored[-1] == (D(0), False)
    else:
        with pytest.raises(Refused, match="权重之和应为 100%"):
            services.round_add(**kwargs)
        assert not contest.rounds.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("share", "ok"), [(-1, False), (0, True), (100, True), (101, False)])
def test_round_add_vote_share_between_0_and_100(county, share, ok):
    contest = ContestFactory(org=county.county, state="draft")
    kwargs = {
        "actor": county.county_admin,
        "contest": contest,
        "name": "群众投票轮",
        "level": "organiser",
        "starts_on": contest.starts_on,
        "ends_on": contest.ends_on,
        "vote_share": share,
    }
    if ok:
        assert services.round_add(**kwargs).vote_share == share
    else:
        with pytest.raises(Refused, match="投票占比应在 0 到 100 之间"):
            services.round_add(**kwargs)


@pytest.mark.django_db
def test_round_ranking_of_stored_reviews_and_votes_by_hand():
    """The same numbers as test_rank_entries_trimmed_with_votes_by_hand, from the database."""
    round_ = RoundFactory(aggregation=Aggregation.TRIMMED, vote_share=30)
    c1, c2, c3 = (CriterionFactory(round=round_) for _ in range(3))
    bonus = CriterionFactory(round=round_, name="创新", weight=D(0), max_score=10, counted=False)
    a = StandingFactory(round=round_, entry__code="A").entry
    b = StandingFactory(round=round_, entry__code="B").entry
    judges = [UserFactory(name=f"评委{i}") for i in range(5)]
    for judge, (x, y, z) in zip(
        judges,
        [(90, 80, 70), (100, 100, 100), (60, 50, 40), (80, 90, 90), (70, 80, 90)],
        strict=True,
    ):
        scores = {str(c1.pk): x, str(c2.pk): y, str(c3.pk): z, str(bonus.pk): 10}
        ReviewFactory(round=round_, entry=a, judge=judge, scores=scores)
        if judge is not judges[0]:
            ReviewFactory(round=round_, entry=b, judge=judge, scores=scores)
    ReviewFactory(round=round_, entry=b, judge=judges[0], abstained=True)
    for i in range(80):
        voter = UserFactory(name=f"群众{i}")
        VoteFactory(round=round_, entry=b, user=voter)
        if i < 40:
            VoteFactory(round=round_, entry=a, user=voter)
    ranked = round_ranking(round_)
    assert [(r.code, r.judge_score, r.final, r.reviews, r.abstentions) for r in ranked] == [
        ("B", D("79.000"), D("85.300"), 4, 1),
        ("A", D("82.000"), D("72.400"), 5, 0),
    ]


def test_review_total_of_decimal_scores_stored_as_floats():
    # JSON keeps 8.5 as a float: 8.5/10 × 100 = 85
    assert review_total({"1": 8.5}, [CriterionSpec(1, D(100), 10)]) == D("85.000")


def test_totaller_counts_only_counted_criteria_with_a_weight():
    # Not counted though it has a weight: still adds nothing.
    rubric = [CriterionSpec(1, D(100), 100), CriterionSpec(2, D(10), 10, counted=False)]
    assert review_total({"1": 50, "2": 10}, rubric) == D("50.000")
    # Counted with weight 0: needs no score and adds nothing.
    rubric = [CriterionSpec(1, D(100), 100), CriterionSpec(2, D(0), 10)]
    assert review_total({"1": 50}, rubric) == D("50.000")
    # Small weights count: 1 of 100 (10/10 × 1 + 0/10 × 99 = 1).
    rubric = [CriterionSpec(1, D(1), 10), CriterionSpec(2, D(99), 10)]
    assert review_total({"1": 10, "2": 0}, rubric) == D("1.000")
    # A rubric whose only weight is 1 still scales to 100.
    assert review_total({"1": 5}, [CriterionSpec(1, D(1), 10)]) == D("50.000")


def test_vote_scores_with_a_single_vote():
    assert vote_scores({1: 1, 2: 0}) == {1: D("100.000"), 2: D("0.000")}


def test_rank_entries_skips_unknown_entries_and_incomplete_reviews_only():
    ranked = rank_entries(
        [(1, "A", 0), (2, "B", 1)],
        [
            ReviewRow(9, s(90, 90, 90), False),  # not an entry of the round
            ReviewRow(1, {"1": 90}, False),  # incomplete: not counted
            ReviewRow(1, {}, True),
            ReviewRow(1, {}, True),
            ReviewRow(1, s(80, 80, 80), False),
            ReviewRow(2, s(70, 70, 70), False),
        ],
        RUBRIC,
        method=Aggregation.MEAN,
    )
    assert [(r.code, r.judge_score, r.reviews, r.abstentions, r.vote_score) for r in ranked] == [
        ("A", D("80.000"), 1, 2, D(0)),
        ("B", D("70.000"), 1, 0, D(0)),
    ]


def test_rank_entries_heaviest_criterion_mean_on_its_own_scale():
    # 思想性 out of 10, weight 60: reviews 7 and 9 → 70 and 90 on 100 → mean 80.
    rubric = [CriterionSpec(1, D(60), 10), CriterionSpec(2, D(40), 10)]
    ranked = rank_entries(
        [(1, "A", 0)],
        [ReviewRow(1, {"1": 7, "2": 5}, False), ReviewRow(1, {"1": 9, "2": 5}, False)],
        rubric,
        method=Aggregation.MEAN,
    )
    assert ranked[0].top_criterion == D("80.000")


def test_tie_on_final_the_judge_score_wins_over_the_heaviest_criterion():
    # 50 % votes as above, but A's 思想性 is lower than B's: the judge score decides first.
    # A: 0.4×30 + 0.3×100 + 0.3×60 = 12 + 30 + 18 = 60 → 30 + 10 = 40
    # B: 0.4×70 + 0.3×20 + 0.3×20 = 28 + 6 + 6 = 40 → 20 + 20 = 40
    ranked = rank_entries(
        [(1, "A", 1), (2, "B", 0), (3, "C", 2)],
        [ReviewRow(1, s(30, 100, 60), False), ReviewRow(2, s(70, 20, 20), False)],
        RUBRIC,
        method=Aggregation.MEAN,
        vote_share=50,
        votes={1: 1, 2: 2, 3: 5},
    )
    assert [(r.code, r.final, r.judge_score) for r in ranked] == [
        ("C", D("50.000"), None),
        ("A", D("40.000"), D("60.000")),
        ("B", D("40.000"), D("40.000")),
    ]
