"""退回 and 整改 on a 360 px phone: the town returns a submitted 自查 with its reason; the
branch secretary reads the reason, corrects a score and resubmits; nothing scrolls
sideways and the return stays in the history."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, login
from tests.conftest import PASSWORD
from xianfeng.assessment.enums import CheckState, ItemRule
from xianfeng.assessment.models import CheckReturn
from xianfeng.assessment.services.checks import (
    evidence_add,
    line_save,
    selfcheck_start,
    selfcheck_submit,
)
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common.indicators import Month

pytestmark = pytest.mark.django_db(transaction=True)
YEAR = timezone.localdate().year - 1


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_returned_self_check_is_corrected_and_resubmitted_on_a_phone(county, new_page):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    sec = county.secretary_a1
    check = selfcheck_start(actor=sec, org=county.branch_a1, month=Month(YEAR, 3))
    for line in check.lines.select_related("item").filter(item__rule=ItemRule.EVIDENCE):
        line_save(actor=sec, line=line, score=str(line.item.points))
        evidence_add(actor=sec, line=line, link="https://example.cn/ledger", name="台账")
    selfcheck_submit(actor=sec, check=check)

    town = new_page(width=360, height=740)
    login(town, "town_admin", PASSWORD)
    town.goto(f"/indicators/checks/{check.pk}/")
    _no_sideways_scroll(town)
    town.fill("#return-reason", "班子建设得分偏高，请对照会议记录重新自评")
    town.click("button:has-text('退回支部')")
    town.wait_for_selector("text=已退回支部")
    _no_sideways_scroll(town)

    branch = new_page(width=360, height=740)
    login(branch, "secretary_a1", PASSWORD)
    branch.goto(f"/indicators/checks/{check.pk}/")
    branch.wait_for_selector("#returns >> text=班子建设得分偏高，请对照会议记录重新自评")
    _no_sideways_scroll(branch)
    team = check.lines.get(item__name="班子建设与书记抓党建")
    branch.fill(f"#line-{team.pk} input[name=score]", "12")
    branch.click(f"#line-{team.pk} button:has-text('保存')")
    branch.wait_for_selector("text=已保存“班子建设与书记抓党建”")
    branch.click("button:has-text('提交自查')")
    branch.wait_for_selector("text=自查已提交")
    branch.wait_for_selector("#returns >> text=重新提交")
    _no_sideways_scroll(branch)
    check.refresh_from_db()
    team.refresh_from_db()
    assert check.state == CheckState.SUBMITTED and str(team.self_score) == "12.0"
    assert CheckReturn.objects.get().resubmitted_at is not None
    ARTIFACTS.mkdir(exist_ok=True)
    branch.screenshot(path=str(ARTIFACTS / "selfcheck-return-360.png"), full_page=True)
    assert town.errors == [] and branch.errors == []  # type: ignore[attr-defined]
