"""A town's contest is invisible outside the town; entries and certificates stay private."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import published_lesson
from xianfeng.contests import services

pytestmark = pytest.mark.django_db

LEAK = "城关镇内部评比"


@pytest.fixture
def town_contest(county):
    today = timezone.localdate()
    contest = services.contest_create(
        actor=county.town_a_admin, org=county.town_a, title=LEAK, starts_on=today, ends_on=today
    )
    services.round_add(
        actor=county.town_a_admin,
        contest=contest,
        name="支部推荐",
        level="branch",
        starts_on=today,
        ends_on=today,
    )
    contest = services.contest_open(actor=county.town_a_admin, contest=contest)
    lesson = published_lesson(
        org=county.branch_a1, author=county.member_a1.user, title="东街的参赛课"
    )
    entry = services.entry_submit(actor=county.member_a1.user, contest=contest, lesson=lesson)
    return contest, entry


def test_other_towns_see_nothing(client, county, town_contest):
    contest, entry = town_contest
    client.force_login(county.member_b1.user)
    assert LEAK not in client.get(reverse("contests:list")).content.decode()
    for url in (
        reverse("contests:detail", args=[contest.pk]),
        reverse("contests:entry", args=[contest.pk, entry.pk]),
        reverse("contests:decide", args=[contest.pk, 1]),
        reverse("contests:ranking", args=[contest.pk, 1]),
        f"/api/v1/contests/{contest.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert LEAK not in response.content.decode()
    assert LEAK not in client.get("/api/v1/contests/").content.decode()


def test_inside_the_town_members_see_it_but_not_others_entries(client, county, town_contest):
    contest, entry = town_contest
    client.force_login(county.member_a2.user)
    assert LEAK in client.get(reverse("contests:list")).content.decode()
    assert client.get(reverse("contests:entry", args=[contest.pk, entry.pk])).status_code == 404
    # Not published: the page and the API answer the same 404 with the same words.
    page = client.get(reverse("contests:ranking", args=[contest.pk, 1]))
    api = client.get(f"/api/v1/contests/{contest.pk}/rounds/1/ranking")
    assert (page.status_code, api.status_code) == (404, 404)
    assert api.json()["detail"] == "结果尚未公布"
    assert LEAK not in api.content.decode()
    client.force_login(county.member_a1.user)
    assert client.get(reverse("contests:entry", args=[contest.pk, entry.pk])).status_code == 200


def test_a_secretary_of_another_branch_cannot_decide_it(client, county, town_contest):
    contest, entry = town_contest
    from tests.factories import UserFactory, grant
    from xianfeng.orgs.enums import RoleKind

    other = UserFactory(username="sec_a2", name="西街书记")
    grant(other, county.branch_a2, RoleKind.SECRETARY)
    client.force_login(other)
    standing = entry.standings.get()
    response = client.post(
        reverse("contests:decide", args=[contest.pk, 1]),
        {"standing": standing.pk, "decision": "advanced"},
    )
    assert response.status_code == 404
    standing.refresh_from_db()
    assert standing.decision == "pending"
