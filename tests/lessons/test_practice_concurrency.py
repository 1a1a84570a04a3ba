"""Concurrent clicks: 点课 seconds once per person; a create (点课, tour, stop, rota turn)
sent several times at once through the API makes one row."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from xianfeng.lessons.practice import services
from xianfeng.lessons.practice.models import (
    LessonRequest,
    LessonRequestVote,
    RotaSlot,
    Tour,
    TourStop,
)

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


def _api_at_once(user, url, body, n=3):
    """The same create sent n times at once through the API, each by its own client."""
    from django.test import Client

    def call():
        client = Client()
        client.force_login(user)
        response = client.post(url, body, content_type="application/json")
        return response.status_code, response.json().get("id")

    return at_once(call, n)


def test_api_creates_sent_at_once_make_one_row_each(county):
    today = timezone.localdate()
    api = "/api/v1/lessons"

    errors, results = _api_at_once(
        county.member_a1.user, f"{api}/requests", {"topic": "安全生产月讲什么"}
    )
    assert errors == [] and {r[0] for r in results} == {201}
    assert len({r[1] for r in results}) == 1
    assert LessonRequest.objects.count() == 1

    body = {"org": "TA", "title": "城关镇巡讲", "speaker_id": county.member_a1.pk}
    errors, results = _api_at_once(county.town_a_admin, f"{api}/tours", body)
    assert errors == [] and {r[0] for r in results} == {201}
    assert Tour.objects.count() == 1
    tour_id = results[0][1]

    stop = {"held_on": today.isoformat(), "venue": "东街社区党群服务中心", "host_org": "A1"}
    errors, results = _api_at_once(county.town_a_admin, f"{api}/tours/{tour_id}/stops", stop)
    assert errors == [] and {r[0] for r in results} == {201}
    assert TourStop.objects.count() == 1

    rota = services.rota_create(
        actor=county.secretary_a1, org=county.branch_a1, year=today.year, title="微课堂"
    )
    turn = {
        "speaker_id": county.member_a1.pk,
        "starts_on": today.isoformat(),
        "ends_on": today.isoformat(),
    }
    errors, results = _api_at_once(county.secretary_a1, f"{api}/rotas/{rota.pk}/slots", turn)
    assert errors == [] and {r[0] for r in results} == {201}
    assert RotaSlot.objects.count() == 1
