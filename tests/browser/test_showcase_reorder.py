"""展播 reorder in the browser: drag an entry with the mouse, move one with the keyboard;
each saves the whole order in one request, and the page fits a 360 px phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.factories import published_lesson
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import ShowcaseItem
from xianfeng.lessons.practice import channels

pytestmark = pytest.mark.django_db(transaction=True)


def order_of(show):
    return list(
        ShowcaseItem.objects.filter(showcase=show)
        .order_by("position")
        .values_list("lesson__title", flat=True)
    )


def test_curator_drags_and_moves_with_the_keyboard(county, new_page):
    show = lesson_services.showcase_for_org(
        actor=county.county_admin, org=county.county, title="七一展播"
    )
    for i in range(3):
        lesson = published_lesson(
            org=county.county, author=county.county_admin, title=f"课{i}", audience=county.county
        )
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)

    page = new_page(width=1024, height=800)
    login(page, "county_admin", PASSWORD)
    page.goto(f"/lessons/showcases/{show.pk}/manage/")
    entries = page.locator(".showcase-order li[data-id]")
    entries.nth(2).drag_to(entries.nth(0), target_position={"x": 20, "y": 2})
    page.wait_for_selector("#reorder-status:has-text('已保存顺序')")
    assert order_of(show) == ["课2", "课0", "课1"]
    titles = page.locator(".showcase-order .entry-title").all_inner_texts()
    assert titles == ["课2", "课0", "课1"]

    # The keyboard: focus 上移 of the last entry and press Enter; the focus stays on it.
    page.evaluate("document.getElementById('reorder-status').textContent = ''")
    up = page.locator(".showcase-order li[data-id]").nth(2).locator(".move-up")
    up.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#reorder-status:has-text('已保存顺序')")
    assert order_of(show) == ["课2", "课1", "课0"]
    focused = page.evaluate("document.activeElement.closest('li').innerText")
    assert "课1" in focused
    assert page.errors == []

    phone = new_page(width=360, height=740)
    login(phone, "county_admin", PASSWORD)
    phone.goto(f"/lessons/showcases/{show.pk}/manage/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.errors == []
