"""点课 seconds under concurrent clicks: the database keeps one per person."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from xianfeng.lessons.practice import services
from xianfeng.lessons.practice.models import LessonRequest, LessonRequestVote

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(fn, n=4):
    barrier = threading.Barrier(n)
    errors, results = [], []

    def run():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors, results


def test_four_clicks_at_once_second_once(county):
    request = services.lesson_request_create(
        actor=county.member_a1.user, org=county.branch_a1, topic="安全生产月讲什么"
    )
    voter = county.secretary_a1
    errors, results = at_once(lambda: services.lesson_request_second(actor=voter, request=request))
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert LessonRequestVote.objects.filter(request=request).count() == 1
    assert LessonRequest.objects.get(pk=request.pk).vote_count == 1
