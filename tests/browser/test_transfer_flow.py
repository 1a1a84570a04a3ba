"""组织关系转接 in the browser: the secretary of a branch in one town sends a member, the
secretary of a branch in another town accepts; neither sees the other's roster."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, login
from tests.conftest import PASSWORD
from xianfeng.people.models import Member
from xianfeng.transfers.models import Transfer

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_secretaries_transfer_a_member_between_towns(county, new_page):
    member = county.member_a1
    sender = new_page()
    login(sender, "secretary_a1", PASSWORD)
    sender.goto(f"/members/{member.pk}/")
    sender.click("text=办理组织关系转接")
    sender.fill("input[name=q]", "柳湾")
    sender.click("button:has-text('查找')")
    sender.wait_for_selector("#transfer-form")
    # Whitespace as laid out (the code may wrap below the name on a narrow label).
    assert [
        " ".join(t.split())
        for t in sender.locator("#transfer-form label:has(input[name=to_org])").all_inner_texts()
    ] == ["柳湾村党支部 B1"]
    sender.fill("input[name=reason]", "到河口镇务工，迁居柳湾村")
    sender.click("button:has-text('发起转接')")
    sender.wait_for_selector("#transfer-state")
    assert sender.locator("#transfer-state").inner_text() == "待接收"
    transfer = Transfer.objects.get()
    assert sender.locator("#transfer-cancel").count() == 1
    assert sender.locator("#transfer-accept").count() == 0

    receiver = new_page()
    login(receiver, "secretary_b1", PASSWORD)
    # Before accepting, the receiving secretary has the transfer, not the member's page.
    assert receiver.goto(f"/members/{member.pk}/").status == 404
    receiver.goto("/transfers/")
    assert receiver.locator("#transfer-list .title").all_inner_texts() == ["张东街"]
    receiver.click("#transfer-list >> text=张东街")
    receiver.wait_for_selector("#transfer-accept")
    ARTIFACTS.mkdir(exist_ok=True)
    receiver.screenshot(path=str(ARTIFACTS / "transfer-receive.png"), full_page=True)
    receiver.fill("input[name=effective_on]", "2026-05-15")
    receiver.click("button:has-text('确认接收')")
    receiver.wait_for_selector("text=已接收，该党员已转入本支部")
    assert receiver.locator("#transfer-state").inner_text() == "已接收"
    receiver.goto("/members/")
    assert sorted(receiver.locator("#member-results .title").all_inner_texts()) == [
        "张东街",
        "王柳湾",
    ]

    # The sender keeps the transfer and loses the member.
    sender.goto(f"/transfers/{transfer.pk}/")
    assert sender.locator("#transfer-state").inner_text() == "已接收"
    assert sender.goto(f"/members/{member.pk}/").status == 404
    sender.goto("/members/")
    assert "张东街" not in sender.locator("#member-results").inner_text()
    moved = Member.objects.get(pk=member.pk)
    assert (moved.org_id, str(moved.org_since)) == (county.branch_b1.pk, "2026-05-15")
    assert sender.errors == [] and receiver.errors == []
