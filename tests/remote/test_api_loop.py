"""The JSON API of the loop and the menu: plans, viewings, sign-in, feedback, menu orders
for people; the TV's plan read, scoped to its own site. Same refusals as the pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import LessonFactory, UserFactory
from xianfeng.remote import services
from xianfeng.remote.models import Feedback, MenuOrder, ViewingAttendance

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def loop(county, sites2):
    lesson = LessonFactory(public=True, org=county.county, title="党史学习")
    plan = services.plan_create(
        actor=county.county_admin,
        org=county.county,
        title="十一月收看计划",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=10),
        lessons=[lesson],
        sites=[sites2.a],
    )
    plan = services.plan_publish(actor=county.county_admin, plan=plan)
    viewing = services.viewing_start(actor=sites2.admin_a, site=sites2.a, plan=plan)
    return plan, viewing, lesson


def test_plans_and_viewings_for_people(client, county, sites2, loop):
    plan, viewing, _ = loop
    client.force_login(sites2.admin_a)
    assert [p["title"] for p in client.get("/api/v1/remote/plans").json()] == ["十一月收看计划"]
    got = client.get(f"/api/v1/remote/viewings/{viewing.pk}").json()
    assert (got["site"], got["plan"], got["state"], got["attendance"]) == (
        "DJ01",
        plan.pk,
        "open",
        0,
    )
    client.force_login(sites2.admin_b)  # village B: the plan is not theirs, nor the viewing
    assert client.get("/api/v1/remote/plans").json() == []
    assert client.get(f"/api/v1/remote/plans/{plan.pk}").status_code == 404
    assert client.get(f"/api/v1/remote/viewings/{viewing.pk}").status_code == 404
    client.logout()
    assert client.get("/api/v1/remote/plans").status_code == 401


def test_sign_in_and_feedback_through_the_api(client, county, sites2, loop):
    _, viewing, _ = loop
    member = county.member_a1.user
    client.force_login(member)
    # Feedback before signing in: the same 404 as the page.
    early = client.post(
        f"/api/v1/remote/viewings/{viewing.pk}/feedback", {"rating": 5}, content_type=JSON
    )
    assert early.status_code == 404
    bad = client.post("/api/v1/remote/checkin", {"token": "forged"}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["detail"]
    token = services.viewing_code(viewing)
    done = client.post("/api/v1/remote/checkin", {"token": token}, content_type=JSON)
    assert done.json() == {"viewing": viewing.pk, "title": "十一月收看计划", "how": "qr"}
    client.post("/api/v1/remote/checkin", {"token": token}, content_type=JSON)  # twice: once
    assert ViewingAttendance.objects.filter(viewing=viewing).count() == 1
    out_of_range = client.post(
        f"/api/v1/remote/viewings/{viewing.pk}/feedback", {"rating": 6}, content_type=JSON
    )
    assert out_of_range.status_code == 422
    given = client.post(
        f"/api/v1/remote/viewings/{viewing.pk}/feedback",
        {"rating": 4, "comment": "很受教育", "wanted": "farming"},
        content_type=JSON,
    )
    assert given.json() == {
        "viewing": viewing.pk,
        "rating": 4,
        "comment": "很受教育",
        "wanted": "farming",
    }
    assert Feedback.objects.get().rating == 4


def test_menu_orders_through_the_api(client, county, sites2):
    week = services.week_of(timezone.localdate()) + datetime.timedelta(days=7)
    lesson = LessonFactory(public=True, org=county.county, title="种养技术")
    offer = services.menu_offer_add(
        actor=sites2.admin_a, site=sites2.a, week=week, lesson=lesson, pitch="春耕"
    )
    client.force_login(county.member_a1.user)
    listed = client.get(f"/api/v1/remote/menu?week={week.isoformat()}").json()
    assert [(o["id"], o["title"], o["by"], o["open"], o["my_order"]) for o in listed] == [
        (offer.pk, "种养技术", "东街社区远程教育站点", True, None)
    ]
    url = f"/api/v1/remote/menu/offers/{offer.pk}/order"
    assert client.post(url, {"audience": "elderly"}, content_type=JSON).json()["my_order"] == (
        "elderly"
    )
    assert client.post(url, {"audience": "youth"}, content_type=JSON).json()["my_order"] == "youth"
    assert MenuOrder.objects.count() == 1
    bad = client.post(url, {"audience": "aliens"}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["detail"] == "人群不正确"
    assert client.delete(url).json()["my_order"] is None
    # Village B's member and a resident elsewhere cannot reach the offer.
    for user in (county.member_b1.user, UserFactory(username="r_b", home_org=county.branch_b1)):
        client.force_login(user)
        assert client.get(f"/api/v1/remote/menu?week={week.isoformat()}").json() == []
        assert client.post(url, {"audience": "all"}, content_type=JSON).status_code == 404
    assert not MenuOrder.objects.exists()


def test_a_tv_token_reads_only_its_own_site_s_plans(client, county, sites2, loop):
    plan, _, lesson = loop
    _, key_a = services.device_token_issue(actor=None, site=sites2.a)
    _, key_b = services.device_token_issue(actor=None, site=sites2.b)
    mine = client.get(f"/api/v1/remote/tv/plans/{plan.pk}", HTTP_AUTHORIZATION=f"Bearer {key_a}")
    assert mine.status_code == 200
    assert [x["id"] for x in mine.json()["lessons"]] == [lesson.pk]
    other = client.get(f"/api/v1/remote/tv/plans/{plan.pk}", HTTP_AUTHORIZATION=f"Bearer {key_b}")
    assert other.status_code == 404
    # A device token is no person: the people's endpoints refuse it.
    as_person = client.get("/api/v1/remote/plans", HTTP_AUTHORIZATION=f"Bearer {key_a}")
    assert as_person.status_code == 401
    assert client.get(f"/api/v1/remote/tv/plans/{plan.pk}").status_code == 401


@pytest.mark.parametrize("n", [1, 3])
def test_plan_list_api_query_count(client, county, sites2, n, django_assert_num_queries):
    lesson = LessonFactory(public=True, org=county.county)
    for i in range(n):
        services.plan_create(
            actor=county.county_admin,
            org=county.county,
            title=f"计划{i}",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
            lessons=[lesson],
            sites=[sites2.a],
        )
    client.force_login(county.county_admin)
    with django_assert_num_queries(4):  # session, user, roles, plans with their orgs
        assert len(client.get("/api/v1/remote/plans").json()) == n
