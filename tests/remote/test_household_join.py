"""A member joins an 入户终端's household from their own phone (the TV's QR, or its 站点编码
typed by hand); only the site admin decides."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory, grant, make_site
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.notify.models import Notification
from xianfeng.orgs.enums import RoleKind
from xianfeng.people.models import User
from xianfeng.remote import services
from xianfeng.remote.enums import JoinState, JoinVia, PlanNotice
from xianfeng.remote.models import HouseholdJoinRequest, HouseholdMember, Site

pytestmark = pytest.mark.django_db

WRONG_ORG = (
    "该入户终端不属于您所在的党组织，不能申请加入。请核对站点编码，"
    "或联系您所在村（社区）的站点管理员"
)


@dataclass
class Joins:
    """Household TV A (branch A1) and B (branch B1), nobody registered; their site admins."""

    a: Site
    b: Site
    admin_a: User
    admin_b: User


@pytest.fixture
def joins(county) -> Joins:
    a = make_site(county.branch_a1, code="HH-A1", name="张家入户终端", kind="household")
    b = make_site(county.branch_b1, code="HH-B1", name="李家入户终端", kind="household")
    admin_a = UserFactory(username="hh_admin_a", name="东街站点管理员")
    grant(admin_a, county.branch_a1, RoleKind.SITE_ADMIN)
    admin_b = UserFactory(username="hh_admin_b", name="柳湾站点管理员")
    grant(admin_b, county.branch_b1, RoleKind.SITE_ADMIN)
    return Joins(a, b, admin_a, admin_b)


def notices(user, kind=PlanNotice.HOUSEHOLD_JOIN) -> list[str]:
    return list(Notification.objects.filter(user=user, kind=kind).values_list("title", flat=True))


def test_request_then_approve_registers_the_member_once(county, joins):
    user = county.member_a1.user
    first = services.household_join_request(user=user, site=joins.a, via=JoinVia.QR)
    again = services.household_join_request(user=user, site=joins.a, via=JoinVia.CODE)
    assert again.pk == first.pk and first.state == JoinState.PENDING and first.via == "qr"
    assert HouseholdJoinRequest.objects.count() == 1
    assert notices(joins.admin_a) == ["张东街申请加入入户终端：张家入户终端"]
    assert notices(joins.admin_b) == []
    assert not HouseholdMember.objects.exists()

    decided = services.household_join_decide(actor=joins.admin_a, request=first, approve=True)
    assert decided.state == JoinState.APPROVED and decided.decided_by == joins.admin_a
    entry = HouseholdMember.objects.get()
    assert (entry.site, entry.member, entry.added_by) == (joins.a, county.member_a1, joins.admin_a)
    assert notices(user) == ["您已加入入户终端：张家入户终端"]
    # A second tap on 同意 changes nothing; 拒绝 after it is refused.
    services.household_join_decide(actor=joins.admin_a, request=first, approve=True)
    with pytest.raises(Refused):
        services.household_join_decide(actor=joins.admin_a, request=first, approve=False)
    assert HouseholdMember.objects.count() == 1 and len(notices(user)) == 1
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"household.join_request", "household.member_add", "household_join.approved"} <= actions


def test_decline_keeps_the_member_out_and_they_may_ask_again(county, joins):
    user = county.member_a1.user
    asked = services.household_join_request(user=user, site=joins.a)
    services.household_join_decide(actor=joins.admin_a, request=asked, approve=False)
    asked.refresh_from_db()
    assert asked.state == JoinState.DECLINED and asked.decided_at is not None
    assert not HouseholdMember.objects.exists()
    assert notices(user) == ["站点管理员未同意您加入入户终端：张家入户终端"]
    assert AuditLog.objects.filter(action="household_join.declined").count() == 1
    again = services.household_join_request(user=user, site=joins.a)
    assert again.pk != asked.pk and again.state == JoinState.PENDING


def test_refusals_create_nothing(county, joins, sites2):
    # Another org's member, with a clear message that names nothing of the home.
    with pytest.raises(Refused) as wrong:
        services.household_join_request(user=county.member_b1.user, site=joins.a)
    assert wrong.value.message == WRONG_ORG
    # A resident; a village site; a member already living in another household.
    with pytest.raises(Refused) as resident:
        services.household_join_request(user=county.resident, site=joins.a)
    assert resident.value.message == "只有党员可以申请加入入户终端的家庭"
    with pytest.raises(Refused):
        services.household_join_request(user=county.member_a1.user, site=sites2.a)
    other = make_site(county.branch_a1, code="HH-A2", name="王家入户终端", kind="household")
    services.household_member_add(actor=joins.admin_a, site=other, member=county.member_a1)
    with pytest.raises(Refused) as taken:
        services.household_join_request(user=county.member_a1.user, site=joins.a)
    assert taken.value.message.startswith("您已登记在“王家入户终端”的家庭中，一人只能属于一户")
    with pytest.raises(Refused) as same:
        services.household_join_request(user=county.member_a1.user, site=other)
    assert same.value.message == "您已是这一户的家庭成员，不用再申请"
    assert not HouseholdJoinRequest.objects.exists()
    assert not AuditLog.objects.filter(action="household.join_request").exists()


def test_only_the_site_s_own_admin_decides(county, joins):
    asked = services.household_join_request(user=county.member_a1.user, site=joins.a)
    for outsider in (joins.admin_b, county.secretary_a1, county.member_a2.user):
        with pytest.raises(PermissionDenied):
            services.household_join_decide(actor=outsider, request=asked, approve=True)
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING and not HouseholdMember.objects.exists()


def test_a_new_request_replaces_the_waiting_one_and_a_move_in_is_checked_again(county, joins):
    user = county.member_a1.user
    town_tv = make_site(county.town_a, code="HH-TA", name="镇上入户终端", kind="household")
    first = services.household_join_request(user=user, site=joins.a)
    second = services.household_join_request(user=user, site=town_tv)
    first.refresh_from_db()
    assert first.state == JoinState.WITHDRAWN and second.state == JoinState.PENDING
    assert HouseholdJoinRequest.objects.filter(state=JoinState.PENDING).count() == 1
    # Registered elsewhere by an admin meanwhile: the waiting request is settled, and an
    # approval of an old one cannot put them in two households.
    services.household_member_add(actor=joins.admin_a, site=joins.a, member=county.member_a1)
    second.refresh_from_db()
    assert second.state == JoinState.WITHDRAWN
    assert list(HouseholdMember.objects.values_list("site__code", flat=True)) == ["HH-A1"]
    # The admin registering a member who asked for that very household approves the ask.
    spouse = MemberFactory(org=county.branch_a1, user=UserFactory(name="王秀英"))
    asked = services.household_join_request(user=spouse.user, site=joins.a)
    services.household_member_add(actor=joins.admin_a, site=joins.a, member=spouse)
    asked.refresh_from_db()
    assert asked.state == JoinState.APPROVED
    assert notices(spouse.user) == ["您已加入入户终端：张家入户终端"]


def test_join_qr_code_is_signed_and_expires(county, joins, sites2):
    now = timezone.now()
    token = services.household_join_code(joins.a, now=now)
    assert services.household_site_for_join_code(token, now=now) == joins.a
    later = now + datetime.timedelta(minutes=10)
    assert services.household_site_for_join_code(token, now=later) == joins.a
    with pytest.raises(Refused) as old:
        services.household_site_for_join_code(token, now=now + datetime.timedelta(minutes=25))
    assert old.value.message.startswith("二维码已过期")
    _site_id, step, sig = token.split("-")
    for forged in (f"{joins.b.pk}-{step}-{sig}", f"{sites2.a.pk}-{step}-{sig}", "x", ""):
        with pytest.raises(Refused):
            services.household_site_for_join_code(forged, now=now)
    # A village site's id with a valid signature is still no household.
    village = services.household_join_code(sites2.a, now=now)
    with pytest.raises(Refused):
        services.household_site_for_join_code(village, now=now)
    # The 站点编码 typed by hand forgives spaces and letter case.
    assert services.household_site_for_code(" hh-a1 ") == joins.a
    with pytest.raises(Refused):
        services.household_site_for_code("DJ01")  # a village site


def test_pages_scan_request_and_approve(client, county, joins):
    token = services.household_join_code(joins.a)
    scan = f"/remote/home/join/{token}/"
    anonymous = client.get(scan)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(county.member_a1.user)
    page = client.get(scan).content.decode()
    assert "张家入户终端" in page and "东街社区党支部" in page and "申请加入" in page
    assert client.post(scan).status_code == 302
    assert client.post(scan).status_code == 302  # a double submit
    asked = HouseholdJoinRequest.objects.get()
    assert (asked.site, asked.via, asked.state) == (joins.a, "qr", "pending")
    home = client.get("/remote/home/").content.decode()
    assert "您已申请加入“张家入户终端”" in home

    client.force_login(joins.admin_a)
    admin_page = client.get("/remote/sites/HH-A1/household/").content.decode()
    assert "待审核的加入申请" in admin_page and "张东街" in admin_page
    approve = f"/remote/sites/HH-A1/household/requests/{asked.pk}/approve/"
    assert client.post(approve).status_code == 302
    assert HouseholdMember.objects.get().member == county.member_a1
    client.force_login(county.member_a1.user)
    assert "张家入户终端 · HH-A1" in client.get("/remote/home/").content.decode()


def test_pages_leak_nothing_across_sites_and_orgs(client, county, joins):
    asked = services.household_join_request(user=county.member_a1.user, site=joins.a)
    services.household_member_add(actor=joins.admin_b, site=joins.b, member=county.member_b1)
    # The admin of B neither sees nor decides A's requests (404, nothing changed).
    client.force_login(joins.admin_b)
    assert client.get("/remote/sites/HH-A1/household/").status_code == 404
    for action in ("approve", "decline"):
        url = f"/remote/sites/HH-A1/household/requests/{asked.pk}/{action}/"
        assert client.post(url).status_code == 404
        # Nor through their own site's address.
        url = f"/remote/sites/HH-B1/household/requests/{asked.pk}/{action}/"
        assert client.post(url).status_code == 404
    assert "张东街" not in client.get("/remote/sites/HH-B1/household/").content.decode()
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING and not HouseholdMember.objects.filter(site=joins.a)
    # A member of B typing A's code learns nothing of that home.
    client.force_login(county.member_b1.user)
    typed = client.get("/remote/home/join/", {"code": "HH-A1"})
    assert typed.status_code == 400
    assert "张家入户终端" not in typed.content.decode()
    assert "站点已登记在" not in typed.content.decode()
    assert client.post("/remote/home/join/", {"code": "HH-A1"}).status_code == 400
    # Their own page shows their own household only, never A's or A's request.
    home = client.get("/remote/home/").content.decode()
    assert "李家入户终端" in home and "张家入户终端" not in home
    # The member who asked sees only their request, not B's household.
    client.force_login(county.member_a1.user)
    home = client.get("/remote/home/").content.decode()
    assert "张家入户终端" in home and "李家入户终端" not in home and "王柳湾" not in home
    assert HouseholdJoinRequest.objects.count() == 1


@pytest.mark.parametrize("n", [1, 3])
def test_site_household_page_query_count(client, county, joins, django_assert_num_queries, n):
    for i in range(n):
        member = MemberFactory(org=county.branch_a1, user=UserFactory(name=f"申请人{i}"))
        services.household_join_request(user=member.user, site=joins.a)
    client.force_login(joins.admin_a)
    # the session, the user, the roles; the site; the org's members, who of them is in a
    # household, the household, the waiting requests; what the layout asks for
    with django_assert_num_queries(10):
        page = client.get("/remote/sites/HH-A1/household/")
    assert page.content.decode().count("/approve/") == n


def test_home_page_without_household_query_count(client, county, joins, django_assert_num_queries):
    services.household_join_request(user=county.member_a1.user, site=joins.a)
    client.force_login(county.member_a1.user)
    # the session, the user; no household, the person's requests, the (empty) history; the
    # layout's member record and roles, the unread count
    with django_assert_num_queries(8):
        page = client.get("/remote/home/")
    assert "您已申请加入“张家入户终端”" in page.content.decode()


def _nav(html: str) -> str:
    return html[html.index('<nav class="nav"') : html.index("</nav>")]


def test_the_home_panel_reaches_members_only(client, county, joins):
    client.force_login(county.resident)
    home = client.get(reverse("common:home")).content.decode()
    assert "我家终端" not in _nav(home) and 'id="panel-household"' not in home
    # A member whose org an 入户终端 serves: the tab, and the panel that says how to join.
    client.force_login(county.member_a1.user)
    home = client.get(reverse("common:home")).content.decode()
    assert 'id="panel-household"' in home and "申请加入" in home
    # Once in a household: the panel names it.
    services.household_member_add(actor=joins.admin_a, site=joins.a, member=county.member_a1)
    home = client.get(reverse("common:home")).content.decode()
    assert "打开我家终端" in home and "张家入户终端" in home
    # A member no 入户终端 serves: no panel. No page has a 我家终端 tab: the panel is the way
    # in (a tab decided on every page cost officers a member query on each).
    client.force_login(county.member_a2.user)
    home = client.get(reverse("common:home")).content.decode()
    assert 'id="panel-household"' not in home and "我家终端" not in _nav(home)


def test_tv_shows_the_join_qr_on_household_sites_only(client, county, joins, sites2):
    _, key = services.device_token_issue(actor=joins.admin_a, site=joins.a)
    home = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    join = home["join"]
    assert join["code"] == "HH-A1" and join["label"] == "家庭成员扫码加入" and join["empty"]
    assert join["qr"].startswith("data:image/png;base64,")
    _, village_key = services.device_token_issue(actor=sites2.admin_a, site=sites2.a)
    village = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {village_key}")
    assert village.json()["join"] is None


def test_home_page_tells_the_member_what_became_of_their_requests(client, county, joins):
    declined = services.household_join_request(user=county.member_a1.user, site=joins.a)
    services.household_join_decide(
        actor=joins.admin_a, request=declined, approve=False, reason="不是本户家庭成员"
    )
    # Another member's declined request, with its own reason, never shows on this page.
    other = services.household_join_request(user=county.member_b1.user, site=joins.b)
    services.household_join_decide(
        actor=joins.admin_b, request=other, approve=False, reason="请先到村委会登记"
    )
    services.household_join_request(user=county.member_a1.user, site=joins.a)
    client.force_login(county.member_a1.user)
    home = client.get("/remote/home/").content.decode()
    # The new request waits (with its withdraw button); the earlier one says why it failed.
    assert "您已申请加入“张家入户终端”" in home and 'id="household-withdraw"' in home
    history = home[home.index('id="household-requests"') : home.index('id="household-history"')]
    assert "未同意" in history and "不是本户家庭成员" in history
    assert "请先到村委会登记" not in home and "李家入户终端" not in home
    # Withdrawn, it joins the history and nothing waits any more.
    waiting = HouseholdJoinRequest.objects.get(member=county.member_a1, state="pending")
    assert client.post(f"/remote/home/requests/{waiting.pk}/withdraw/").status_code == 302
    home = client.get("/remote/home/").content.decode()
    assert 'id="household-withdraw"' not in home
    history = home[home.index('id="household-requests"') : home.index('id="household-history"')]
    assert history.count('class="device"') == 2 and "已撤回" in history
