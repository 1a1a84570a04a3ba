from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from xianfeng.common.errors import Refused
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson, WatchProgress

pytestmark = pytest.mark.django_db


def report(user, lesson, sections, position=None):
    return services.watch_report(user=user, lesson=lesson, sections=sections, position=position)


def age(progress, seconds):
    """Pretend the previous report was `seconds` ago."""
    WatchProgress.objects.filter(pk=progress.pk).update(
        last_report_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def test_seeking_to_the_end_does_not_complete(county, lesson_a1):
    user = county.member_a1.user
    p = report(user, lesson_a1, [(0, 10)])
    age(p, 60)
    p = report(user, lesson_a1, [(290, 300)], position=300)
    assert p.covered == 20
    assert p.completed_at is None
    assert p.position == 300


def test_watching_every_part_completes_once_and_never_goes_back(county, lesson_a1):
    user = county.member_a1.user
    p = None
    for start in range(0, 280, 20):
        p = report(user, lesson_a1, [(start, start + 20)])
        age(p, 20)
    assert p.covered == 280
    assert p.completed_at is not None  # 280 / 300 ≥ 90 %
    done_at = p.completed_at
    age(p, 20)
    p = report(user, lesson_a1, [(0, 10)])  # re-watching the start changes nothing
    assert (p.covered, p.completed_at) == (280, done_at)
    lesson = Lesson.objects.get(pk=lesson_a1.pk)
    assert (lesson.view_count, lesson.completion_count) == (1, 1)


def test_rewatching_does_not_double_count(county, lesson_a1):
    user = county.member_a1.user
    p = report(user, lesson_a1, [(0, 30)])
    age(p, 60)
    p = report(user, lesson_a1, [(0, 30), (10, 25)])
    assert p.sections == [[0, 30]]
    assert p.covered == 30


def test_a_forged_full_report_is_limited_by_wall_clock(county, lesson_a1):
    user = county.member_a1.user
    p = report(user, lesson_a1, [(0, 300)])
    assert p.covered == services.REPORT_SLACK_SECONDS  # a first report: only the slack
    assert p.completed_at is None
    age(p, 10)
    p = report(user, lesson_a1, [(0, 300)])
    # 10 s of wall clock at 2× plus the slack; the test's own run time adds milliseconds.
    expected = (
        services.REPORT_SLACK_SECONDS
        + 10 * services.MAX_PLAYBACK_RATE
        + services.REPORT_SLACK_SECONDS
    )
    assert p.covered == pytest.approx(expected, abs=0.5)
    assert p.completed_at is None


def test_reports_outside_the_duration_are_clipped(county, lesson_a1):
    p = report(county.member_a1.user, lesson_a1, [(-5, 3), (299, 400)])
    assert p.sections == [[0, 3], [299, 300]]


def test_progress_is_per_person(county, lesson_a1):
    report(county.member_a1.user, lesson_a1, [(0, 20)])
    report(county.secretary_a1, lesson_a1, [(100, 110)])
    assert sorted(WatchProgress.objects.values_list("user__username", "covered")) == [
        ("member_a1", 20.0),
        ("secretary_a1", 10.0),
    ]


def test_someone_outside_the_audience_cannot_report(county, lesson_a1):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.reflection_save(user=county.member_b1.user, lesson=lesson_a1, text="字" * 60)


def test_lesson_without_duration_cannot_be_watched(county, lesson_a1):
    Lesson.objects.filter(pk=lesson_a1.pk).update(duration=0)
    lesson_a1.refresh_from_db()
    with pytest.raises(Refused, match="还不能观看"):
        report(county.member_a1.user, lesson_a1, [(0, 10)])
    assert not WatchProgress.objects.exists()
