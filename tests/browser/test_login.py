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
