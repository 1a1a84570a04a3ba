"""Completion of a watched lesson on both sides of the 90 % line (README: "90 % covered
completes once and never goes back"), on a 300-second lesson: 270.0 s covered completes,
269.7 s (89.9 %) does not; overlapping sections count once; seeking does not cover."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import LessonFactory, MemberFactory, WatchProgressFactory
from xianfeng.lessons import services, watch
from xianfeng.lessons.models import Lesson, WatchProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    """A 300-second lesson published to its branch, built directly in the database."""
    return LessonFactory(published=True, duration=300.0, title="矿灯下的初心")


@pytest.fixture
def viewer(lesson):
    return MemberFactory(org=lesson.org).user


def report(user, lesson, sections, position=None):
    """Report `sections` as if the previous report was long ago (so the wall-clock limit on
    how much a report may add does not cut what these tests report)."""
    WatchProgress.objects.filter(user=user, lesson=lesson).update(
        last_report_at=timezone.now() - datetime.timedelta(hours=1)
    )
    return services.watch_report(user=user, lesson=lesson, sections=sections, position=position)


def started(user, lesson):
    """The first report (only 30 s of slack allowed): ten seconds at the start."""
    return services.watch_report(user=user, lesson=lesson, sections=[(0, 10)])


def test_watch_report_89_9_percent_does_not_complete(viewer, lesson):
    started(viewer, lesson)
    p = report(viewer, lesson, [(0, 269.7)])
    assert p.covered == 269.7
    assert p.completed_at is None
    assert Lesson.objects.get(pk=lesson.pk).completion_count == 0


def test_watch_report_90_percent_completes(viewer, lesson):
    started(viewer, lesson)
    p = report(viewer, lesson, [(0, 269.7)])
    p = report(viewer, lesson, [(269.7, 270.0)])
    assert p.covered == 270.0
    assert p.completed_at is not None
    assert Lesson.objects.get(pk=lesson.pk).completion_count == 1


def test_watch_report_85_percent_does_not_complete(viewer, lesson):
    started(viewer, lesson)
    p = report(viewer, lesson, [(0, 255.0)])
    assert (p.covered, p.completed_at) == (255.0, None)


def test_watch_report_overlapping_sections_count_once(viewer, lesson):
    started(viewer, lesson)
    # 200 + 160 = 360 s reported, but the union is [0, 260]: 86.7 %.
    p = report(viewer, lesson, [(0, 200), (100, 260)])
    assert (p.sections, p.covered, p.completed_at) == ([[0, 260]], 260.0, None)
    # Re-watching the middle adds nothing.
    p = report(viewer, lesson, [(50, 250)])
    assert (p.covered, p.completed_at) == (260.0, None)
    # Ten more seconds at the edge of the union reach 270.
    p = report(viewer, lesson, [(255, 270)])
    assert (p.sections, p.covered) == ([[0, 270]], 270.0)
    assert p.completed_at is not None


def test_watch_report_seeking_to_the_end_does_not_complete(viewer, lesson):
    started(viewer, lesson)
    p = report(viewer, lesson, [(0, 259)])
    # Jumping from 259 s to 290 s and playing to the end: the position is the end, but the
    # 31 skipped seconds are not covered (259 + 10 = 269 s, 89.7 %).
    p = report(viewer, lesson, [(290, 300)], position=300)
    assert (p.position, p.covered, p.completed_at) == (300, 269.0, None)


def test_watch_report_completion_never_goes_back(viewer, lesson):
    started(viewer, lesson)
    p = report(viewer, lesson, [(0, 270)])
    done_at = p.completed_at
    assert done_at is not None
    p = report(viewer, lesson, [(0, 5)])
    p = report(viewer, lesson, [(280, 300)])
    assert (p.completed_at, p.covered) == (done_at, 290.0)
    assert Lesson.objects.get(pk=lesson.pk).completion_count == 1


def test_watch_report_an_existing_progress_row_just_under_the_line(lesson):
    """Progress made earlier (a factory row, 269 s): one more second completes."""
    user = MemberFactory(org=lesson.org).user
    WatchProgressFactory(
        user=user,
        lesson=lesson,
        sections=[[0.0, 269.0]],
        last_report_at=timezone.now() - datetime.timedelta(hours=1),
    )
    p = services.watch_report(user=user, lesson=lesson, sections=[(268.5, 269.5)])
    assert (p.covered, p.completed_at) == (269.5, None)
    p = report(user, lesson, [(269.5, 270)])
    assert p.completed_at is not None


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ([(0, 269.7)], 0.899),
        ([(0, 270.0)], 0.9),
        ([(0, 150), (150, 270)], 0.9),  # touching sections merge
        ([(0, 300)], 1.0),
    ],
)
def test_share_of_a_300_second_lesson(sections, expected):
    assert watch.share(watch.merge([], sections, 300), 300) == pytest.approx(expected)


def test_share_with_no_duration_is_zero():
    assert watch.share([(0.0, 10.0)], 0) == 0.0
    assert watch.share([(0.0, 10.0)], -5) == 0.0


def test_share_never_exceeds_one():
    assert watch.share([(0.0, 400.0)], 300) == 1.0


def test_merge_touching_and_separate_sections():
    assert watch.merge([], [(0, 10), (10, 20)], 300) == [(0, 20)]
    assert watch.merge([], [(0, 10), (10.001, 20)], 300) == [(0, 10), (10.001, 20)]


def test_clean_clips_to_the_duration_and_keeps_the_inside():
    assert watch.clean([(-1, 5), (295, 301), (5, 5.5)], 300) == [(0, 5), (295, 300), (5, 5.5)]
    assert watch.clean([(0, 10)], -3) == []  # a negative duration covers nothing


def test_covered_rounds_to_milliseconds():
    assert watch.covered([(0.0, 0.1), (0.2, 0.3)]) == 0.2


def test_share_of_a_lesson_shorter_than_a_second():
    assert watch.share([(0.0, 0.5)], 1) == 0.5
    assert watch.share([(0.0, 0.25)], 0.5) == 0.5


def test_merge_and_covered_round_to_milliseconds():
    assert watch.merge([], [(0.12345, 1.23456)], 300) == [(0.123, 1.235)]
    assert watch.covered([(0.0, 0.12345)]) == 0.123


def test_clean_a_bad_pair_does_not_stop_the_good_ones_after_it():
    assert watch.clean([[1], (0, 5)], 300) == [(0, 5)]
    assert watch.clean([(float("nan"), 4), (0, 5)], 300) == [(0, 5)]
