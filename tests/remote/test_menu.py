"""点菜式 weekly menu: offers (10 a week, a site's or a town's), orders (once per person and
offer, changeable until the deadline), fixing the menu by audience group, starting an item
as a viewing, the TV's menu, the festival calendar; scoping and query counts."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import LessonFactory, MemberFactory, UserFactory, grant, published_lesson
from xianfeng.common.errors import Refused
from xianfeng.orgs.enums import RoleKind
from xianfeng.remote import services
from xianfeng.remote.enums import AudienceGroup, ViewingState
from xianfeng.remote.models import Festival, MenuOffer, MenuOrder, MenuSlot

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def week():
    """Next week: its orders are open until it begins."""
    return services.week_of(timezone.localdate()) + datetime.timedelta(days=7)


@pytest.fixture
def lessons(county):
    return [LessonFactory(public=True, org=county.county, title=f"课件{i}") for i in range(11)]


@pytest.fixture
def resident_a1(county):
    return UserFactory(username="resident_a1", name="东街群众", home_org=county.branch_a1)


def offer(sites2, week, lesson, **kw):
    return services.menu_offer_add(
        actor=sites2.admin_a, site=sites2.a, week=week, lesson=lesson, **kw
    )


def test_ten_offers_a_week_once_each_by_the_site_s_admin(county, sites2, week, lessons):
    for lesson in lessons[:10]:
        offer(sites2, week, lesson, pitch="推荐")
    with pytest.raises(Refused, match="每周最多 10 个"):
        offer(sites2, week, lessons[10])
    # The next week has room again; the same lesson twice in a week is refused.
    nxt = week + datetime.timedelta(days=7)
    offer(sites2, nxt, lessons[0])
    with pytest.raises(Refused, match="已在本周的点单里"):
        offer(sites2, nxt, lessons[0])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.menu_offer_add(actor=sites2.admin_b, site=sites2.a, week=nxt, lesson=lessons[1])
    with pytest.raises(PermissionDenied):  # a site admin cannot publish for the whole town
        services.menu_offer_add(
            actor=sites2.admin_a, org=county.town_a, week=nxt, lesson=lessons[1]
        )
    assert MenuOffer.objects.count() == 11


def test_orders_once_per_person_changeable_until_the_deadline(
    client, county, sites2, week, lessons, resident_a1
):
    mine = offer(sites2, week, lessons[0], pitch="讲讲身边的好党员")
    town = services.menu_offer_add(
        actor=county.town_a_admin, org=county.town_a, week=week, lesson=lessons[1]
    )
    client.force_login(county.member_a1.user)
    page = client.get(f"/remote/menu/?week={week.isoformat()}").content.decode()
    assert "讲讲身边的好党员" in page and "课件1" in page
    client.post(f"/remote/menu/offers/{mine.pk}/order/", {"audience": "elderly"})
    client.post(f"/remote/menu/offers/{mine.pk}/order/", {"audience": "women"})  # a change
    client.post(f"/remote/menu/offers/{town.pk}/order/", {"audience": "all"})
    client.force_login(resident_a1)
    client.post(f"/remote/menu/offers/{mine.pk}/order/", {"audience": "elderly"})
    assert sorted(MenuOrder.objects.values_list("offer_id", "user__username", "audience")) == [
        (mine.pk, "member_a1", "women"),
        (mine.pk, "resident_a1", "elderly"),
        (town.pk, "member_a1", "all"),
    ]
    client.post(f"/remote/menu/offers/{town.pk}/order/", {"action": "cancel"})  # not ordered
    client.force_login(county.member_a1.user)
    client.post(f"/remote/menu/offers/{town.pk}/order/", {"action": "cancel"})
    assert MenuOrder.objects.count() == 2
    # After the deadline nothing changes, and the page says so.
    after = mine.deadline + datetime.timedelta(seconds=1)
    with pytest.raises(Refused, match="点单已截止"):
        services.menu_order_set(user=county.member_a1.user, offer=mine, audience="all", now=after)
    with pytest.raises(Refused, match="点单已截止"):
        services.menu_order_cancel(user=county.member_a1.user, offer=mine, now=after)
    MenuOffer.objects.filter(pk=mine.pk).update(deadline=timezone.now())
    done = client.post(f"/remote/menu/offers/{mine.pk}/order/", {"action": "cancel"}, follow=True)
    assert "点单已截止" in done.content.decode()
    assert MenuOrder.objects.get(offer=mine, user=county.member_a1.user).audience == "women"


def test_offers_reach_only_their_community(client, county, sites2, week, lessons):
    mine = offer(sites2, week, lessons[0])
    other = UserFactory(username="resident_b1", home_org=county.branch_b1)
    for user in (county.member_b1.user, other, UserFactory(username="nowhere")):
        client.force_login(user)
        assert "课件0" not in client.get(f"/remote/menu/?week={week.isoformat()}").content.decode()
        assert client.post(f"/remote/menu/offers/{mine.pk}/order/").status_code == 404
    client.force_login(sites2.admin_b)
    assert client.get(f"/remote/sites/{sites2.a.code}/menu/").status_code == 404
    assert client.post(f"/remote/menu/offers/{mine.pk}/remove/").status_code == 404
    client.logout()
    assert client.post(f"/remote/menu/offers/{mine.pk}/order/").status_code == 302
    assert not MenuOrder.objects.exists() and MenuOffer.objects.count() == 1


def test_admin_fixes_the_menu_by_audience_and_starts_an_item(
    client, county, sites2, week, lessons, resident_a1
):
    first = offer(sites2, week, lessons[0])
    second = offer(sites2, week, lessons[1], pitch="种养技术")
    unwanted = offer(sites2, week, lessons[2])
    extra = MemberFactory(org=county.branch_a1).user
    for user, audience in ((county.member_a1.user, "elderly"), (resident_a1, "elderly")):
        services.menu_order_set(user=user, offer=second, audience=audience)
    services.menu_order_set(user=extra, offer=second, audience="growers")
    services.menu_order_set(user=extra, offer=first, audience="growers")
    client.force_login(sites2.admin_a)
    url = f"/remote/sites/{sites2.a.code}/menu/?week={week.isoformat()}"
    page = client.get(url).content.decode()
    # Most ordered first, with the counts by audience group.
    assert page.index("种养技术") < page.index("课件0") < page.index("课件2")
    assert "3 人点单</span> · 老年人 2 · 种养大户 1" in page
    wednesday = datetime.datetime.combine(week + datetime.timedelta(days=2), datetime.time(19, 30))
    done = client.post(
        url,
        {
            "action": "fix",
            "week": week.isoformat(),
            "offer": [str(second.pk), str(first.pk)],
            f"at-{second.pk}": wednesday.strftime("%Y-%m-%dT%H:%M"),
            f"audience-{second.pk}": "elderly",
            f"at-{first.pk}": (wednesday + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert done.status_code == 302
    slots = list(MenuSlot.objects.order_by("starts_at"))
    assert [(s.offer_id, s.audience) for s in slots] == [
        (second.pk, AudienceGroup.ELDERLY),
        (first.pk, AudienceGroup.ALL),
    ]
    assert timezone.localtime(slots[0].starts_at).strftime("%m-%d %H:%M") == wednesday.strftime(
        "%m-%d %H:%M"
    )
    started = client.post(f"/remote/menu/slots/{slots[0].pk}/start/")
    slot = MenuSlot.objects.get(pk=slots[0].pk)
    assert started["Location"] == f"/remote/viewings/{slot.viewing_id}/"
    assert (slot.viewing.title, slot.viewing.audience, slot.viewing.state) == (
        "种养技术",
        "elderly",
        ViewingState.OPEN,
    )
    assert list(slot.viewing.lessons.all()) == [lessons[1]]
    again = client.post(f"/remote/menu/slots/{slots[0].pk}/start/", follow=True)
    assert "该菜单项已开始收看" in again.content.decode()
    # Fixing again keeps the started item and replaces the rest; the unwanted rolls off.
    client.post(
        url,
        {
            "action": "fix",
            "week": week.isoformat(),
            "offer": [str(unwanted.pk)],
            f"at-{unwanted.pk}": wednesday.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert sorted(MenuSlot.objects.values_list("offer_id", flat=True)) == sorted(
        [second.pk, unwanted.pk]
    )
    outside = client.post(
        url,
        {
            "action": "fix",
            "week": week.isoformat(),
            "offer": [str(first.pk)],
            f"at-{first.pk}": "2020-01-01T10:00",
        },
        follow=True,
    )
    assert "收看时间应在本周之内" in outside.content.decode()
    assert MenuSlot.objects.count() == 2


def test_the_tv_shows_its_own_site_s_menu(client, county, sites2):
    lessons = [
        published_lesson(
            org=county.county, author=county.member_a1.user, title=f"课件{i}", public=True
        )
        for i in range(2)
    ]
    this_week = services.week_of(timezone.localdate())
    offer(sites2, this_week, lessons[0], pitch="东街的课")
    services.menu_offer_add(
        actor=sites2.admin_b, site=sites2.b, week=this_week, lesson=lessons[1], pitch="柳湾的课"
    )
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    data = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    menu = data["menu"]
    assert (menu["week"], menu["fixed"]) == (this_week.isoformat(), False)
    assert [(i["title"], i["pitch"]) for i in menu["items"]] == [("课件0", "东街的课")]
    assert menu["qr"].startswith("data:image/png;base64,")
    assert menu["items"][0]["lesson"]["id"] == lessons[0].pk


@pytest.mark.parametrize("n", [1, 3])
def test_menu_pages_query_count(
    client, county, sites2, week, lessons, n, django_assert_num_queries
):
    for lesson in lessons[:n]:
        o = offer(sites2, week, lesson)
        services.menu_order_set(user=county.member_a1.user, offer=o, audience="elderly")
    client.force_login(county.member_a1.user)
    # session, user, member, offers, my orders, badge (+ nav roles)
    with django_assert_num_queries(7):
        html = client.get(f"/remote/menu/?week={week.isoformat()}").content.decode()
    assert html.count('class="card menu-offer"') == n
    client.force_login(sites2.admin_a)
    with django_assert_num_queries(11):
        html = client.get(f"/remote/sites/{sites2.a.code}/menu/?week={week.isoformat()}")
    assert html.content.decode().count('name="offer"') == n


def test_festival_calendar_per_county(client, county):
    client.force_login(county.county_admin)
    page = client.get("/remote/festivals/").content.decode()
    assert "7月1日 建党节" in page and "使用默认表" in page
    client.post("/remote/festivals/", {"org": "C", "action": "seed"})
    client.post("/remote/festivals/", {"org": "C", "action": "seed"})  # a double click
    assert Festival.objects.filter(org=county.county).count() == 6
    client.post(
        "/remote/festivals/",
        {"org": "C", "action": "add", "name": "植树节", "month": "3", "day": "12"},
    )
    bad = client.post(
        "/remote/festivals/",
        {"org": "C", "action": "add", "name": "错日", "month": "2", "day": "30"},
        follow=True,
    )
    assert "日期不正确" in bad.content.decode()
    jianjun = Festival.objects.get(name="建军节")
    client.post("/remote/festivals/", {"org": "C", "action": "remove", "festival": jianjun.pk})
    assert list(Festival.objects.values_list("month", "day", "name")) == [
        (3, 5, "学雷锋日"),
        (3, 12, "植树节"),
        (7, 1, "建党节"),
        (10, 1, "国庆节"),
        (11, 9, "119 消防宣传日"),
        (12, 2, "122 交通安全宣传日"),
    ]
    # A town admin edits no county calendar; site admins and members see no page.
    client.force_login(county.town_a_admin)
    assert client.get("/remote/festivals/?org=C").status_code == 404
    assert (
        client.post(
            "/remote/festivals/",
            {"org": "C", "action": "remove", "festival": Festival.objects.first().pk},
        ).status_code
        == 404
    )
    site_admin = UserFactory(username="sa")
    grant(site_admin, county.branch_a1, RoleKind.SITE_ADMIN)
    for user in (site_admin, county.member_a1.user):
        client.force_login(user)
        assert client.get("/remote/festivals/").status_code == 403
    assert Festival.objects.count() == 6


def test_next_week_s_offers_are_drafted_from_this_week_s_orders_and_feedback(
    client, county, sites2, lessons
):
    """Ordered but not shown carries over (most ordered first), shown or never ordered
    rolls off, then the most wanted topic's lessons; the admin still confirms: only they
    may draft, and the drafts are ordinary offers they can take down."""
    from xianfeng.lessons.models import Tag

    this_week = services.week_of(timezone.localdate())
    nxt = this_week + datetime.timedelta(days=7)
    ordered_most, ordered, shown, _unordered = (
        offer(sites2, this_week, lesson) for lesson in lessons[:4]
    )
    member = county.member_a1
    for who in (member.user, UserFactory(home_org=county.branch_a1)):
        services.menu_order_set(user=who, offer=ordered_most, audience="all")
    services.menu_order_set(user=member.user, offer=ordered, audience="all")
    services.menu_order_set(user=member.user, offer=shown, audience="all")
    monday = datetime.datetime.combine(this_week, datetime.time(19, 0), tzinfo=CST)
    services.menu_fix(
        actor=sites2.admin_a,
        site=sites2.a,
        week=this_week,
        choices=[services.MenuChoice(offer=shown, starts_at=monday, audience="all")],
    )
    farming = Tag.objects.create(slug="nongye", name="农业技术", sort_order=99)
    law = Tag.objects.create(slug="falv", name="法律", sort_order=98)
    farm = [LessonFactory(public=True, org=county.county, title=f"种植{i}") for i in (1, 2)]
    for lesson in farm:
        lesson.tags.add(farming)
    statute = LessonFactory(public=True, org=county.county, title="民法典")
    statute.tags.add(law)
    viewing = services.viewing_start(
        actor=sites2.admin_a, site=sites2.a, title="周一", lessons=[lessons[2]], starts_at=monday
    )
    services.viewing_proxy_sign(actor=sites2.admin_a, viewing=viewing, member=member)
    services.viewing_end(actor=sites2.admin_a, viewing=viewing)
    services.feedback_give(user=member.user, viewing=viewing, rating=5, wanted="farming")
    # Another site's feedback asks for law: not this site's.
    other = services.viewing_start(
        actor=sites2.admin_b, site=sites2.b, title="周一", lessons=[statute], starts_at=monday
    )
    services.viewing_proxy_sign(actor=sites2.admin_b, viewing=other, member=county.member_b1)
    services.viewing_end(actor=sites2.admin_b, viewing=other)
    services.feedback_give(user=county.member_b1.user, viewing=other, rating=3, wanted="law")

    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.menu_prefill(actor=sites2.admin_b, site=sites2.a, week=nxt)
    assert not MenuOffer.objects.filter(week=nxt).exists()
    client.force_login(sites2.admin_a)
    url = f"/remote/sites/{sites2.a.code}/menu/?week={nxt.isoformat()}"
    page = client.post(url, {"action": "prefill", "week": nxt.isoformat()}, follow=True)
    drafted = list(MenuOffer.objects.filter(site=sites2.a, week=nxt).order_by("pk"))
    assert [(o.lesson.title, o.pitch) for o in drafted] == [
        ("课件0", "上周 2 人点单，未能安排"),
        ("课件1", "上周 1 人点单，未能安排"),
        ("种植2", "群众想看：农业技术"),
        ("种植1", "群众想看：农业技术"),
    ]
    assert "已根据上周的点单和反馈拟定 4 个点单课件" in page.content.decode()
    # Again: nothing twice; the admin takes one down like any offer.
    assert services.menu_prefill(actor=sites2.admin_a, site=sites2.a, week=nxt) == []
    services.menu_offer_remove(actor=sites2.admin_a, offer=drafted[3])
    assert MenuOffer.objects.filter(site=sites2.a, week=nxt).count() == 3
