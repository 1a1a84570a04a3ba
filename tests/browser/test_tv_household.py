"""入户终端 in Chromium: OK on a lesson opens a household viewing and shows the confirm QR
beside the video; a member's confirmation shows on the TV; 返回 ends the viewing (held,
credited to the one who confirmed only)."""

from __future__ import annotations

import datetime
import os

import pytest
from django.utils import timezone

from tests.browser.test_remote_loop import until
from tests.factories import MemberFactory, UserFactory, grant, make_site, published_lesson
from xianfeng.lessons.models import GroupViewing
from xianfeng.orgs.enums import RoleKind
from xianfeng.remote import services
from xianfeng.remote.enums import ViewingState
from xianfeng.remote.models import Viewing

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("XF_SHOTS", "")


def test_household_tv_plays_and_only_the_confirmer_is_credited(county, new_page):
    site = make_site(county.branch_a1, code="HH01", name="张家入户终端", kind="household")
    admin = UserFactory(username="site_admin_a", name="赵志强")
    grant(admin, county.branch_a1, RoleKind.SITE_ADMIN)
    spouse = MemberFactory(org=county.branch_a1, user__name="王秀英")
    services.household_member_add(actor=admin, site=site, member=county.member_a1)
    services.household_member_add(actor=admin, site=site, member=spouse)
    lesson = published_lesson(
        org=county.county, author=county.member_a1.user, title="党史一课", public=True
    )
    today = timezone.localdate()
    plan = services.plan_create(
        actor=county.county_admin,
        org=county.county,
        title="本周计划",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        lessons=[lesson],
        sites=[site],
    )
    services.plan_publish(actor=county.county_admin, plan=plan)
    _, key = services.device_token_issue(actor=admin, site=site)

    tv = new_page(width=1280, height=720)
    tv.set_default_timeout(60_000)  # a shared, busy machine
    tv.set_default_navigation_timeout(60_000)
    tv.goto("/healthz")
    tv.evaluate(f"window.localStorage.setItem('xf_device_token', '{key}')")
    tv.goto("/remote/tv/")
    tv.wait_for_selector("text=党史一课")
    for _ in range(6):
        if "党史一课" in tv.evaluate("document.activeElement.textContent"):
            break
        tv.keyboard.press("ArrowRight")
    tv.keyboard.press("Enter")
    tv.wait_for_selector("#home-qr:not([hidden])")
    until(tv, "window.xfTv.homeViewing() !== null", timeout=60)
    viewing = Viewing.objects.get(site=site)
    assert viewing.state == ViewingState.OPEN
    assert not GroupViewing.objects.exists()

    services.household_confirm(user=county.member_a1.user, viewing=viewing)
    tv.wait_for_selector(f"text=已确认收看：{county.member_a1.user.name}", timeout=60_000)

    assert tv.evaluate("document.activeElement.id") == "back"
    tv.keyboard.press("Enter")
    tv.wait_for_selector("#home-qr", state="hidden")
    deadline = 60
    while deadline and Viewing.objects.get(pk=viewing.pk).state == ViewingState.OPEN:
        tv.wait_for_timeout(500)
        deadline -= 1
    assert Viewing.objects.get(pk=viewing.pk).state == ViewingState.HELD
    assert list(GroupViewing.objects.values_list("user_id", flat=True)) == [
        county.member_a1.user_id
    ]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_member_scans_the_household_qr_logged_out_and_the_admin_approves(county, new_page):
    from tests.browser.conftest import login
    from tests.conftest import PASSWORD
    from xianfeng.remote.models import HouseholdJoinRequest, HouseholdMember

    site = make_site(county.branch_a1, code="HH01", name="张家入户终端", kind="household")
    admin = UserFactory(username="site_admin_a", name="赵志强")
    grant(admin, county.branch_a1, RoleKind.SITE_ADMIN)
    _, key = services.device_token_issue(actor=admin, site=site)

    # The TV of a household nobody is registered in offers joining first.
    tv = new_page(width=1280, height=720)
    tv.set_default_timeout(60_000)
    tv.goto("/healthz")
    tv.evaluate(f"window.localStorage.setItem('xf_device_token', '{key}')")
    tv.goto("/remote/tv/")
    tv.wait_for_selector("text=家庭成员扫码加入")
    assert "站点编码 HH01" in tv.evaluate("document.activeElement.textContent")
    tv.keyboard.press("Enter")
    tv.wait_for_selector("#qr-box:not([hidden])")
    assert tv.get_attribute("#qr", "src").startswith("data:image/png;base64,")
    assert "HH01" in tv.text_content("#qr-text")

    # The member's phone opens the QR's address logged out, logs in and comes back.
    phone = new_page(width=360, height=740)
    phone.set_default_timeout(60_000)
    phone.goto(f"/remote/home/join/{services.household_join_code(site)}/")
    phone.wait_for_url(lambda url: "/accounts/login/" in url)
    phone.fill("input[name=username]", county.member_a1.user.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_selector("#join")
    assert "张家入户终端" in phone.text_content("#join-site")
    assert "东街社区党支部" in phone.text_content("#join-site")
    assert _fits(phone)
    phone.click("#join")
    phone.wait_for_selector("#household-waiting")
    assert _fits(phone)
    assert HouseholdJoinRequest.objects.get().state == "pending"

    # The site admin approves on their own phone.
    desk = new_page(width=360, height=740)
    desk.set_default_timeout(60_000)
    login(desk, "site_admin_a", PASSWORD)
    desk.goto("/remote/sites/HH01/household/")
    desk.wait_for_selector("#household-waiting")
    assert county.member_a1.user.name in desk.text_content("#household-waiting")
    assert _fits(desk)
    desk.click("#household-waiting button:has-text('同意')")
    desk.wait_for_selector(f"#household >> text={county.member_a1.user.name}")
    assert HouseholdMember.objects.get().member == county.member_a1

    phone.goto("/remote/home/")
    phone.wait_for_selector("text=张家入户终端 · HH01")
    assert _fits(phone)
    assert phone.errors == [] and desk.errors == [] and tv.errors == []


def test_member_withdraws_and_the_admin_declines_with_a_reason_on_a_phone(county, new_page):
    from tests.browser.conftest import login
    from tests.conftest import PASSWORD
    from xianfeng.remote.models import HouseholdJoinRequest

    site = make_site(county.branch_a1, code="HH01", name="张家入户终端", kind="household")
    admin = UserFactory(username="site_admin_a", name="赵志强")
    grant(admin, county.branch_a1, RoleKind.SITE_ADMIN)
    asked = services.household_join_request(user=county.member_a1.user, site=site)

    phone = new_page(width=360, height=740)
    phone.set_default_timeout(60_000)
    login(phone, county.member_a1.user.username, PASSWORD)
    phone.goto("/remote/home/")
    phone.wait_for_selector("#household-withdraw")
    assert _fits(phone)
    phone.click("#household-withdraw button")
    phone.wait_for_selector("text=已撤回加入“张家入户终端”的申请")
    assert phone.query_selector("#household-withdraw") is None
    # What became of it stays on the member's page, on the phone's width.
    assert "已撤回" in phone.inner_text("#household-requests")
    assert _fits(phone)
    asked.refresh_from_db()
    assert asked.state == "withdrawn"

    spouse = MemberFactory(org=county.branch_a1, user=UserFactory(name="王秀英"))
    again = services.household_join_request(user=spouse.user, site=site)
    desk = new_page(width=360, height=740)
    desk.set_default_timeout(60_000)
    login(desk, "site_admin_a", PASSWORD)
    desk.goto("/remote/sites/HH01/household/")
    desk.wait_for_selector("#household-waiting")
    assert _fits(desk)
    desk.fill(f"#reason-{again.pk}", "户籍不在本户")
    desk.click("#household-waiting button:has-text('拒绝')")
    desk.wait_for_selector("text=已拒绝王秀英的加入申请")
    assert HouseholdJoinRequest.objects.get(pk=again.pk).reason == "户籍不在本户"
    # The spouse reads the answer and its reason on their own phone.
    spouse_phone = new_page(width=360, height=740)
    spouse_phone.set_default_timeout(60_000)
    login(spouse_phone, spouse.user.username, PASSWORD)
    spouse_phone.goto("/remote/home/")
    told = spouse_phone.inner_text("#household-requests")
    assert "未同意" in told and "户籍不在本户" in told and "张家入户终端" in told
    assert _fits(spouse_phone)
    # In 大字 at 200 % zoom (a 360 px phone is then 180 CSS px wide): still no sideways scroll.
    spouse_phone.context.add_cookies(
        [{"name": "xf_text", "value": "large", "url": spouse_phone.url}]
    )
    spouse_phone.set_viewport_size({"width": 180, "height": 740})
    spouse_phone.goto("/remote/home/")
    assert spouse_phone.evaluate("document.documentElement.classList.contains('large-text')")
    assert "户籍不在本户" in spouse_phone.inner_text("#household-requests")
    assert _fits(spouse_phone)
    if SHOTS:
        spouse_phone.screenshot(path=f"{SHOTS}/household-requests-large-180.png", full_page=True)
    assert phone.errors == [] and desk.errors == [] and spouse_phone.errors == []
