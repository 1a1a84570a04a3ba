"""A watch report in one statement: the person from the session (no user row), the
progress as this process last wrote it (one conditional UPDATE), read again only when
someone else wrote in between."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson, WatchProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_sessions(settings):
    """The embedded default's sessions (files), as in tests/people/test_identity_memo.py."""
    settings.SESSION_CACHE_ALIAS = "sessions"


def post(client, lesson, start, end, position=None):
    body = {"sections": [[start, end]], "position": position}
    return client.post(
        reverse("lessons:watch", args=[lesson.pk]),
        json.dumps(body),
        content_type="application/json",
    )


def test_a_report_after_the_first_is_one_update(client, county, lesson_a1, file_sessions):
    client.force_login(county.member_a1.user)
    assert post(client, lesson_a1, 0, 10).json()["covered"] == 10  # the first: row and view
    with CaptureQueriesContext(connection) as ctx:
        response = post(client, lesson_a1, 10, 20, position=20)
    assert response.status_code == 200
    assert response.json() == {"covered": 20, "share": 0.0667, "completed": False, "position": 20}
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert len(sqls) == 1 and sqls[0].replace('"', "").startswith("UPDATE lessons_watchprogress ")
    row = WatchProgress.objects.get(user=county.member_a1.user, lesson=lesson_a1)
    assert (row.sections, row.covered, row.reports, row.position) == ([[0, 20]], 20, 2, 20)
    assert Lesson.objects.get(pk=lesson_a1.pk).view_count == 1


def test_logging_out_stops_reports_at_once(client, county, lesson_a1, file_sessions):
    client.force_login(county.member_a1.user)
    key = client.cookies["sessionid"].value
    post(client, lesson_a1, 0, 10)
    post(client, lesson_a1, 10, 20)  # the person is remembered for this session
    client.post(reverse("people:logout"))
    client.cookies["sessionid"] = key  # the old cookie, replayed
    response = post(client, lesson_a1, 20, 30)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    row = WatchProgress.objects.get(user=county.member_a1.user, lesson=lesson_a1)
    assert (row.covered, row.reports) == (20, 2)


def test_a_row_written_elsewhere_is_read_again_and_nothing_is_lost(county, lesson_a1):
    user = county.member_a1.user
    services.watch_report(user=user, lesson=lesson_a1, sections=[(0, 10)])
    # Another process (or a live's credit) wrote since: the remembered version is stale.
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    WatchProgress.objects.filter(user=user, lesson=lesson_a1).update(
        sections=[[0, 10], [100, 150]], covered=60, reports=5, last_report_at=long_ago
    )
    progress = services.watch_report(user=user, lesson=lesson_a1, sections=[(10, 20)])
    assert (progress.sections, progress.covered, progress.reports) == (
        [[0, 20], [100, 150]],
        70,
        6,
    )
    row = WatchProgress.objects.get(user=user, lesson=lesson_a1)
    assert (row.sections, row.covered, row.reports) == ([[0, 20], [100, 150]], 70, 6)


def test_completion_is_written_once_with_its_count(county, lesson_a1):
    user = county.member_a1.user
    services.watch_report(user=user, lesson=lesson_a1, sections=[(0, 10)])
    WatchProgress.objects.filter(user=user, lesson=lesson_a1).update(
        last_report_at=timezone.now() - datetime.timedelta(hours=1)
    )
    done = services.watch_report(user=user, lesson=lesson_a1, sections=[(10, 290)])
    assert done.completed_at is not None
    again = services.watch_report(user=user, lesson=lesson_a1, sections=[(290, 300)])
    assert again.completed_at == done.completed_at and again.covered == 300
    row = WatchProgress.objects.get(user=user, lesson=lesson_a1)
    assert row.completed_at == done.completed_at
    assert Lesson.objects.get(pk=lesson_a1.pk).completion_count == 1


def api_post(client, lesson, start, end, position=None):
    body = {"sections": [[start, end]], "position": position}
    return client.post(
        f"/api/v1/lessons/{lesson.pk}/watch", json.dumps(body), content_type="application/json"
    )


def test_an_api_report_after_the_first_is_one_update_too(client, county, lesson_a1, file_sessions):
    """The API's watch endpoint takes the person from the session as the page's does
    (people.auth.reporting_user): no query of the user row."""
    client.force_login(county.member_a1.user)
    assert api_post(client, lesson_a1, 0, 10).json()["covered"] == 10
    with CaptureQueriesContext(connection) as ctx:
        response = api_post(client, lesson_a1, 10, 20, position=20)
    assert response.status_code == 200
    assert response.json() == {"covered": 20, "share": 0.0667, "completed": False, "position": 20}
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert len(sqls) == 1 and sqls[0].replace('"', "").startswith("UPDATE lessons_watchprogress ")
    row = WatchProgress.objects.get(user=county.member_a1.user, lesson=lesson_a1)
    assert (row.sections, row.covered, row.reports) == ([[0, 20]], 20, 2)


def test_an_api_report_after_logout_is_refused_and_writes_nothing(
    client, county, lesson_a1, file_sessions
):
    client.force_login(county.member_a1.user)
    key = client.cookies["sessionid"].value
    api_post(client, lesson_a1, 0, 10)
    api_post(client, lesson_a1, 10, 20)  # remembered for this session
    client.post(reverse("people:logout"))
    client.cookies["sessionid"] = key
    assert api_post(client, lesson_a1, 20, 30).status_code == 401
    row = WatchProgress.objects.get(user=county.member_a1.user, lesson=lesson_a1)
    assert (row.covered, row.reports) == (20, 2)


def test_an_api_report_by_token_still_counts_for_the_tokens_person(client, county, lesson_a1):
    from xianfeng.people.services.accounts import api_token_issue

    user = county.member_a1.user
    key = api_token_issue(user=user, label="手机")[1]
    response = client.post(
        f"/api/v1/lessons/{lesson_a1.pk}/watch",
        json.dumps({"sections": [[0, 12]]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200 and response.json()["covered"] == 12
    assert WatchProgress.objects.get(user=user, lesson=lesson_a1).covered == 12
