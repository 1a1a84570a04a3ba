"""入户终端 in Chromium: OK on a lesson opens a household viewing and shows the confirm QR
beside the video; a member's confirmation shows on the TV; 返回 ends the viewing (held,
credited to the one who confirmed only)."""

from __future__ import annotations

import datetime

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
