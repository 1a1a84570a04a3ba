"""GET /api/v1/remote/tv: the paired TV reads its own site's day and nothing else."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import published_lesson
from xianfeng.remote import services
from xianfeng.remote.enums import ViewingState
from xianfeng.remote.models import Viewing

pytestmark = pytest.mark.django_db


def viewing(site, title, lessons, state=ViewingState.OPEN):
    v = Viewing.objects.create(
        site=site, title=title, starts_at=timezone.now(), state=state, code_key="k"
    )
    v.lessons.set(lessons)
    return v


def test_the_tv_sees_its_own_site_s_viewings_only(client, county, sites2):
    lesson_a = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    lesson_b = published_lesson(org=county.branch_b1, author=county.member_b1.user)
    viewing(sites2.a, "东街收看", [lesson_a])
    viewing(sites2.b, "柳湾收看", [lesson_b])
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    response = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    data = response.json()
    assert data["site"] == {"code": "DJ01", "name": "东街社区远程教育站点", "kind": "village"}
    assert [v["title"] for v in data["viewings"]] == ["东街收看"]
    assert [lesson["id"] for lesson in data["viewings"][0]["lessons"]] == [lesson_a.pk]
    assert data["viewings"][0]["lessons"][0]["hls"].startswith("/media/v/")
    assert data["viewings"][0]["qr_label"] == "扫码签到"
    assert data["viewings"][0]["qr"].startswith("data:image/png;base64,")
    assert data["plans"] == []


def test_the_tv_shows_today_s_published_plans_of_its_site(client, county, sites2):
    import datetime

    from xianfeng.remote.enums import PlanState

    lesson = published_lesson(org=county.county, author=county.member_a1.user, title="党史课")
    today = timezone.localdate()

    def make(title, sites, *, starts, ends, publish=True):
        plan = services.plan_create(
            actor=county.county_admin,
            org=county.county,
            title=title,
            starts_on=starts,
            ends_on=ends,
            lessons=[lesson],
            sites=sites,
        )
        if publish:
            services.plan_publish(actor=county.county_admin, plan=plan)
        return plan

    day = datetime.timedelta(days=1)
    make("本周计划", [sites2.a, sites2.b], starts=today - day, ends=today + day)
    make("草稿", [sites2.a], starts=today, ends=today, publish=False)
    make("上周计划", [sites2.a], starts=today - 8 * day, ends=today - day)
    make("柳湾计划", [sites2.b], starts=today, ends=today)
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    data = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [p["title"] for p in data["plans"]] == ["本周计划"]
    assert [x["title"] for x in data["plans"][0]["lessons"]] == ["党史课"]
    assert PlanState.PUBLISHED == "published"


def test_the_tv_api_needs_a_live_device_token(client, county, sites2):
    device, key = services.device_token_issue(actor=None, site=sites2.a)
    assert client.get("/api/v1/remote/tv").status_code == 401
    client.force_login(county.county_admin)  # a person's session is no device
    assert client.get("/api/v1/remote/tv").status_code == 401
    services.device_token_revoke(actor=None, device=device)
    response = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert response.json()["detail"] == "设备令牌已撤销，请重新配对"


@pytest.mark.parametrize("n", [1, 3])
def test_tv_home_query_count(client, county, sites2, django_assert_num_queries, n):
    for i in range(n):
        lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
        viewing(sites2.a, f"收看{i}", [lesson])
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    # the device (with its site), its last-seen update, plans (none today, so no lessons of
    # theirs), the viewings, their lessons, the week's fixed menu (none), the site's org (the
    # towns above it may offer too), the week's offers, the 展播 channels reaching the site; for
    # the open viewings' 点名 roster: the site's members, who of them signed in; the shows for
    # the big screen (the org's unfinished 现场竞答 rooms)
    with django_assert_num_queries(12):
        data = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert len(data["viewings"]) == n
