from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_secretary_sees_only_own_branch_members(county, new_page):
    page = new_page()
    login(page, "secretary_a1", PASSWORD)
    page.click("text=党员")
    page.wait_for_url("**/members/")
    names = page.locator("#member-results .title").all_inner_texts()
    assert names == ["张东街"]
    # Search through htmx: the result list is swapped, the URL follows.
    page.fill("input[name=q]", "张")
    page.wait_for_url("**/members/?*q=*")
    assert page.locator("#member-results .title").all_inner_texts() == ["张东街"]
    assert page.errors == []  # no CSP violation, no script error


def test_secretary_hands_a_member_a_one_time_link_and_the_member_sets_a_password(county, new_page):
    secretary = new_page()
    login(secretary, "secretary_a1", PASSWORD)
    secretary.goto(f"/members/{county.member_a1.pk}/")
    secretary.click("main button:has-text('生成设置密码链接')")
    secretary.wait_for_function(
        "() => (document.querySelector('img.qr-code') || {}).naturalWidth > 100"
    )
    url = secretary.input_value("#password-link-url")
    assert secretary.errors == []

    member = new_page(width=360, height=740)  # the member's own phone
    member.goto(url)
    assert "张东街" in member.inner_text("main")
    member.fill("input[name=password]", "Village-road-8")
    member.fill("input[name=password2]", "Village-road-8")
    member.click("main button[type=submit]")
    member.wait_for_url("**/accounts/login/")
    assert "密码已设置" in member.inner_text("main")
    login(member, county.member_a1.user.phone, "Village-road-8")
    assert "/accounts/login/" not in member.url
    # The link works once.
    member.goto(url)
    assert "该链接已经用过" in member.inner_text("main")
    assert member.errors == []


def test_a_county_admin_turns_on_two_step_sign_in(county, new_page):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.people.otp_support import code_for

    page = new_page(width=360, height=740)
    login(page, "county_admin", PASSWORD)
    page.goto("/me/")
    page.click("text=开启两步验证")
    page.wait_for_function("() => (document.querySelector('img.qr-code') || {}).naturalWidth > 100")
    device = TOTPDevice.objects.get(user=county.county_admin)
    page.fill("input[name=code]", code_for(device))
    page.click("main button[type=submit]")
    page.wait_for_url("**/me/")
    assert "已开启两步验证" in page.inner_text("main")
    assert page.errors == []
