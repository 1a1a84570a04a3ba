"""The co-speakers' order on a 360 px phone with the keyboard alone: Tab to a 下移 button,
Enter posts the form (no script on the page), the page comes back at the row moved, in the
new order, and nothing scrolls sideways."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.factories import MemberFactory
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.practice import speakers

pytestmark = pytest.mark.django_db(transaction=True)


def test_co_speakers_reordered_by_keyboard_on_a_phone(county, new_page):
    member = county.member_a1
    data = lesson_services.LessonData(title="师徒同讲一堂课", speaker_name=member.user.name)
    lesson = lesson_services.lesson_create(actor=member.user, org=member.org, data=data)
    for name in ("同讲甲", "同讲乙", "同讲丙"):
        speakers.lesson_speaker_add(
            actor=member.user,
            lesson=lesson,
            member=MemberFactory(org=member.org, user__name=name),
        )
    page = new_page(width=360, height=740)
    page.set_default_timeout(60_000)
    login(page, "member_a1", PASSWORD)
    page.goto(f"/lessons/{lesson.pk}/speakers/")
    assert page.locator("script:not([src])").count() == 0
    names = page.locator(".co-speaker .co-speaker-name")
    assert names.all_inner_texts() == ["同讲甲", "同讲乙", "同讲丙"]
    page.locator("button[aria-label='下移同讲甲']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/lessons/{lesson.pk}/speakers/#co-speaker-*")
    assert names.all_inner_texts() == ["同讲乙", "同讲甲", "同讲丙"]
    assert page.locator(".co-speaker:target .co-speaker-name").inner_text() == "同讲甲"
    assert "已调整联合主讲人的顺序" in page.content()
    # Tab from the moved row reaches its own buttons: 上移 first (no longer disabled).
    page.locator(".co-speaker:target").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "上移同讲甲"
    width = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(width) == 0
    assert page.errors == []
