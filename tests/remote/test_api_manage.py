"""The JSON API of the site pages: sites and devices (list, detail, revoke), plans (create,
publish), viewings (start, 代签, 群众 and discussion, end), the 开机通报 (read). The same
services and selectors as the pages, the same refusals, nothing of village B for A."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import LessonFactory, UserFactory
from xianfeng.lessons.models import GroupViewing
from xianfeng.remote import services
from xianfeng.remote.enums import PlanState, SignInHow, ViewingState
from xianfeng.remote.models import DeviceToken, Viewing, ViewingAttendance, ViewingPlan

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def lesson(county):
    return LessonFactory(public=True, org=county.county, title="党史学习")


def post(client, url, body=None):
    return client.post(url, body or {}, content_type=JSON)


def test_sites_list_and_detail_are_scoped(client, county, sites2):
    services.device_token_issue(actor=sites2.admin_a, site=sites2.a, label="村委会电视")
    services.device_token_issue(actor=sites2.admin_b, site=sites2.b, label="柳湾电视")
    client.force_login(sites2.admin_a)
    listed = client.get("/api/v1/remote/sites").json()
    assert (listed["count"], [s["code"] for s in listed["results"]]) == (1, ["DJ01"])
    detail = client.get("/api/v1/remote/sites/DJ01").json()
    assert [d["label"] for d in detail["devices"]] == ["村委会电视"]
    assert detail["can_manage"] is True and detail["household"] is None
    assert detail["month"]["viewings"] == 0 and detail["month"]["min_viewings"] == 2
    assert client.get("/api/v1/remote/sites/LW01").status_code == 404
    # The county admin sees both; a member with no role is refused as on the page.
    client.force_login(county.county_admin)
    assert client.get("/api/v1/remote/sites").json()["count"] == 2
    client.force_login(county.member_a1.user)
    assert client.get("/api/v1/remote/sites").status_code == 403
    assert client.get("/api/v1/remote/sites/DJ01").status_code == 404


def test_device_revoke_through_the_api(client, county, sites2):
    device_b, _ = services.device_token_issue(actor=sites2.admin_b, site=sites2.b)
    device_a, key_a = services.device_token_issue(actor=sites2.admin_a, site=sites2.a)
    client.force_login(sites2.admin_a)
    # Village B's device: 404 and still live.
    assert post(client, f"/api/v1/remote/devices/{device_b.pk}/revoke").status_code == 404
    assert DeviceToken.objects.get(pk=device_b.pk).revoked_at is None
    done = post(client, f"/api/v1/remote/devices/{device_a.pk}/revoke")
    assert done.status_code == 200 and done.json()["revoked_at"]
    tv = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {key_a}")
    assert tv.status_code == 401
    # A branch officer sees the site but does not run it: 404 like the page.
    client.force_login(county.secretary_a1)
    assert post(client, f"/api/v1/remote/devices/{device_a.pk}/revoke").status_code == 404


def test_plan_create_and_publish(client, county, sites2, lesson):
    today = timezone.localdate()
    body = {
        "title": "十二月收看计划",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=6)).isoformat(),
        "lessons": [lesson.pk],
        "sites": ["DJ01"],
        "audience": "elderly",
    }
    # A site admin is no planner (403 as the page), nothing is written.
    client.force_login(sites2.admin_a)
    assert post(client, "/api/v1/remote/plans", body).status_code == 403
    # Town A's admin cannot plan for village B's site.
    client.force_login(county.town_a_admin)
    foreign = post(client, "/api/v1/remote/plans", {**body, "sites": ["LW01"]})
    assert foreign.status_code == 400 and foreign.json()["field"] == "sites"
    bad_dates = post(
        client, "/api/v1/remote/plans", {**body, "ends_on": "2000-01-01", "starts_on": "2000-02-01"}
    )
    assert bad_dates.status_code == 400 and bad_dates.json()["field"] == "ends_on"
    assert not ViewingPlan.objects.exists()
    made = post(client, "/api/v1/remote/plans", body)
    assert made.status_code == 201, made.content.decode()
    plan = made.json()
    assert (plan["state"], plan["sites"], plan["lessons"], plan["audience"]) == (
        "draft",
        ["DJ01"],
        [lesson.pk],
        "elderly",
    )
    # Village B's admin cannot publish it (404: the draft is not theirs to see).
    client.force_login(sites2.admin_b)
    assert post(client, f"/api/v1/remote/plans/{plan['id']}/publish").status_code == 404
    client.force_login(county.town_a_admin)
    published = post(client, f"/api/v1/remote/plans/{plan['id']}/publish")
    assert published.status_code == 200 and published.json()["state"] == "published"
    again = post(client, f"/api/v1/remote/plans/{plan['id']}/publish")
    assert again.status_code == 400
    assert ViewingPlan.objects.get().state == PlanState.PUBLISHED


def test_viewing_start_proxy_residents_and_end(client, county, sites2, lesson):
    client.force_login(sites2.admin_a)
    # Village B's site: 404; nothing started.
    body = {"site": "LW01", "title": "党史学习", "lessons": [lesson.pk]}
    assert post(client, "/api/v1/remote/viewings", body).status_code == 404
    started = post(client, "/api/v1/remote/viewings", {**body, "site": "DJ01"})
    assert started.status_code == 201, started.content.decode()
    viewing_id = started.json()["id"]
    assert client.get(f"/api/v1/remote/viewings/{viewing_id}/qr").json()["url"].count("/v/") == 1
    # 代签 of a member of the site's org; of village B's member: refused.
    proxy = post(
        client,
        f"/api/v1/remote/viewings/{viewing_id}/proxy-sign",
        {"member": county.member_a1.pk},
    )
    assert proxy.status_code == 200 and proxy.json()["how"] == SignInHow.PROXY
    foreign = post(
        client,
        f"/api/v1/remote/viewings/{viewing_id}/proxy-sign",
        {"member": county.member_b1.pk},
    )
    assert foreign.status_code == 400
    recorded = post(
        client,
        f"/api/v1/remote/viewings/{viewing_id}/record",
        {"residents": 7, "discussion": "大家谈了学习体会"},
    )
    assert recorded.json()["residents"] == 7
    names = client.get(f"/api/v1/remote/viewings/{viewing_id}/attendance").json()
    assert [(a["user"], a["how"]) for a in names] == [(county.member_a1.user_id, "proxy")]
    # Village B's admin and the branch secretary (sees, does not run) cannot act on it.
    client.force_login(sites2.admin_b)
    assert post(client, f"/api/v1/remote/viewings/{viewing_id}/end").status_code == 404
    assert client.get(f"/api/v1/remote/viewings/{viewing_id}/attendance").status_code == 404
    client.force_login(county.secretary_a1)
    assert post(client, f"/api/v1/remote/viewings/{viewing_id}/end").status_code == 403
    assert (
        post(
            client,
            f"/api/v1/remote/viewings/{viewing_id}/proxy-sign",
            {"member": county.member_a1.pk},
        ).status_code
        == 403
    )
    assert Viewing.objects.get().state == ViewingState.OPEN
    client.force_login(sites2.admin_a)
    ended = post(client, f"/api/v1/remote/viewings/{viewing_id}/end")
    assert ended.status_code == 200 and ended.json()["state"] == "held"
    assert list(GroupViewing.objects.values_list("user_id", flat=True)) == [
        county.member_a1.user_id
    ]
    assert post(client, f"/api/v1/remote/viewings/{viewing_id}/end").status_code == 400
    assert ViewingAttendance.objects.count() == 1


@pytest.mark.parametrize("n", [1, 3])
def test_viewing_list_query_count(client, county, sites2, lesson, django_assert_num_queries, n):
    for i in range(n):
        services.viewing_start(
            actor=sites2.admin_a, site=sites2.a, title=f"收看{i}", lessons=[lesson]
        )
    services.viewing_start(actor=sites2.admin_b, site=sites2.b, title="柳湾收看", lessons=[lesson])
    client.force_login(sites2.admin_a)
    with django_assert_num_queries(4):
        rows = client.get("/api/v1/remote/viewings").json()
    assert sorted(r["title"] for r in rows) == sorted(f"收看{i}" for i in range(n))


@pytest.mark.parametrize("n", [1, 3])
def test_site_list_query_count(client, county, django_assert_num_queries, n):
    from tests.factories import grant, make_site
    from xianfeng.orgs.enums import RoleKind

    admin = UserFactory(username="many_sites")
    grant(admin, county.branch_a1, RoleKind.SITE_ADMIN)
    for i in range(n):
        make_site(county.branch_a1, code=f"S{i}")
    make_site(county.branch_b1, code="OTHER")
    client.force_login(admin)
    with django_assert_num_queries(5):
        data = client.get("/api/v1/remote/sites").json()
    assert [s["code"] for s in data["results"]] == [f"S{i}" for i in range(n)]


def test_bulletin_read(client, county, sites2):
    client.force_login(county.county_admin)
    data = client.get("/api/v1/remote/bulletin").json()
    assert data["org_code"] == county.county.code
    assert sorted(g["org"] for g in data["groups"]) == sorted(
        [county.town_a.name, county.town_b.name]
    )
    assert data["sites"] == []
    town = client.get(f"/api/v1/remote/bulletin?org={county.town_a.code}&month=2026-11").json()
    assert town["month"] == "2026-11"
    # Town A's admin cannot read town B's bulletin; a site admin reads none.
    client.force_login(county.town_a_admin)
    assert client.get(f"/api/v1/remote/bulletin?org={county.town_b.code}").status_code == 404
    client.force_login(sites2.admin_a)
    assert client.get("/api/v1/remote/bulletin").status_code == 403
