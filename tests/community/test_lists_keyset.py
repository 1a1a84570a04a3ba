"""微实事, 微行动 and 微星光 lists walked by a cursor (keyset pagination, several sort keys
in either direction), pages and API alike: every row exactly once in the list's order, ties
on a moment broken by id, a bad cursor giving the first page, a deep page costing the first
page's queries (no OFFSET, no COUNT)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.community.test_activities import post as post_activity
from tests.community.test_civic import candidate, vote_round
from tests.community.test_honors import nominate
from tests.factories import MemberFactory
from xianfeng.community.models import Activity, CivicProject, Honor
from xianfeng.community.services import activities as activity_services
from xianfeng.community.services import honors as honor_services

API = "/api/v1/community"
HOUR = datetime.timedelta(hours=1)


def walk(client, path, **params):
    """Every card of an API list, following next_cursor; and how many requests it took."""
    seen, requests = [], 0
    params = {"page_size": "4", **params}
    while True:
        body = client.get(path, params).json()
        requests += 1
        seen += [card["id"] for card in body["results"]]
        if body["next_cursor"] is None:
            return seen, requests
        params["after"] = body["next_cursor"]


def projects(county, n):
    vote_round(county)
    rows = [candidate(county, f"第{i}件民生实事") for i in range(n)]
    # Several proposed in the same microsecond: the id breaks the tie.
    same = timezone.now() - HOUR
    CivicProject.objects.filter(pk__in=[p.pk for p in rows[2:6]]).update(created_at=same)
    return rows


def test_the_project_api_walks_every_project_once_in_order(county):
    projects(county, 11)
    seen, requests = walk(Client(), f"{API}/projects")
    expected = list(
        CivicProject.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 11 and requests == 3


def test_the_project_page_walks_by_next_link(client, county):
    projects(county, 23)
    first = client.get(reverse("community:projects"))
    page = first.context["page"]
    assert len(page.object_list) == 20 and page.next_cursor
    second = client.get(reverse("community:projects"), {"after": page.next_cursor})
    rest = second.context["page"]
    assert rest.next_cursor is None and not rest.is_first
    shown = [p.pk for p in page.object_list] + [p.pk for p in rest.object_list]
    assert shown == list(
        CivicProject.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    )
    assert f"after={page.next_cursor}" in first.content.decode()


def activities(county):
    """Activities in the resident's own community, in its town and elsewhere, some at the
    same moment."""
    start = timezone.now() + 24 * HOUR
    rows = [post_activity(county, starts=start + i * HOUR) for i in range(4)]
    # Two at the same moment (two activities: the same one posted twice is one).
    rows += [post_activity(county, starts=start, title=f"同一时刻的活动{j}") for j in range(2)]
    for org, secretary in [
        (county.branch_a2, county.town_a_admin),
        (county.branch_b1, county.secretary_b1),
    ]:
        for i in range(2):
            rows.append(
                activity_services.activity_create(
                    actor=secretary,
                    org=org,
                    kind="cleanup",
                    title="别处的活动",
                    starts_at=start + i * HOUR,
                    ends_at=start + (i + 2) * HOUR,
                    place="广场",
                    capacity=5,
                    audience="everyone",
                )
            )
    return rows


def test_the_activity_api_walks_nearest_first_then_by_time(county):
    rows = activities(county)
    MemberFactory(org=county.branch_a1, user=county.resident)
    client = Client()
    client.force_login(county.resident)
    seen, requests = walk(client, f"{API}/activities", page_size="3")
    by_pk = {a.pk: a for a in Activity.objects.select_related("org")}
    own, town = county.branch_a1.path, county.town_a.path

    def near(a):
        return 0 if a.org.path.startswith(own) else 1 if a.org.path.startswith(town) else 2

    expected = sorted(rows, key=lambda a: (near(by_pk[a.pk]), a.starts_at, a.pk))
    assert seen == [a.pk for a in expected] and requests == 4
    assert [near(by_pk[pk]) for pk in seen] == [0] * 6 + [1] * 2 + [2] * 2


def test_past_activities_walk_newest_first(county):
    now = timezone.now()
    rows = [
        post_activity(county, starts=now - (i + 3) * HOUR, now=now - (i + 4) * HOUR)
        for i in range(5)
    ]
    seen, _ = walk(Client(), f"{API}/activities", when="past", page_size="2")
    assert seen == [a.pk for a in rows]


def honors(county, n):
    rows = []
    for i in range(n):
        person = MemberFactory(org=county.branch_a1).user
        item = nominate(county, person=person, year=2020 + i % 3)
        honor_services.honor_decide(actor=county.town_a_admin, honor=item, approve=True)
        rows.append(item)
    same = timezone.now()
    Honor.objects.filter(pk__in=[h.pk for h in rows[:4]]).update(decided_at=same)
    return rows


def test_the_honor_roll_api_walks_by_year_then_decision(county):
    honors(county, 9)
    seen, _ = walk(Client(), f"{API}/honors", page_size="2")
    expected = list(
        Honor.objects.order_by("-year", "-decided_at", "-id").values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 9


@pytest.mark.parametrize("cursor", ["abc", "1.2", "9" * 30 + ".1.1", "-1.2.3", "１.２.３", "1..2"])
def test_a_bad_cursor_gives_the_first_page(client, county, cursor):
    honors(county, 1)
    body = Client().get(f"{API}/honors", {"after": cursor}).json()
    assert len(body["results"]) == 1
    response = client.get(reverse("community:honors"), {"after": cursor})
    assert response.status_code == 200 and response.context["page"].is_first


@pytest.mark.parametrize("n", [1, 3])
def test_a_deep_api_page_is_one_query(county, django_assert_num_queries, n):
    projects(county, 4 + n)
    post_activity(county)
    honors(county, 4 + n)
    for path in ["projects", "honors"]:
        cursor = Client().get(f"{API}/{path}", {"page_size": "4"}).json()["next_cursor"]
        with django_assert_num_queries(1):
            body = Client().get(f"{API}/{path}", {"page_size": "4", "after": cursor}).json()
        assert len(body["results"]) == n and body["next_cursor"] is None


@pytest.mark.parametrize("n", [1, 3])
def test_a_deep_honor_roll_page_costs_the_first_pages_queries(
    client, county, django_assert_num_queries, n
):
    honors(county, 20 + n)
    cursor = client.get(reverse("community:honors")).context["page"].next_cursor
    with django_assert_num_queries(2):  # rows after the cursor, years
        response = client.get(reverse("community:honors"), {"after": cursor})
    assert len(response.context["page"].object_list) == n
