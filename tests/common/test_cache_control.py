"""No cache keeps personal data: every response to a signed-in person and every API
response says `Cache-Control: private, no-store`, unless the view chose otherwise."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_max_age

from tests.conftest import PASSWORD
from tests.factories import published_lesson
from tests.meetings.conftest import held_and_approved, local, make_branch

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def assert_no_store(response, status=200):
    assert response.status_code == status, response
    assert {"private", "no-store"} <= directives(response), (
        response.get("Cache-Control"),
        response.get("Content-Type"),
    )
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)


@pytest.fixture
def branch(county):
    return make_branch(county)


def test_member_pages_exports_and_member_json(client, county, branch):
    member = county.member_a1
    client.force_login(county.secretary_a1)
    # The pages that show the unmasked phone and ID number, the export, the JSON.
    assert_no_store(client.get(reverse("people:member_list")))
    detail = client.get(reverse("people:member_detail", args=[member.pk]))
    assert_no_store(detail)
    assert member.id_number in detail.content.decode()
    assert_no_store(client.get(reverse("people:member_edit", args=[member.pk])))
    assert_no_store(client.get(reverse("people:member_export")))
    assert_no_store(client.get(reverse("people:import_template")))
    listing = client.get("/api/v1/members/")
    assert_no_store(listing)
    assert member.id_number in listing.content.decode()
    assert_no_store(client.get(f"/api/v1/members/{member.pk}"))
    assert_no_store(client.get("/api/v1/auth/me"))


def test_bearer_token_api_responses(client, county):
    token = client.post(
        "/api/v1/auth/token",
        {"username": "secretary_a1", "password": PASSWORD},
        content_type="application/json",
    )
    assert_no_store(token)
    client.logout()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['token']}"}
    assert_no_store(client.get(f"/api/v1/members/{county.member_a1.pk}", **auth))
    # Refusals too: they may say what exists.
    assert_no_store(client.get("/api/v1/members/999999", **auth), status=404)
    assert_no_store(client.get("/api/v1/members/"), status=401)


def test_minutes_pdf_ledger_and_calendar(client, branch):
    meeting = held_and_approved(branch, starts=local(2026, 3, 10))
    client.force_login(branch.secretary)
    assert_no_store(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert_no_store(client.get(reverse("meetings:pdf", args=[meeting.pk])))
    assert_no_store(client.get(f"/api/v1/meetings/{meeting.pk}/minutes.pdf"))
    assert_no_store(client.get(reverse("meetings:ledger", args=["A1", 2026])))
    assert_no_store(client.get("/api/v1/meetings/ledger/A1/2026"))
    assert_no_store(client.get(f"/api/v1/meetings/{meeting.pk}"))

    from xianfeng.meetings import services
    from xianfeng.meetings.tokens import calendar_token

    services.calendar_enable(user=branch.recorder_a)
    client.logout()  # a calendar program has no session: the address is the key
    feed = client.get(reverse("meetings:calendar", args=[calendar_token(branch.recorder_a.pk, 0)]))
    assert_no_store(feed)
    assert get_max_age(feed) == 0


def test_participation_and_contest_results(client, county):
    from xianfeng.contests import services as contests
    from xianfeng.contests.enums import Level

    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="矿灯")
    client.force_login(county.secretary_a1)
    url = reverse("lessons:participation", args=[lesson.pk])
    assert_no_store(client.get(url))
    assert_no_store(client.get(url, {"format": "xlsx"}))

    today = timezone.localdate()
    contest = contests.contest_create(
        actor=county.county_admin,
        org=county.county,
        title="一人一课",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
    )
    contests.round_add(
        actor=county.county_admin,
        contest=contest,
        name="支部推荐",
        level=Level.BRANCH,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=10),
    )
    client.force_login(county.county_admin)
    assert_no_store(client.get(reverse("contests:results", args=[contest.pk])))


def test_what_is_not_personal_is_left_alone(client, county):
    # Anonymous pages carry no such header; a view's own choice is kept.
    login = client.get(reverse("people:login"))
    assert login.status_code == 200
    assert "no-store" not in directives(login)
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="矿灯")
    client.force_login(county.member_a1.user)
    poster = client.get(reverse("lessons:poster", args=[lesson.pk]))
    assert directives(poster) == {"private", "max-age=300"}
