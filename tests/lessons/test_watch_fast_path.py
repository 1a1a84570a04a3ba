"""The watch report answered inside sessions, CSRF and auth (lessons/middleware.py): the
same answers, headers and records as through the whole stack, for every case a player or
an attacker meets; everything else passes through untouched."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import beacon_sender
from tests.factories import published_lesson
from xianfeng.common import pagecache
from xianfeng.lessons.models import WatchProgress

pytestmark = pytest.mark.django_db


def report(client, pk, body, **extra):
    return client.post(
        reverse("lessons:watch", args=[pk]),
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        **extra,
    )


def both(settings, make_client, pk, body, **extra):
    """The same request through the fast path and through the whole stack."""
    answers = []
    for fast in (True, False):
        settings.WATCH_FAST_PATH = fast
        answers.append(report(make_client(), pk, body, **extra))
    settings.WATCH_FAST_PATH = True
    return answers


HEADERS = ("Content-Type", "Cache-Control", "X-Frame-Options", "Content-Security-Policy")


def same(fast, slow):
    assert fast.status_code == slow.status_code
    for name in HEADERS:
        assert fast.get(name) == slow.get(name), name
    if slow.get("Location"):
        assert fast["Location"] == slow["Location"]


@pytest.mark.parametrize(
    "body",
    [
        {"sections": [[0, 5]], "position": 5},
        {"sections": "all", "position": 1},
        "{not json",
        {"sections": [[0, 1e400]]},
    ],
    ids=["good", "bad-shape", "not-json", "overflow"],
)
def test_a_member_gets_the_same_answer_either_way(settings, county, lesson_a1, body):
    def member():
        client = Client()
        client.force_login(county.member_a1.user)
        return client

    fast, slow = both(settings, member, lesson_a1.pk, body)
    same(fast, slow)
    if fast.status_code == 200:
        # Each path wrote its own report: the second one found the first's row.
        row = WatchProgress.objects.get(user=county.member_a1.user, lesson=lesson_a1)
        assert row.reports == 2 and row.covered == 5
        assert fast.json()["covered"] == 5
        assert "no-store" in fast["Cache-Control"] and "private" in fast["Cache-Control"]
    else:
        assert fast.json() == slow.json()


def test_csrf_is_checked_on_the_fast_path(settings, county, lesson_a1):
    def member():
        client = Client(enforce_csrf_checks=True)
        client.force_login(county.member_a1.user)
        return client

    fast, slow = both(settings, member, lesson_a1.pk, {"sections": [[0, 5]]})
    assert fast.status_code == slow.status_code == 403
    assert not WatchProgress.objects.exists()
    # With the token, as the player sends it (X-CSRFToken from the page).
    client = member()
    client.get(reverse("lessons:detail", args=[lesson_a1.pk]))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    answer = report(client, lesson_a1.pk, {"sections": [[0, 5]]}, HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 200 and answer.json()["covered"] == 5


def test_the_beacon_sent_on_leaving_is_a_form_with_the_token(settings, county, lesson_a1):
    """navigator.sendBeacon cannot set X-CSRFToken: the last report of a page is a form with
    `csrfmiddlewaretoken` and the report's JSON as `report`, on both lanes; without the token
    it is refused like any other post."""
    url = reverse("lessons:watch", args=[lesson_a1.pk])
    for fast in (True, False):
        settings.WATCH_FAST_PATH = fast
        send = beacon_sender(county.member_a1.user, reverse("lessons:detail", args=[lesson_a1.pk]))
        body = json.dumps({"sections": [[0, 7]], "position": 7})
        assert send(url, body, token=False).status_code == 403
        answer = send(url, body)
        assert answer.status_code == 200, answer.content
        assert answer.json()["covered"] == 7
        empty = send(url, "")
        assert empty.status_code == 400 and empty.json()["field"] == "sections"
    row = WatchProgress.objects.get(user=county.member_a1.user, lesson=lesson_a1)
    assert row.reports == 2 and row.covered == 7


def test_someone_not_logged_in_is_sent_to_login(settings, lesson_a1):
    fast, slow = both(settings, Client, lesson_a1.pk, {"sections": [[0, 5]]})
    same(fast, slow)
    assert fast.status_code == 302 and "/accounts/login/" in fast["Location"]
    assert not WatchProgress.objects.exists()


def test_another_branch_lesson_is_not_found_either_way(settings, county):
    hidden = published_lesson(org=county.branch_b1, author=county.member_b1.user)

    def member():
        client = Client()
        client.force_login(county.member_a1.user)
        return client

    fast, slow = both(settings, member, hidden.pk, {"sections": [[0, 5]]})
    same(fast, slow)
    assert fast.status_code == 404
    assert not WatchProgress.objects.exists()


def test_only_the_report_path_is_taken(settings, county, lesson_a1, client):
    """Other POSTs, a GET of the report path and paths that only look alike fall through."""
    client.force_login(county.member_a1.user)
    watch = reverse("lessons:watch", args=[lesson_a1.pk])
    assert client.get(watch).status_code == 405  # require_POST, from the whole stack
    assert client.post(watch.replace("/watch/", "/watch/x/")).status_code == 404
    like = client.post(reverse("lessons:like", args=[lesson_a1.pk]), {"liked": "1"})
    assert like.status_code in (200, 302)


def test_the_request_log_names_the_route(settings, county, lesson_a1, client, caplog):
    client.force_login(county.member_a1.user)
    with caplog.at_level(logging.INFO, logger="xianfeng.request"):
        report(client, lesson_a1.pk, {"sections": [[0, 5]]})
    lines = [r for r in caplog.records if r.name == "xianfeng.request"]
    assert lines and lines[-1].view == "lessons:watch"
    assert lines[-1].route == "/lessons/<int:pk>/watch/"
    assert lines[-1].status == 200


def test_the_person_page_version_changes(settings, county, lesson_a1, client):
    """Their own lesson page shows the progress: a kept copy must not outlive a report."""
    settings.PAGE_CACHE_SECONDS = 60
    client.force_login(county.member_a1.user)
    name = (f"u{county.member_a1.user.pk}",)
    before = pagecache.versions.read(name)
    report(client, lesson_a1.pk, {"sections": [[0, 5]]})
    assert pagecache.versions.read(name) != before
