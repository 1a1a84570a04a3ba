"""The closed loop: plan → viewing (QR sign-in, 代签, 群众) → feedback (代录) → summary →
next plan; 集体收看 credited in 参学率."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory, published_lesson
from xianfeng.common.errors import Refused
from xianfeng.lessons.models import GroupViewing, Tag
from xianfeng.lessons.selectors import branch_participation
from xianfeng.notify.models import Notification
from xianfeng.remote import services
from xianfeng.remote.enums import PlanState, SignInHow, ViewingState
from xianfeng.remote.models import Feedback, ViewingAttendance, ViewingPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(county, sites2):
    lesson = published_lesson(
        org=county.county, author=county.member_a1.user, title="学习二十届四中全会精神"
    )
    farming = Tag.objects.create(slug="nongye", name="农业技术", sort_order=99)
    farm_lesson = published_lesson(
        org=county.county, author=county.member_a1.user, title="大棚蔬菜种植技术"
    )
    farm_lesson.tags.add(farming)
    plan = services.plan_create(
        actor=county.county_admin,
        org=county.county,
        title="十二月第一周集中收看",
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 7),
        lessons=[lesson],
        sites=[sites2.a, sites2.b],
    )
    return lesson, farm_lesson, plan


def test_the_loop_end_to_end(client, county, sites2, loop):
    lesson, farm_lesson, plan = loop
    client.force_login(county.county_admin)
    assert client.post(f"/remote/plans/{plan.pk}/publish/").status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED
    told = set(Notification.objects.filter(kind="remote.plan").values_list("user_id", flat=True))
    assert told == {sites2.admin_a.pk, sites2.admin_b.pk}

    # 组织收看 at site A, from the plan, on the admin's phone.
    client.force_login(sites2.admin_a)
    page = client.get(f"/remote/plans/{plan.pk}/").content.decode()
    assert f"/remote/viewings/new/?site=DJ01&amp;plan={plan.pk}" in page
    started = client.post(
        f"/remote/viewings/new/?site=DJ01&plan={plan.pk}",
        {"lessons": [str(lesson.pk)], "place": "社区会议室"},
    )
    assert started.status_code == 302
    viewing = plan.viewings.get()
    assert (viewing.site, viewing.title, list(viewing.lessons.all())) == (
        sites2.a,
        "十二月第一周集中收看",
        [lesson],
    )
    screen = client.get(f"/remote/viewings/{viewing.pk}/").content.decode()
    assert "请用手机扫码签到" in screen

    # Two phones scan the code.
    code = services.viewing_code(viewing)
    phone1, phone2 = client.__class__(), client.__class__()
    phone1.force_login(county.member_a1.user)
    phone2.force_login(county.resident)
    assert "确认签到" in phone1.get(f"/remote/v/{code}/").content.decode()
    assert phone1.post(f"/remote/v/{code}/").status_code == 200
    assert phone1.post(f"/remote/v/{code}/").status_code == 200  # twice: once
    assert phone2.post(f"/remote/v/{code}/").status_code == 200
    # 代签 for an elderly member of the village without a phone; 群众 counted.
    elderly = MemberFactory(org=county.branch_a1, user=UserFactory(name="李大爷"))
    client.post(f"/remote/viewings/{viewing.pk}/do/proxy/", {"member": elderly.pk})
    client.post(
        f"/remote/viewings/{viewing.pk}/do/record/",
        {"residents": "6", "discussion": "大家结合村里实际谈了体会"},
    )
    rows = {
        a.user_id: (a.how, a.is_member, a.recorded_by_id)
        for a in ViewingAttendance.objects.filter(viewing=viewing)
    }
    assert rows == {
        county.member_a1.user_id: (SignInHow.QR, True, None),
        county.resident.pk: (SignInHow.QR, False, None),
        elderly.user_id: (SignInHow.PROXY, True, sites2.admin_a.pk),
    }

    # Feedback from the phone, and 代录 for the elderly member.
    answer = phone1.post(
        f"/remote/viewings/{viewing.pk}/feedback/",
        {"rating": "5", "wanted": "farming", "comment": "讲得好"},
    )
    assert answer.status_code == 200 and "谢谢您的反馈" in answer.content.decode()
    client.post(
        f"/remote/viewings/{viewing.pk}/do/feedback/",
        {"user": elderly.user_id, "rating": "4", "wanted": "farming"},
    )
    phone2.post(f"/remote/viewings/{viewing.pk}/feedback/", {"rating": "3", "wanted": "health"})
    assert Feedback.objects.get(user=elderly.user).proxy_by == sites2.admin_a
    client.post(f"/remote/viewings/{viewing.pk}/do/end/")
    viewing.refresh_from_db()
    assert viewing.state == ViewingState.HELD

    # 集体收看 in 参学率.
    statuses = {r.member.user_id: r.status for r in branch_participation(lesson, county.branch_a1)}
    assert statuses[county.member_a1.user_id] == "group"
    assert statuses[elderly.user_id] == "group"
    assert GroupViewing.objects.filter(lesson=lesson, source="remote.viewing").count() == 3

    # The summary, and the next plan in one step.
    summary = services.plan_summary(plan)
    assert (summary.viewings, summary.members, summary.residents, summary.feedback_count) == (
        1,
        2,
        7,
        3,
    )
    assert summary.mean_rating == Decimal("4.0")
    assert summary.wanted == [("农业技术", 2), ("卫生健康", 1)]
    assert summary.missing_sites == [sites2.b]
    client.force_login(county.county_admin)
    html = client.get(f"/remote/plans/{plan.pk}/").content.decode()
    assert "柳湾村远程教育站点" in html and '<dd id="mean-rating">4.0</dd>' in html
    assert client.post(f"/remote/plans/{plan.pk}/next/").status_code == 302
    nxt = ViewingPlan.objects.exclude(pk=plan.pk).get()
    assert (nxt.previous, nxt.state, nxt.starts_on, nxt.ends_on) == (
        plan,
        PlanState.DRAFT,
        datetime.date(2026, 12, 8),
        datetime.date(2026, 12, 14),
    )
    assert set(nxt.lessons.all()) == {farm_lesson, lesson}
    assert set(nxt.sites.all()) == {sites2.a, sites2.b}
    assert nxt.note == (
        "根据上期“十二月第一周集中收看”的反馈拟定：1 场收看，党员 2 人次、群众 7 人次；"
        "平均评分 4.0 分；群众最想看：农业技术（2 人）、卫生健康（1 人）；"
        "未完成的站点：柳湾村远程教育站点。"
    )
    assert "由上期计划拟定" in client.get(f"/remote/plans/{nxt.pk}/").content.decode()


def test_sign_in_codes_expire_and_close(county, sites2, loop):
    lesson, _, _ = loop
    viewing = services.viewing_start(
        actor=sites2.admin_a, site=sites2.a, title="收看", lessons=[lesson]
    )
    old = services.viewing_code(viewing, now=timezone.now() - datetime.timedelta(seconds=95))
    with pytest.raises(Refused, match="已过期"):
        services.viewing_checkin(user=county.member_a1.user, token=old)
    with pytest.raises(Refused, match="无效"):
        services.viewing_checkin(user=county.member_a1.user, token=f"{viewing.pk}-1-{'0' * 24}")
    services.viewing_end(actor=sites2.admin_a, viewing=viewing)
    with pytest.raises(Refused, match="已结束"):
        services.viewing_checkin(user=county.member_a1.user, token=services.viewing_code(viewing))
    assert not ViewingAttendance.objects.exists()


def test_admins_cannot_run_another_village_s_viewings(client, county, sites2, loop):
    lesson, _, plan = loop
    viewing = services.viewing_start(
        actor=sites2.admin_b, site=sites2.b, title="柳湾收看", lessons=[lesson]
    )
    with pytest.raises(PermissionDenied):
        services.viewing_start(actor=sites2.admin_a, site=sites2.b, title="x", lessons=[lesson])
    with pytest.raises(Refused, match="只能为本站点所属组织"):
        services.viewing_proxy_sign(actor=sites2.admin_b, viewing=viewing, member=county.member_a1)
    client.force_login(sites2.admin_a)
    assert client.get(f"/remote/viewings/{viewing.pk}/").status_code == 404
    assert client.get("/remote/viewings/new/", {"site": "LW01"}).status_code == 404
    client.post(f"/remote/viewings/{viewing.pk}/do/end/")
    client.post(f"/remote/viewings/{viewing.pk}/do/proxy/", {"member": county.member_b1.pk})
    viewing.refresh_from_db()
    assert viewing.state == ViewingState.OPEN
    assert not ViewingAttendance.objects.exists()
    # A draft plan is seen only by its publishers; a member sees no plan.
    assert client.get(f"/remote/plans/{plan.pk}/").status_code == 404
    client.force_login(county.member_a1.user)
    assert client.get(f"/remote/plans/{plan.pk}/").status_code == 404
    client.force_login(county.town_a_admin)  # the county's plan: not a town admin's to publish
    assert client.get(f"/remote/plans/{plan.pk}/").status_code == 404
    assert client.post(f"/remote/plans/{plan.pk}/publish/").status_code == 404
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT


def test_feedback_only_from_attendees_and_their_admin(client, county, sites2, loop):
    lesson, _, _ = loop
    viewing = services.viewing_start(
        actor=sites2.admin_a, site=sites2.a, title="收看", lessons=[lesson]
    )
    client.force_login(county.member_b1.user)  # never signed in
    assert client.get(f"/remote/viewings/{viewing.pk}/feedback/").status_code == 404
    assert (
        client.post(f"/remote/viewings/{viewing.pk}/feedback/", {"rating": "1"}).status_code == 404
    )
    services.viewing_checkin(user=county.member_a1.user, token=services.viewing_code(viewing))
    with pytest.raises(PermissionDenied):
        services.feedback_give(
            user=county.member_a1.user, viewing=viewing, rating=1, proxy_by=sites2.admin_b
        )
    with pytest.raises(Refused, match="1 到 5"):
        services.feedback_give(user=county.member_a1.user, viewing=viewing, rating=6)
    assert not Feedback.objects.exists()
    services.feedback_give(user=county.member_a1.user, viewing=viewing, rating=2)
    services.feedback_give(user=county.member_a1.user, viewing=viewing, rating=4)
    assert list(Feedback.objects.values_list("rating", flat=True)) == [4]


def test_plans_only_for_sites_below_the_org(county, sites2, loop):
    lesson, _, _ = loop
    with pytest.raises(Refused, match="只能为本组织之下的站点"):
        services.plan_create(
            actor=county.town_a_admin,
            org=county.town_a,
            title="城关镇计划",
            starts_on=datetime.date(2026, 12, 1),
            ends_on=datetime.date(2026, 12, 7),
            lessons=[lesson],
            sites=[sites2.a, sites2.b],
        )
    with pytest.raises(PermissionDenied):
        services.plan_create(
            actor=sites2.admin_a,
            org=county.branch_a1,
            title="x",
            starts_on=datetime.date(2026, 12, 1),
            ends_on=datetime.date(2026, 12, 7),
            lessons=[lesson],
            sites=[sites2.a],
        )
    assert ViewingPlan.objects.count() == 1


PLAN_LIST_QUERIES = 6  # session, user, roles, count, plans (with org), the unread badge


@pytest.mark.parametrize("n", [1, 3])
def test_plan_list_query_count(client, county, sites2, loop, django_assert_num_queries, n):
    lesson, _, _ = loop
    for i in range(n - 1):
        services.plan_create(
            actor=county.county_admin,
            org=county.county,
            title=f"计划{i}",
            starts_on=datetime.date(2026, 12, 1),
            ends_on=datetime.date(2026, 12, 7),
            lessons=[lesson],
            sites=[sites2.a],
        )
    client.force_login(county.county_admin)
    with django_assert_num_queries(PLAN_LIST_QUERIES):
        html = client.get("/remote/plans/").content.decode()
    assert html.count('class="plan-title"') == n
