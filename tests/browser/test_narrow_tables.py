"""Tables on a phone, in Chromium: the contest page's scoring criteria (计入总分) and the
community's 微心愿 tables fit 360 px and 180 CSS px (200 % zoom on a 360 px phone), in
normal and in 大字 text, and no header breaks a character a line."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.browser.test_persona_crawl import MEASURE, SETTLE, SQUEEZED
from tests.community.conftest import (  # noqa: F401 (fixtures)
    open_wish,
    private_storage_in_tmp,
    resident_a1,
)
from tests.community.test_indicators import fulfilled
from tests.conftest import PASSWORD
from xianfeng.contests import services as contests

pytestmark = pytest.mark.django_db(transaction=True)


def overflows(page, open_details: bool = False) -> dict[str, object]:
    """Each of the four ways the persona crawl measures a page, with what overflows."""
    found: dict[str, object] = {}
    page.context.add_cookies([{"name": "xf_text", "value": "large", "url": page.url}])
    page.reload()
    assert page.evaluate("() => document.documentElement.classList.contains('large-text')")
    if open_details:
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    for large in (True, False):
        if not large:
            page.evaluate("() => document.documentElement.classList.remove('large-text')")
        for width in (360, 180):
            page.set_viewport_size({"width": width, "height": 740 if width == 360 else 370})
            page.evaluate(SETTLE)
            result = page.evaluate(MEASURE)
            if result["over"] > 1:
                found[f"{width}px{' 大字' if large else ''}"] = result
            if width == 360 and (squeezed := page.evaluate(SQUEEZED)):
                found[f"squeezed{' 大字' if large else ''}"] = squeezed
    page.context.clear_cookies(name="xf_text")
    return found


def test_contest_criteria_fit_a_phone_without_breaking_the_headers(county, new_page):
    today = timezone.localdate()
    contest = contests.contest_create(
        actor=county.county_admin, org=county.county, title="青山县一人一课微党课大赛",
        starts_on=today, ends_on=today + datetime.timedelta(days=60),
    )  # fmt: skip
    page = new_page(width=360, height=740)
    login(page, "county_admin", PASSWORD)
    page.goto(f"/contests/{contest.pk}/")
    assert overflows(page, open_details=True) == {}
    assert page.is_visible("table.criteria-table")
    # On the phone each criterion is a card whose inputs say what they are.
    labels = page.eval_on_selector_all(
        "table.criteria-table tbody tr:first-child td",
        "els => els.map(e => getComputedStyle(e, '::before').content)",
    )
    assert labels == ['"评分项："', '"权重 %："', '"满分："', '"计入总分："']
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.is_visible("table.criteria-table th:has-text('计入总分')")
    assert page.evaluate(SQUEEZED) == []


def test_wish_tables_fit_a_phone_and_double_zoom(county, new_page, resident_a1):  # noqa: F811
    now = timezone.now()
    for n, org in enumerate([county.branch_a1, county.branch_a1, county.branch_a2]):
        fulfilled(county, resident_a1, org, now, f"给上三年级的孙子买一个新书包和文具盒{n}")
    open_wish(county, resident_a1, title="帮忙修一修楼道里坏了很久的声控灯")
    month = timezone.localdate().strftime("%Y-%m")
    page = new_page(width=360, height=740)
    login(page, "county_admin", PASSWORD)
    for path in ["/community/analysis/", f"/community/records/C/{month}/wishes/"]:
        page.goto(path)
        assert page.locator("table.stack tbody tr").count() >= 2, path
        assert overflows(page) == {}, path
    assert page.errors == []  # type: ignore[attr-defined]


def test_demo_county_tables_read_on_a_phone_in_large_text(new_page):
    """The tables the persona crawl found squeezed a character or two a line at 360 px in 大字,
    on the demo county's own records (as a county would have them after a year): the dues
    roll-up (a card per organisation), a branch's dues ledger (a month grid that scrolls in its
    frame with the names kept in view), a branch's meetings of the year, a lecture rota and a
    quiz room's leaderboard (cards)."""
    from django.core.management import call_command

    from xianfeng.lessons.practice.models import SpeakerRota
    from xianfeng.people.demo.names import PASSWORD as DEMO_PASSWORD
    from xianfeng.study.models import QuizRoom

    call_command("seed_demo", "--members", "60", stdout=io.StringIO())
    rota = SpeakerRota.objects.order_by("pk").first()
    room = QuizRoom.objects.filter(state="finished").order_by("pk").first()
    assert rota is not None and room is not None
    pages = {
        "county_admin": ["/dues/org/QS/rollup/"],
        "secretary": ["/dues/org/QS01001/", "/meetings/compliance/QS01001/"],
        "member": [f"/lessons/rotas/{rota.pk}/", f"/study/rooms/{room.pk}/"],
    }
    found = {}
    for persona, paths in pages.items():
        page = new_page(width=360, height=740)
        login(page, persona, DEMO_PASSWORD)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            assert page.locator("table tbody tr").count() >= 2, path
            if problems := overflows(page):
                found[path] = problems
        assert page.errors == []  # type: ignore[attr-defined]
    assert found == {}
    # The ledger's names stay in view while its months scroll.
    page = new_page(width=360, height=740)
    login(page, "secretary", DEMO_PASSWORD)
    page.goto("/dues/org/QS01001/")
    page.eval_on_selector("#dues-ledger", "t => t.parentElement.scrollLeft = 10000")
    first = page.locator("#dues-ledger tbody tr:first-child td:first-child").bounding_box()
    assert first is not None and 0 <= first["x"] < 40
