"""月度自查 on a 360 px phone: the branch secretary starts the month, self-scores the
evidence items with a link each, and submits; nothing scrolls sideways."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, login
from tests.conftest import PASSWORD
from xianfeng.assessment.enums import CheckState
from xianfeng.assessment.models import SelfCheck
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create

pytestmark = pytest.mark.django_db(transaction=True)
YEAR = timezone.localdate().year - 1


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_secretary_submits_a_self_check_on_a_phone(county, new_page):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    page = new_page(width=360, height=740)
    login(page, "secretary_a1", PASSWORD)
    page.goto(f"/indicators/checks/?month={YEAR}-03")
    _no_sideways_scroll(page)
    page.click("button:has-text('开始自查')")
    page.wait_for_selector("text=提交自查")
    check = SelfCheck.objects.get()
    for line in check.lines.select_related("item").filter(item__rule="evidence"):
        card = f"#line-{line.pk}"
        page.fill(f"{card} input[name=score]", str(int(line.item.points) - 1))
        page.click(f"{card} button:has-text('保存')")
        page.wait_for_selector(f"text=已保存“{line.item.name}”")
        page.fill(f"{card} input[name=link]", "https://example.cn/ledger")
        page.fill(f"{card} input[name=name]", f"{line.item.name}台账")
        page.click(f"{card} button:has-text('添加材料')")
        page.wait_for_selector(f"{card} a:has-text('{line.item.name}台账')")
    _no_sideways_scroll(page)
    page.click("button:has-text('提交自查')")
    page.wait_for_selector("text=自查已提交")
    check.refresh_from_db()
    assert check.state == CheckState.SUBMITTED and check.submitted_by == county.secretary_a1
    assert page.locator("button:has-text('提交自查')").count() == 0
    _no_sideways_scroll(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "selfcheck-360.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]
