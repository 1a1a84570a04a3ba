"""Concurrent double submits count once: the database decides, not a check in Python."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection

from tests.factories import published_lesson
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson, Like, Rating

pytestmark = pytest.mark.django_db(transaction=True)


def twice_at_once(fn):
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_double_like_at_once_counts_once(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    user = county.member_a1.user
    errors = twice_at_once(lambda: services.like_set(user=user, lesson=lesson, liked=True))
    assert errors == []
    assert Like.objects.filter(lesson=lesson).count() == 1
    assert Lesson.objects.get(pk=lesson.pk).like_count == 1


def test_double_rating_at_once_counts_once(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    user = county.member_a1.user
    errors = twice_at_once(lambda: services.rating_set(user=user, lesson=lesson, score=4))
    assert errors == []
    assert Rating.objects.filter(lesson=lesson).count() == 1
    fresh = Lesson.objects.get(pk=lesson.pk)
    assert (fresh.rating_count, fresh.rating_sum) == (1, 4)


def test_double_first_watch_report_makes_one_progress_row(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    user = county.member_a1.user
    errors = twice_at_once(
        lambda: services.watch_report(user=user, lesson=lesson, sections=[(0, 10)])
    )
    assert errors == []
    assert lesson.progress.count() == 1
    assert Lesson.objects.get(pk=lesson.pk).view_count == 1


def test_the_constraints_exist_in_the_database(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    Like.objects.create(user=county.member_a1.user, lesson=lesson)
    with pytest.raises(IntegrityError):
        Like.objects.create(user=county.member_a1.user, lesson=lesson)


def test_rating_out_of_range_is_refused_by_the_database(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    with pytest.raises(IntegrityError):
        Rating.objects.create(user=county.member_a1.user, lesson=lesson, score=7)
