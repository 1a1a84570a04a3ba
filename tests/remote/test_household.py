"""入户终端 (household TVs): a TV paired to a household; watching on it credits only the
household's members who confirm on their own phone, never everyone automatically; one
household's viewings are not visible to another household or another branch."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory, grant, make_site, published_lesson
from xianfeng.common.errors import Refused
from xianfeng.lessons.models import GroupViewing
from xianfeng.notify.models import Notification
from xianfeng.orgs.enums import RoleKind
from xianfeng.people.models import Member, User
from xianfeng.remote import bulletin, services
from xianfeng.remote.enums import SignInHow, ViewingState
from xianfeng.remote.models import DeviceToken, HouseholdMember, Site, Viewing, ViewingAttendance

pytestmark = pytest.mark.django_db
JSON = "application/json"


@dataclass
class Homes:
    """Household TV A (branch A1: member_a1 and their spouse), household TV B (branch B1:
    member_b1), each paired; the village admins of A1 and B1."""

    a: Site
    b: Site
    key_a: str
    key_b: str
    device_a: DeviceToken
    spouse: Member
    admin_a: User
    admin_b: User
    lesson: object


@pytest.fixture
def homes(county) -> Homes:
    a = make_site(county.branch_a1, code="HH-A1", name="张家入户终端", kind="household")
    b = make_site(county.branch_b1, code="HH-B1", name="李家入户终端", kind="household")
    admin_a = UserFactory(username="hh_admin_a", name="东街站点管理员")
    grant(admin_a, county.branch_a1, RoleKind.SITE_ADMIN)
    admin_b = UserFactory(username="hh_admin_b", name="柳湾站点管理员")
    grant(admin_b, county.branch_b1, RoleKind.SITE_ADMIN)
    spouse = MemberFactory(org=county.branch_a1, user=UserFactory(name="王秀英"))
    services.household_member_add(actor=admin_a, site=a, member=county.member_a1)
    services.household_member_add(actor=admin_a, site=a, member=spouse)
    services.household_member_add(actor=admin_b, site=b, member=county.member_b1)
    device_a, key_a = services.device_token_issue(actor=admin_a, site=a)
    _, key_b = services.device_token_issue(actor=admin_b, site=b)
    lesson = published_lesson(
        org=county.county, author=county.member_a1.user, title="乡村振兴政策解读", public=True
    )
    return Homes(a, b, key_a, key_b, device_a, spouse, admin_a, admin_b, lesson)


def start(client, homes: Homes, key: str | None = None):
    response = client.post(
        "/api/v1/remote/tv/household/viewings",
        {"lessons": [homes.lesson.pk]},
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {key or homes.key_a}",
    )
    assert response.status_code == 201, response.content.decode()
    return Viewing.objects.get(pk=response.json()["id"])


def test_household_member_add_rules(county, homes, sites2):
    a1 = county.member_a1
    # A village site is no household.
    with pytest.raises(Refused):
        services.household_member_add(actor=sites2.admin_a, site=sites2.a, member=a1)
    # Another branch's member, a member already in another household, another branch's admin.
    other = make_site(county.branch_a1, code="HH-A2", kind="household")
    with pytest.raises(Refused):
        services.household_member_add(actor=homes.admin_a, site=other, member=county.member_b1)
    with pytest.raises(Refused):
        services.household_member_add(actor=homes.admin_a, site=other, member=a1)
    with pytest.raises(PermissionDenied):
        services.household_member_add(actor=homes.admin_b, site=other, member=county.member_a2)
    assert not HouseholdMember.objects.filter(site=other).exists()
    # Adding again to the same household changes nothing.
    services.household_member_add(actor=homes.admin_a, site=homes.a, member=a1)
    assert HouseholdMember.objects.filter(site=homes.a).count() == 2


def test_watching_credits_only_the_members_who_confirm(client, county, homes):
    viewing = start(client, homes)
    assert viewing.state == ViewingState.OPEN
    # Both members of the household are told; nobody is credited yet.
    told = set(
        Notification.objects.filter(kind="remote.household").values_list("user_id", flat=True)
    )
    assert told == {county.member_a1.user_id, homes.spouse.user_id}
    assert not GroupViewing.objects.exists()
    client.force_login(county.member_a1.user)
    page = client.get("/remote/home/")
    assert page.status_code == 200 and "乡村振兴政策解读" in page.content.decode()
    done = client.post(f"/remote/home/viewings/{viewing.pk}/confirm/")
    assert done.status_code == 302
    client.post(f"/remote/home/viewings/{viewing.pk}/confirm/")  # twice: once
    credited = list(GroupViewing.objects.values_list("user_id", "lesson_id", "source"))
    assert credited == [(county.member_a1.user_id, homes.lesson.pk, "remote.viewing")]
    (row,) = ViewingAttendance.objects.filter(viewing=viewing)
    assert (row.user_id, row.how, row.is_member) == (
        county.member_a1.user_id,
        SignInHow.CONFIRM,
        True,
    )
    # The TV ends: held (someone confirmed); the spouse, who did not confirm, gets nothing
    # and can no longer confirm.
    ended = client.post(
        f"/api/v1/remote/tv/household/viewings/{viewing.pk}/end",
        HTTP_AUTHORIZATION=f"Bearer {homes.key_a}",
    )
    assert ended.json()["state"] == "held" and ended.json()["confirmed"] == 1
    client.force_login(homes.spouse.user)
    late = client.post(f"/api/v1/remote/household/viewings/{viewing.pk}/confirm", content_type=JSON)
    assert late.status_code == 400 and late.json()["detail"] == "本次收看已结束，不能再确认"
    assert GroupViewing.objects.count() == 1
    # The member's study record shows it.
    client.force_login(county.member_a1.user)
    mine = client.get("/api/v1/remote/household").json()
    assert mine["site"] == {"code": "HH-A1", "name": "张家入户终端"}
    assert [(v["title"], v["confirmed"]) for v in mine["confirmed"]] == [("乡村振兴政策解读", True)]


def test_site_figures_count_confirmed_household_viewings_only(client, county, homes):
    unconfirmed = start(client, homes)
    # Starting again closes the open one: nobody confirmed, so it is cancelled.
    confirmed = start(client, homes)
    unconfirmed.refresh_from_db()
    assert unconfirmed.state == ViewingState.CANCELLED
    services.household_confirm(user=homes.spouse.user, viewing=confirmed)
    services.household_viewing_end(device=homes.device_a, viewing=confirmed)
    confirmed.refresh_from_db()
    assert confirmed.state == ViewingState.HELD
    local = timezone.localtime()
    figures = bulletin.site_month(homes.a, local.year, local.month)
    assert figures.viewings == 1


def test_nobody_is_signed_in_for_someone_else_on_a_household_tv(client, county, homes):
    viewing = start(client, homes)
    # No 代签 by the admin, no roll call from the TV.
    with pytest.raises(Refused):
        services.viewing_proxy_sign(actor=homes.admin_a, viewing=viewing, member=homes.spouse)
    tv = client.post(
        "/api/v1/remote/tv/roll-calls",
        {"viewing": viewing.pk, "member": homes.spouse.pk},
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {homes.key_a}",
    )
    assert tv.status_code == 400
    assert not ViewingAttendance.objects.exists()
    # The QR on the TV: someone outside the household is refused; a household member's scan
    # is their confirmation.
    token = services.viewing_code(viewing)
    client.force_login(county.member_a2.user)
    refused = client.post(f"/remote/v/{token}/")
    assert refused.status_code == 400
    assert "只有登记在本户的党员可以确认入户收看" in refused.content.decode()
    client.force_login(homes.spouse.user)
    assert client.post(f"/remote/v/{token}/").status_code == 200
    assert list(ViewingAttendance.objects.values_list("user_id", "how")) == [
        (homes.spouse.user_id, SignInHow.CONFIRM)
    ]
    assert list(GroupViewing.objects.values_list("user_id", flat=True)) == [homes.spouse.user_id]


def test_one_household_does_not_see_another_s_viewings(client, county, homes, sites2):
    viewing = start(client, homes)
    member_b = county.member_b1.user
    client.force_login(member_b)
    page = client.get("/remote/home/").content.decode()
    assert "张家入户终端" not in page and "乡村振兴政策解读" not in page
    assert client.post(f"/remote/home/viewings/{viewing.pk}/confirm/").status_code == 404
    assert (
        client.post(
            f"/api/v1/remote/household/viewings/{viewing.pk}/confirm", content_type=JSON
        ).status_code
        == 404
    )
    assert client.get("/api/v1/remote/household").json() == {
        "site": {"code": "HH-B1", "name": "李家入户终端"},
        "playing": [],
        "confirmed": [],
    }
    # A member of the same branch outside the household sees nothing either.
    client.force_login(county.member_a2.user)
    assert client.post(f"/remote/home/viewings/{viewing.pk}/confirm/").status_code == 404
    assert client.get("/api/v1/remote/household").json()["site"] is None
    # The other household's TV cannot end it; the other branch's admin cannot see the
    # household or change it.
    other_tv = client.post(
        f"/api/v1/remote/tv/household/viewings/{viewing.pk}/end",
        HTTP_AUTHORIZATION=f"Bearer {homes.key_b}",
    )
    assert other_tv.status_code == 404
    client.force_login(homes.admin_b)
    assert client.get("/remote/sites/HH-A1/household/").status_code == 404
    assert client.get(f"/api/v1/remote/viewings/{viewing.pk}").status_code == 404
    entry = HouseholdMember.objects.get(member=homes.spouse)
    assert client.post(f"/remote/sites/HH-A1/household/{entry.pk}/remove/").status_code == 404
    assert HouseholdMember.objects.filter(pk=entry.pk).exists()
    assert not GroupViewing.objects.exists()


def test_the_household_tv_shows_who_confirmed_and_no_roll_call(client, county, homes):
    viewing = start(client, homes)
    services.household_confirm(user=county.member_a1.user, viewing=viewing)
    data = client.get("/api/v1/remote/tv", HTTP_AUTHORIZATION=f"Bearer {homes.key_a}").json()
    (shown,) = data["viewings"]
    assert shown["roster"] == []
    assert shown["qr_label"] == "家庭成员扫码确认收看"
    assert [(p["name"], p["signed"]) for p in shown["household"]] == [
        (county.member_a1.user.name, True),
        ("王秀英", False),
    ]


def test_only_household_tvs_start_household_viewings(client, county, homes, sites2):
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    response = client.post(
        "/api/v1/remote/tv/household/viewings",
        {"lessons": [homes.lesson.pk]},
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400
    # Nor can a village TV end its site's viewing (its admin does).
    village = services.viewing_start(
        actor=sites2.admin_a, site=sites2.a, title="集中收看", lessons=[homes.lesson]
    )
    refused = client.post(
        f"/api/v1/remote/tv/household/viewings/{village.pk}/end",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert refused.status_code == 400
    village.refresh_from_db()
    assert village.state == ViewingState.OPEN
    hidden = published_lesson(org=county.branch_b1, author=county.member_b1.user, title="柳湾内部")
    other = client.post(
        "/api/v1/remote/tv/household/viewings",
        {"lessons": [hidden.pk]},
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {homes.key_a}",
    )
    assert other.status_code == 400
    assert list(Viewing.objects.all()) == [village]


def test_site_admin_registers_the_household_on_the_page(client, county, homes):
    HouseholdMember.objects.filter(member=homes.spouse).delete()
    client.force_login(homes.admin_a)
    page = client.get("/remote/sites/HH-A1/household/")
    assert page.status_code == 200 and "王秀英" in page.content.decode()
    assert "---------" not in page.content.decode()
    forged = client.post("/remote/sites/HH-A1/household/", {"member": county.member_b1.pk})
    assert forged.status_code == 400
    added = client.post("/remote/sites/HH-A1/household/", {"member": homes.spouse.pk})
    assert added.status_code == 302
    assert HouseholdMember.objects.filter(site=homes.a).count() == 2
    site_page = client.get("/remote/sites/HH-A1/").content.decode()
    assert "家庭成员" in site_page and "王秀英" in site_page
    entry = HouseholdMember.objects.get(member=homes.spouse)
    client.post(f"/remote/sites/HH-A1/household/{entry.pk}/remove/")
    assert not HouseholdMember.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("n", [1, 3])
def test_household_page_query_count(client, county, homes, django_assert_num_queries, n):
    for _ in range(n):
        viewing = start(client, homes)
        services.household_confirm(user=county.member_a1.user, viewing=viewing)
    client.force_login(county.member_a1.user)
    # the same number whatever the viewings: the household, the open viewings, their lessons,
    # which are confirmed, the confirmed history with its sites, their lessons, the person's
    # own join requests; the session, the user and what the layout asks for
    with django_assert_num_queries(12):
        page = client.get("/remote/home/")
    # the open one once, each confirmed one with its lesson
    assert page.content.decode().count("乡村振兴政策解读") == 1 + 2 * n


def test_demo_household_is_alive_and_credits_the_confirmer_only(county, sites2):
    from xianfeng.remote.demo import _household

    lesson = published_lesson(
        org=county.county, author=county.member_a1.user, title="党史一课", public=True
    )
    spouse = MemberFactory(org=county.branch_a1, user=UserFactory(name="王秀英"))
    _household(sites2.a, sites2.admin_a, [county.member_a1, spouse], [lesson])
    site = Site.objects.get(kind="household")
    assert (site.org_id, site.code) == (county.branch_a1.pk, "DJ01H1")
    assert HouseholdMember.objects.filter(site=site).count() == 2
    (viewing,) = Viewing.objects.filter(site=site)
    assert viewing.state == ViewingState.HELD
    assert list(GroupViewing.objects.values_list("user_id", flat=True)) == [
        county.member_a1.user_id
    ]
