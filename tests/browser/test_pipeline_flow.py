"""发展党员 in the browser: the branch secretary registers an application, sees the talk
due on the branch's list, records the talk, and an early step is refused with its rule."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.people.models import Applicant

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_secretary_takes_an_applicant_through_the_first_steps(county, new_page):
    page = new_page()
    login(page, "secretary_a1", PASSWORD)
    page.goto("/members/pipeline/new/")
    page.select_option("select[name=org]", str(county.branch_a1.pk))
    page.fill("input[name=name]", "孙申请")
    page.fill("input[name=applied_on]", "2026-01-05")
    page.click("button:has-text('登记')")
    page.wait_for_selector("#applicant-stage")
    assert page.locator("#applicant-stage").inner_text() == "入党申请人"
    page.goto("/members/pipeline/?org=A1")
    assert page.locator("#pipeline-list .title").all_inner_texts() == ["孙申请"]
    assert "派人谈话" in page.locator("#pipeline-list").inner_text()
    page.click("#pipeline-list >> text=孙申请")
    page.fill("#step-activist input[name=activist-on]", "2026-02-01")
    page.fill("#step-activist input[name=activist-contacts]", "张东街、李西街")
    page.click("#step-activist button")
    page.wait_for_selector("text=请先记录与申请人的谈话")
    page.fill("#step-talk input[name=talk-on]", "2026-01-20")
    page.click("#step-talk button")
    page.wait_for_selector("text=已记录：记录谈话")
    assert Applicant.objects.get().talked_on == datetime.date(2026, 1, 20)
