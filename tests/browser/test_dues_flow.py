"""党费 and 流动党员 in the browser on a 360 px phone: the secretary assesses a member by the
county's brackets, records a month (a second click records nothing more), reads the ledger
without the page scrolling sideways, and registers a member going away."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.dues import services
from xianfeng.dues.calc import DEFAULT_BRACKETS, DEFAULT_FIXED
from xianfeng.dues.models import DuesPayment
from xianfeng.mobility.models import MobileRecord

pytestmark = pytest.mark.django_db(transaction=True)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_secretary_assesses_records_and_reads_the_ledger_on_a_phone(county, new_page):
    year = timezone.localdate().year - 1
    services.dues_rule_create(
        actor=county.county_admin, org=county.county, effective_from=datetime.date(year, 1, 1),
        brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED,
    )  # fmt: skip
    page = new_page(360, 740)
    login(page, "secretary_a1", PASSWORD)
    page.goto(f"/members/{county.member_a1.pk}/")
    page.click(".form-actions a:has-text('党费')")
    page.click("summary:has-text('核定党费')")
    page.fill("#dues-assessments input[name=year]", str(year))
    page.select_option("#dues-assessments select[name=category]", "in_work")
    page.fill("#dues-assessments input[name=base_income]", "3000")
    page.click("#dues-assessments button")
    page.wait_for_selector(f"text=已核定 {year} 年党费：每月 15.00 元")
    assert no_sideways_scroll(page)
    page.fill("#dues-pay input[name=month_from]", f"{year}-03")
    page.fill("#dues-pay input[name=paid_on]", f"{year}-03-05")
    page.click("#dues-pay button")
    page.wait_for_selector("text=已登记 1 个月党费，共 15.00 元")
    page.fill("#dues-pay input[name=month_from]", f"{year}-03")
    page.fill("#dues-pay input[name=paid_on]", f"{year}-03-05")
    page.click("#dues-pay button")
    page.wait_for_selector(f"text={year}-03 的党费已登记过，未重复登记")
    assert DuesPayment.objects.count() == 1
    page.goto(f"/dues/org/A1/?year={year}")
    assert "✓" in page.locator("#dues-ledger").inner_text()
    assert no_sideways_scroll(page)
    assert page.errors == []


def test_secretary_registers_a_member_going_away_on_a_phone(county, new_page):
    page = new_page(360, 740)
    login(page, "secretary_a1", PASSWORD)
    page.goto(f"/members/{county.member_a1.pk}/")
    page.click(".form-actions a:has-text('流动党员外出登记')")
    page.fill("input[name=place]", "广东省深圳市宝安区")
    page.fill("input[name=phone]", "13800001111")
    page.fill("input[name=host_code]", "B1")
    page.fill("input[name=card_number]", "LD2026001")
    assert no_sideways_scroll(page)
    page.click("#mobile-register button[type=submit]")
    page.wait_for_selector("text=已登记张东街外出")
    assert MobileRecord.objects.get().host_org == county.branch_b1
    page.goto("/mobile/")
    assert "本季度未联系" in page.locator("#mobile-list").inner_text()
    assert no_sideways_scroll(page)
    assert page.errors == []
