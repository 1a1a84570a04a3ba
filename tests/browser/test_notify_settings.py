"""Notification settings on a 360 px phone: no sideways scrolling, large checkboxes with
their labels beside them, and the choices saved; the inbox and an org's policy page fit
too, and the header's badge counts the unread."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.notify.enums import Allow
from xianfeng.notify.models import OrgPolicy, Prefs
from xianfeng.notify.services import notify
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 360


def no_sideways_scroll(page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert max(widths) <= WIDTH, widths


@pytest.fixture
def member(county):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON)
    OrgPolicy.objects.create(org=county.town_a, dingtalk_token="dingTOKENtownA0001")
    user = county.member_a1.user
    user.set_password(PASSWORD)
    user.save()
    for i in range(3):
        notify(
            users=[user],
            title=f"会议通知：支部党员大会「学习党章第{i + 1}章」",
            kind="meeting.planned",
        )
    return user


def test_settings_fit_a_phone_and_save(member, new_page):
    page = new_page(width=WIDTH, height=760)
    login(page, "member_a1", PASSWORD)
    page.goto("/notifications/settings/")
    assert page.inner_text(".bell .badge") == "3"
    no_sideways_scroll(page)

    box = page.locator('input[name="kind:meeting.planned"][value="sms"]')
    size = box.bounding_box()
    assert size is not None and size["width"] >= 22 and size["height"] >= 22
    label = page.locator(f'label[for="{box.get_attribute("id")}"]').bounding_box()
    assert label is not None
    # The label sits beside its checkbox, on the same line, and is a large tap target.
    assert label["x"] <= size["x"] and label["x"] + label["width"] > size["x"] + size["width"]
    assert label["height"] >= 44

    page.fill("input[name=email]", "a1@example.cn")
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()  # untick SMS
    page.fill("input[name=quiet_start]", "22:00")
    page.fill("input[name=quiet_end]", "07:00")
    page.check("input[name=digest]")
    page.select_option("select[name=digest_hour]", "20")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=通知设置已保存")
    no_sideways_scroll(page)

    prefs = Prefs.objects.get(user=member)
    assert prefs.channels["meeting.planned"] == ["dingtalk", "email", "wechat", "wecom"]
    assert (prefs.quiet_start, prefs.quiet_end) == (datetime.time(22), datetime.time(7))
    assert (prefs.digest, prefs.digest_hour) == (True, 20)
    assert User.objects.get(pk=member.pk).email == "a1@example.cn"
    assert page.errors == []  # type: ignore[attr-defined]


def test_inbox_and_org_policy_fit_a_phone(member, county, new_page):
    page = new_page(width=WIDTH, height=760)
    login(page, "member_a1", PASSWORD)
    page.goto("/notifications/")
    no_sideways_scroll(page)
    page.locator(".notice .link").first.click()  # 标为已读, through htmx
    page.wait_for_function("() => document.querySelectorAll('.notice.unread').length === 2")
    page.reload()
    assert page.inner_text(".bell .badge") == "2"

    county.town_a_admin.set_password(PASSWORD)
    county.town_a_admin.save()
    admin = new_page(width=WIDTH, height=760)
    login(admin, "town_admin", PASSWORD)
    admin.goto("/notifications/org/TA/")
    no_sideways_scroll(admin)
    admin.check("#id_sms_2")  # 不允许
    admin.click("button[value=save]")
    admin.wait_for_selector("text=组织通知设置已保存")
    assert OrgPolicy.objects.get(org=county.town_a).sms == "off"
    assert page.errors == [] and admin.errors == []  # type: ignore[attr-defined]
