"""A member withdraws their own waiting request to join an 入户终端's household (page and
API); the JSON API of join requests: the member asks (QR token or 站点编码), lists and
withdraws; the site admin lists the waiting ones of their sites, approves, declines with a
reason. The same services and selectors as the pages; nothing of village B for A."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import MemberFactory, UserFactory
from tests.remote import test_household_join as base
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.remote import services
from xianfeng.remote.enums import JoinState, JoinVia
from xianfeng.remote.models import HouseholdJoinRequest, HouseholdMember

pytestmark = pytest.mark.django_db
joins = base.joins  # the two household TVs (A1, B1) and their site admins
notices = base.notices
JSON = "application/json"
HOME = "/remote/home/"
API = "/api/v1/remote"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type=JSON)


def _withdraw_url(join: HouseholdJoinRequest) -> str:
    return f"/remote/home/requests/{join.pk}/withdraw/"


# --- the service ------------------------------------------------------------------------------


def test_withdraw_settles_the_request_tells_the_admin_and_twice_changes_nothing(county, joins):
    user = county.member_a1.user
    asked = services.household_join_request(user=user, site=joins.a)
    done = services.household_join_withdraw(user=user, request=asked)
    assert done.state == JoinState.WITHDRAWN and done.decided_by == user
    assert done.decided_at is not None
    assert sorted(notices(joins.admin_a)) == [
        "张东街撤回了加入入户终端的申请：张家入户终端",
        "张东街申请加入入户终端：张家入户终端",
    ]
    assert notices(joins.admin_b) == [] and notices(user) == []
    event = AuditLog.objects.get(action="household_join.withdrawn")
    assert event.actor == user and event.data["from"] == "pending"
    # A double click: the same answer, no second event or notice.
    again = services.household_join_withdraw(user=user, request=asked)
    assert again.state == JoinState.WITHDRAWN
    assert AuditLog.objects.filter(action="household_join.withdrawn").count() == 1
    assert len(notices(joins.admin_a)) == 2
    # The admin can no longer decide it; the member may ask again.
    with pytest.raises(Refused):
        services.household_join_decide(actor=joins.admin_a, request=asked, approve=True)
    assert not HouseholdMember.objects.exists()
    fresh = services.household_join_request(user=user, site=joins.a)
    assert fresh.pk != asked.pk and fresh.state == JoinState.PENDING


def test_a_decided_request_cannot_be_withdrawn(county, joins):
    approved = services.household_join_request(user=county.member_a1.user, site=joins.a)
    services.household_join_decide(actor=joins.admin_a, request=approved, approve=True)
    with pytest.raises(Refused) as late:
        services.household_join_withdraw(user=county.member_a1.user, request=approved)
    assert late.value.message == (
        "站点管理员已同意您的申请，不能再撤回。如需退出这一户，请联系站点管理员"
    )
    spouse = MemberFactory(org=county.branch_a1, user=UserFactory(name="王秀英"))
    declined = services.household_join_request(user=spouse.user, site=joins.a)
    services.household_join_decide(actor=joins.admin_a, request=declined, approve=False)
    with pytest.raises(Refused) as refused:
        services.household_join_withdraw(user=spouse.user, request=declined)
    assert refused.value.message == "站点管理员已处理（未同意）您的申请，不能再撤回"
    assert dict(HouseholdJoinRequest.objects.values_list("pk", "state")) == {
        approved.pk: "approved",
        declined.pk: "declined",
    }
    assert not AuditLog.objects.filter(action="household_join.withdrawn").exists()


def test_nobody_withdraws_another_s_request(county, joins):
    asked = services.household_join_request(user=county.member_a1.user, site=joins.a)
    for other in (county.member_a2.user, joins.admin_a, county.county_admin):
        with pytest.raises(PermissionDenied):
            services.household_join_withdraw(user=other, request=asked)
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING


def test_decline_with_a_reason_tells_the_member(county, joins):
    from xianfeng.notify.models import Notification

    user = county.member_a1.user
    asked = services.household_join_request(user=user, site=joins.a)
    services.household_join_decide(
        actor=joins.admin_a, request=asked, approve=False, reason=" 不住在\x00这一户 "
    )
    asked.refresh_from_db()
    assert (asked.state, asked.reason) == (JoinState.DECLINED, "不住在这一户")
    body = Notification.objects.get(user=user).body
    assert body == "理由：不住在这一户。如有疑问，请联系村（社区）的站点管理员。"
    neighbour = MemberFactory(org=county.branch_a1, user=UserFactory(name="赵大山"))
    other = services.household_join_request(user=neighbour.user, site=joins.a)
    with pytest.raises(Refused) as long:
        services.household_join_decide(
            actor=joins.admin_a, request=other, approve=False, reason="长" * 201
        )
    assert long.value.field == "reason"
    other.refresh_from_db()
    assert other.state == JoinState.PENDING


# --- the pages --------------------------------------------------------------------------------


def test_page_withdraw_button_double_post_and_decided_message(client, county, joins):
    user = county.member_a1.user
    asked = services.household_join_request(user=user, site=joins.a)
    client.force_login(user)
    home = client.get(HOME).content.decode()
    assert 'id="household-withdraw"' in home and _withdraw_url(asked) in home
    assert "撤回申请" in home
    # GET does nothing; two POSTs (a double click) withdraw once.
    assert client.get(_withdraw_url(asked)).status_code == 405
    first = client.post(_withdraw_url(asked), follow=True).content.decode()
    assert "已撤回加入“张家入户终端”的申请" in first
    assert client.post(_withdraw_url(asked)).status_code == 302
    asked.refresh_from_db()
    assert asked.state == JoinState.WITHDRAWN
    assert AuditLog.objects.filter(action="household_join.withdrawn").count() == 1
    home = client.get(HOME).content.decode()
    assert 'id="household-withdraw"' not in home and "您已申请加入" not in home
    # A decided request: a clear message, nothing changed.
    again = services.household_join_request(user=user, site=joins.a)
    services.household_join_decide(actor=joins.admin_a, request=again, approve=False)
    page = client.post(_withdraw_url(again), follow=True).content.decode()
    assert "站点管理员已处理（未同意）您的申请，不能再撤回" in page
    again.refresh_from_db()
    assert again.state == JoinState.DECLINED


def test_page_withdraw_needs_the_csrf_token(county, joins):
    from django.test import Client

    asked = services.household_join_request(user=county.member_a1.user, site=joins.a)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(county.member_a1.user)
    assert strict.post(_withdraw_url(asked)).status_code == 403
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING


def test_page_withdraw_of_another_s_request_is_404(client, county, joins):
    asked = services.household_join_request(user=county.member_a1.user, site=joins.a)
    for other in (county.member_a2.user, joins.admin_a, county.member_b1.user):
        client.force_login(other)
        assert client.post(_withdraw_url(asked)).status_code == 404
    client.logout()
    assert client.post(_withdraw_url(asked)).status_code == 302  # to the login page
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING
    assert not AuditLog.objects.filter(action="household_join.withdrawn").exists()


def test_page_decline_with_a_reason(client, county, joins):
    asked = services.household_join_request(user=county.member_a1.user, site=joins.a)
    client.force_login(joins.admin_a)
    page = client.get("/remote/sites/HH-A1/household/").content.decode()
    assert f'id="reason-{asked.pk}"' in page
    url = f"/remote/sites/HH-A1/household/requests/{asked.pk}/decline/"
    assert client.post(url, {"reason": "户籍不在本户"}).status_code == 302
    asked.refresh_from_db()
    assert (asked.state, asked.reason) == (JoinState.DECLINED, "户籍不在本户")


# --- the API: the member ----------------------------------------------------------------------


def test_api_member_asks_lists_and_withdraws(client, county, joins):
    user = county.member_a1.user
    client.force_login(user)
    token = services.household_join_code(joins.a)
    asked = post(client, f"{API}/household/join", {"token": token})
    assert asked.status_code == 200, asked.content
    body = asked.json()
    assert (body["site"], body["state"], body["via"]) == (
        {"code": "HH-A1", "name": "张家入户终端"},
        "pending",
        "qr",
    )
    assert body["state_label"] == "待审核" and body["org"] == "东街社区党支部"
    # Asking again (the 站点编码 typed by hand) is the same request.
    same = post(client, f"{API}/household/join", {"code": " hh-a1 "}).json()
    assert same["id"] == body["id"] and HouseholdJoinRequest.objects.count() == 1
    empty = post(client, f"{API}/household/join", {})
    assert empty.status_code == 400
    assert empty.json() == {
        "detail": "请扫描电视上的二维码，或输入电视上显示的站点编码",
        "field": "code",
    }
    # Another org's household: 400, nothing of it named.
    wrong = post(client, f"{API}/household/join", {"code": "HH-B1"})
    assert wrong.status_code == 400 and "李家" not in wrong.content.decode()
    listed = client.get(f"{API}/household/requests").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    assert listed["next_cursor"] is None
    url = f"{API}/household/requests/{body['id']}/withdraw"
    first = post(client, url)
    second = post(client, url)  # a double tap
    assert first.status_code == second.status_code == 200
    assert first.json()["state"] == second.json()["state"] == "withdrawn"
    assert AuditLog.objects.filter(action="household_join.withdrawn").count() == 1
    # A decided request: 400 with the reason.
    again = post(client, f"{API}/household/join", {"code": "HH-A1"}).json()
    services.household_join_decide(
        actor=joins.admin_a,
        request=HouseholdJoinRequest.objects.get(pk=again["id"]),
        approve=True,
    )
    late = post(client, f"{API}/household/requests/{again['id']}/withdraw")
    assert late.status_code == 400
    assert late.json()["detail"].startswith("站点管理员已同意您的申请，不能再撤回")
    states = [r["state"] for r in client.get(f"{API}/household/requests").json()["results"]]
    assert states == ["approved", "withdrawn"]


def test_api_member_cannot_see_or_withdraw_another_s_request(client, county, joins):
    asked = services.household_join_request(user=county.member_a1.user, site=joins.a)
    for other in (county.member_a2.user, joins.admin_a):
        client.force_login(other)
        assert client.get(f"{API}/household/requests").json()["results"] == []
        assert post(client, f"{API}/household/requests/{asked.pk}/withdraw").status_code == 404
    client.logout()
    assert post(client, f"{API}/household/requests/{asked.pk}/withdraw").status_code == 401
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING


def test_api_requests_are_walked_by_cursor(client, county, joins):
    user = county.member_a1.user
    made = []
    for _ in range(3):
        made.append(services.household_join_request(user=user, site=joins.a).pk)
        services.household_join_withdraw(
            user=user, request=HouseholdJoinRequest.objects.get(pk=made[-1])
        )
    client.force_login(user)
    first = client.get(f"{API}/household/requests", {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == made[::-1][:2]
    rest = client.get(
        f"{API}/household/requests", {"page_size": 2, "after": first["next_cursor"]}
    ).json()
    assert [r["id"] for r in rest["results"]] == [made[0]] and rest["next_cursor"] is None


# --- the API: the site admin ------------------------------------------------------------------


def test_api_admin_lists_approves_and_declines_their_own_sites_only(client, county, joins):
    a1 = services.household_join_request(user=county.member_a1.user, site=joins.a)
    spouse = MemberFactory(org=county.branch_a1, user=UserFactory(name="王秀英"))
    a2 = services.household_join_request(user=spouse.user, site=joins.a, via=JoinVia.QR)
    b1 = services.household_join_request(user=county.member_b1.user, site=joins.b)
    client.force_login(joins.admin_b)
    listed = client.get(f"{API}/household-requests").json()
    assert [r["id"] for r in listed["results"]] == [b1.pk]
    # Village A's requests: 404 for B's admin, nothing changed.
    for action, body in (("approve", None), ("decline", {"reason": "不认识"})):
        assert post(client, f"{API}/household-requests/{a1.pk}/{action}", body).status_code == 404
    a1.refresh_from_db()
    assert a1.state == JoinState.PENDING and not HouseholdMember.objects.exists()

    client.force_login(joins.admin_a)
    listed = client.get(f"{API}/household-requests").json()
    assert [(r["id"], r["name"], r["via"]) for r in listed["results"]] == [
        (a2.pk, "王秀英", "qr"),
        (a1.pk, "张东街", "code"),
    ]
    assert listed["results"][1]["member_org"] == "东街社区党支部"
    approve = f"{API}/household-requests/{a1.pk}/approve"
    first, second = post(client, approve), post(client, approve)  # a double tap
    assert first.status_code == second.status_code == 200
    assert first.json()["state"] == "approved" and first.json()["member"] == county.member_a1.pk
    assert list(HouseholdMember.objects.values_list("member", flat=True)) == [county.member_a1.pk]
    assert AuditLog.objects.filter(action="household_join.approved").count() == 1
    declined = post(client, f"{API}/household-requests/{a2.pk}/decline", {"reason": "不住这一户"})
    assert declined.status_code == 200
    assert (declined.json()["state"], declined.json()["reason"]) == ("declined", "不住这一户")
    # Approving a declined request: 400 (the machine's refusal).
    assert post(client, f"{API}/household-requests/{a2.pk}/approve").status_code == 400
    assert client.get(f"{API}/household-requests").json()["results"] == []
    # A member with no site role sees nothing waiting.
    client.force_login(county.member_a2.user)
    assert client.get(f"{API}/household-requests").json()["results"] == []


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_api_waiting_list_query_count(client, county, joins, django_assert_num_queries, n):
    for i in range(n):
        member = MemberFactory(org=county.branch_a1, user=UserFactory(name=f"申请人{i}"))
        services.household_join_request(user=member.user, site=joins.a)
    services.household_join_request(user=county.member_b1.user, site=joins.b)
    client.force_login(joins.admin_a)
    # the session, the user; the roles (the sites the admin runs), the waiting requests
    with django_assert_num_queries(4):
        data = client.get(f"{API}/household-requests").json()
    assert sorted(r["name"] for r in data["results"]) == [f"申请人{i}" for i in range(n)]


@pytest.mark.parametrize("n", [1, 3])
def test_api_my_requests_query_count(client, county, joins, django_assert_num_queries, n):
    user = county.member_a1.user
    for i in range(n):
        site = joins.a
        if i:
            from tests.factories import make_site

            site = make_site(county.branch_a1, code=f"HH-X{i}", name=f"户{i}", kind="household")
        services.household_join_request(user=user, site=site)  # replaces the one before
    services.household_join_request(user=county.member_b1.user, site=joins.b)
    client.force_login(user)
    # the session, the user; the requests with their sites and orgs
    with django_assert_num_queries(3):
        data = client.get(f"{API}/household/requests").json()
    assert len(data["results"]) == n
    assert [r["state"] for r in data["results"]] == ["pending"] + ["withdrawn"] * (n - 1)


@pytest.mark.parametrize("n", [1, 3])
def test_home_page_with_a_request_query_count(client, county, joins, django_assert_num_queries, n):
    """The member's page shows their one waiting request (with its withdraw button) however
    many they withdrew or had replaced before."""
    user = county.member_a1.user
    for _ in range(n):
        asked = services.household_join_request(user=user, site=joins.a)
        if _ < n - 1:
            services.household_join_withdraw(user=user, request=asked)
    client.force_login(user)
    with django_assert_num_queries(8):
        page = client.get(HOME).content.decode()
    assert page.count('id="household-withdraw"') == 1
