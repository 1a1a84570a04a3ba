"""The union of watched sections: property tests against a brute-force measure."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from xianfeng.lessons import watch

DURATION = 120.0
# Whole seconds and half seconds, so a 0.5 s grid measures the union exactly.
times = st.integers(min_value=-20, max_value=280).map(lambda n: n / 2)
section = st.tuples(times, times)
sections = st.lists(section, max_size=25)


def brute_force(pairs, duration=DURATION) -> float:
    """Count 0.5 s cells covered by any valid section inside [0, duration]."""
    covered = set()
    for start, end in pairs:
        start, end = max(0.0, start), min(duration, end)
        cell = start
        while cell < end:
            covered.add(cell)
            cell += 0.5
    return len(covered) * 0.5


@given(sections)
def test_covered_is_the_measure_of_the_union(pairs):
    assert watch.covered(watch.merge([], pairs, DURATION)) == brute_force(pairs)


@given(sections, sections)
def test_merge_is_order_free_and_idempotent(a, b):
    ab = watch.merge(a, b, DURATION)
    assert ab == watch.merge(b, a, DURATION)
    assert watch.merge(ab, ab, DURATION) == ab
    assert watch.merge(ab, a, DURATION) == ab


@given(sections, sections)
@settings(max_examples=200)
def test_progress_never_goes_backwards(a, b):
    before = watch.covered(watch.merge([], a, DURATION))
    after = watch.covered(watch.merge(watch.merge([], a, DURATION), b, DURATION))
    assert after >= before
    assert after <= DURATION


@given(sections)
def test_merged_sections_are_sorted_disjoint_and_inside(pairs):
    merged = watch.merge([], pairs, DURATION)
    for start, end in merged:
        assert 0 <= start < end <= DURATION
    for (_, end), (next_start, _) in itertools.pairwise(merged):
        assert end < next_start


def test_seeking_to_the_end_covers_only_the_end():
    merged = watch.merge([], [(0, 5), (110, 120)], DURATION)
    assert watch.covered(merged) == 15
    assert watch.share(merged, DURATION) == 0.125


def test_rewatching_does_not_double_count():
    merged = watch.merge([(0, 60)], [(0, 60), (30, 60)], DURATION)
    assert merged == [(0, 60)]


def test_bad_sections_are_dropped():
    assert watch.clean([(5, 3), (float("nan"), 4), (1, float("inf")), (2, 2), [1]], DURATION) == []
