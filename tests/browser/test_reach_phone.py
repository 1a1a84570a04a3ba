"""Reach on a 360 px phone, measured in Chromium: meeting type names on the compliance pages
stay whole, the new-lesson form's checkboxes are thumb-sized with their labels beside them,
the feed's 搜索 button keeps to one line, and the player's last report on leaving the page
reaches the server."""

from __future__ import annotations

import time

import pytest
from django.core.signals import request_started

from tests.browser.conftest import login
from tests.browser.test_reach import public_lesson  # noqa: F401  (fixture)
from tests.conftest import PASSWORD
from tests.factories import MeetingFactory
from xianfeng.lessons.models import Tag, WatchProgress

pytestmark = pytest.mark.django_db(transaction=True)

# Lines of an element's own text: one client rect per line fragment of its text (the
# cell's box would count the height a select in the next column gives the row).
LINES = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
  return {text: el.textContent.trim(), lines: tops.size, width: range.getBoundingClientRect().width};
}"""


def _lines(page, selector: str) -> list[dict]:
    items = page.locator(selector)
    assert items.count() > 0, selector
    return [items.nth(i).evaluate(LINES) for i in range(items.count())]


def test_meeting_type_names_stay_whole_at_360_px(county, new_page):
    MeetingFactory(org=county.branch_a1)
    page = new_page(360, 740)
    login(page, "county_admin", PASSWORD)
    measured = {}
    for url, selector in [
        ("/meetings/compliance/A1/", ".ob-table tbody th"),
        ("/meetings/rules/C/", "td.kind-name"),
    ]:
        response = page.goto(url, wait_until="domcontentloaded")
        assert response is not None and response.status == 200, url
        measured[url] = _lines(page, selector)
    print(measured)
    names = {m["text"] for rows in measured.values() for m in rows}
    assert {"支部党员大会", "支委会", "党课"} <= names
    too_tall = {
        m["text"]: round(m["lines"], 1)
        for rows in measured.values()
        for m in rows
        if m["lines"] > 2
    }
    assert too_tall == {}
    # The measure can fail: without the rule the names stack one character per line again.
    page.goto("/meetings/compliance/A1/", wait_until="domcontentloaded")
    page.evaluate(
        "() => document.querySelectorAll('.kind-name, .ob-spans')"
        ".forEach(el => el.classList.remove('kind-name', 'ob-spans'))"
    )
    unruled = _lines(page, ".ob-table tbody th")
    print(unruled)
    assert max(m["lines"] for m in unruled) > 2
    assert page.errors == []


def test_new_lesson_checkboxes_are_24_px_with_their_labels_beside_them(county, new_page):
    for slug, name in [
        ("dangshi", "党史"),
        ("xianjin", "先进事迹"),
        ("gongzuo", "安全生产与岗位建功"),
    ]:
        Tag.objects.get_or_create(slug=slug, defaults={"name": name})
    page = new_page(360, 740)
    login(page, "member_a1", PASSWORD)
    page.goto("/lessons/new/", wait_until="domcontentloaded")
    boxes = page.locator("form input[type=checkbox]")
    assert boxes.count() >= 3
    for i in range(boxes.count()):
        found = boxes.nth(i).evaluate(
            """(box) => {
                const label = box.closest('label') || document.querySelector(`label[for="${box.id}"]`);
                const b = box.getBoundingClientRect();
                // The label's text, without the box inside it.
                const range = document.createRange();
                const text = [...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
                range.selectNodeContents(text);
                const t = range.getBoundingClientRect();
                return {w: b.width, h: b.height, boxRight: b.right, textLeft: t.left,
                        boxMid: b.top + b.height / 2, textMid: t.top + t.height / 2,
                        text: text.textContent.trim()};
            }"""
        )
        assert found["w"] >= 24 and found["h"] >= 24, found
        # Beside: to the right of the box, on the same line (centres within a few px).
        assert found["textLeft"] >= found["boxRight"], found
        assert abs(found["textMid"] - found["boxMid"]) <= 6, found
    assert page.errors == []


def test_search_button_keeps_to_one_line_at_360_px(county, new_page):
    page = new_page(360, 740)
    login(page, "member_a1", PASSWORD)
    page.goto("/lessons/", wait_until="domcontentloaded")
    button = page.locator("form button[type=submit]", has_text="搜索")
    found = button.evaluate(LINES)
    assert found["text"] == "搜索"
    assert found["lines"] == 1, found
    assert button.evaluate("(b) => b.scrollWidth <= b.clientWidth")


def test_last_watch_report_on_leaving_reaches_the_server(
    county,
    new_page,
    public_lesson,  # noqa: F811
    settings,
):
    # No timed report during the test: only the report sent on leaving can record the play.
    settings.WATCH_REPORT_SECONDS = 600
    user = county.member_a1.user
    page = new_page(360, 740)
    login(page, "member_a1", PASSWORD)
    page.goto(f"/lessons/{public_lesson.pk}/", wait_until="domcontentloaded")
    assert page.get_attribute("#lesson-player", "data-report-every") == "600"
    page.evaluate("() => { document.getElementById('lesson-player').muted = true; }")
    page.click("#player-start")
    page.wait_for_function(
        "() => document.getElementById('lesson-player').currentTime > 4", timeout=30_000
    )
    assert not WatchProgress.objects.filter(user=user, lesson=public_lesson).exists()
    # What reaches the server (a beacon sent while the page goes is not a page's request).
    sent: list[str] = []

    def arrived(sender, environ, **kwargs):
        if environ.get("PATH_INFO", "").endswith("/watch/"):
            sent.append(environ.get("CONTENT_TYPE", ""))

    request_started.connect(arrived)
    # Leave while playing: no pause, no ended, only pagehide / visibilitychange.
    page.goto("/accounts/login/", wait_until="domcontentloaded")
    deadline = time.monotonic() + 10
    progress = None
    while progress is None and time.monotonic() < deadline:
        progress = WatchProgress.objects.filter(user=user, lesson=public_lesson).first()
        time.sleep(0.2)
    assert progress is not None, "the report sent on leaving never arrived"
    assert progress.covered >= 4
    assert progress.position >= 4
    request_started.disconnect(arrived)
    # It went as a beacon: a form carrying the CSRF token (a beacon cannot set the header).
    assert sent and all(t.startswith("application/x-www-form-urlencoded") for t in sent), sent


def test_a_play_the_page_could_not_report_arrives_on_the_next_visit(
    county,
    new_page,
    public_lesson,  # noqa: F811
    settings,
):
    """A phone that dies or a WebView killed mid-lesson sends nothing on leaving: what was
    played is kept on the device and reported when the lesson is opened again."""
    settings.WATCH_REPORT_SECONDS = 600
    user = county.member_a1.user
    page = new_page(360, 740)
    login(page, "member_a1", PASSWORD)
    # Every report of this visit is lost (no network at the moment it is sent).
    page.route("**/watch/", lambda route: route.abort())
    page.goto(f"/lessons/{public_lesson.pk}/", wait_until="domcontentloaded")
    page.evaluate("() => { document.getElementById('lesson-player').muted = true; }")
    page.click("#player-start")
    page.wait_for_function(
        "() => document.getElementById('lesson-player').currentTime > 4", timeout=30_000
    )
    # The pause reports at once, and that report is lost too.
    page.evaluate("() => document.getElementById('lesson-player').pause()")
    page.wait_for_timeout(500)
    kept = page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('xf-watch:'))")
    assert kept == [f"xf-watch:{user.pk}:/lessons/{public_lesson.pk}/watch/"]
    time.sleep(1)
    assert not WatchProgress.objects.filter(user=user, lesson=public_lesson).exists()
    # The lesson is opened again on the same phone (a new tab, the first one left as it
    # is, so nothing is sent on leaving it), not played: the kept sections are sent.
    page = page.context.new_page()
    page.goto(f"/lessons/{public_lesson.pk}/", wait_until="domcontentloaded")
    deadline = time.monotonic() + 10
    progress = None
    while progress is None and time.monotonic() < deadline:
        progress = WatchProgress.objects.filter(user=user, lesson=public_lesson).first()
        time.sleep(0.2)
    assert progress is not None, "the kept sections never arrived"
    assert progress.covered >= 4
    page.wait_for_function(
        "() => !Object.keys(localStorage).some((k) => k.startsWith('xf-watch:'))",
        timeout=10_000,
    )


def test_records_lists_the_big_screen_and_wish_figures_read_on_a_phone_in_large_text(
    county, new_page
):
    """A crawl of every page each persona reaches (tests/browser/test_persona_crawl.py) and
    screenshots at 360 px in 大字 found these readable by nobody though none overflowed: the
    records behind a dashboard figure (seven columns: 东/街/社/区 one character a line), the
    数据大屏 opened on a phone (three wall panels in 360 px, tiles one character wide and the
    lower half cut off), the points a member can still earn today (five columns) and the wish
    figures shown as bulleted cards. At 360 px and at 200 % zoom (180 CSS px), in large
    text, no text is squeezed and nothing scrolls sideways."""
    from django.utils import timezone

    from tests.browser.test_persona_crawl import SQUEEZED
    from tests.factories import LessonFactory, WatchProgressFactory, make_site
    from xianfeng.assessment.services import facts_compute
    from xianfeng.common.indicators import Month

    make_site(county.branch_a1, code="A1S1", name="东街社区远程教育站点")
    make_site(county.branch_b1, code="B1S1", name="柳湾村远程教育站点")
    lesson = LessonFactory(published=True)
    WatchProgressFactory(user=county.member_a1.user, lesson=lesson, completed_at=timezone.now())
    month = Month.of(timezone.localdate())
    facts_compute(month=month)
    wide = new_page(360, 740)
    narrow = new_page(180, 370)
    for page in (wide, narrow):
        page.set_default_timeout(45_000)  # the wall's first data, on a loaded machine
    login(wide, "county_admin", PASSWORD)
    wide.click("#text-size-switch")
    wide.wait_for_selector("html.large-text")
    narrow.context.add_cookies(wide.context.cookies())
    records = [f"/remote/records/C/{month}/sites/", f"/lessons/records/C/{month}/participation/"]
    found = {}
    for page in (wide, narrow):
        for url in [*records, "/community/analysis/", "/study/points/"]:
            response = page.goto(url, wait_until="domcontentloaded")
            assert response is not None and response.status == 200, url
            assert page.evaluate("() => document.documentElement.classList.contains('large-text')")
            found[f"{url} {page.viewport_size['width']}"] = (
                page.evaluate("() => document.documentElement.scrollWidth - innerWidth"),
                page.evaluate(SQUEEZED),
            )
            if url in records:
                assert page.locator("#records tbody tr").count() >= 2, url
            if url == "/community/analysis/":
                bullets = page.eval_on_selector_all(
                    "ul.stats > li", "els => els.map(e => getComputedStyle(e).listStyleType)"
                )
                assert bullets and set(bullets) == {"none"}, bullets
    # The wall on the phone: tiles as wide as their words, every panel showing all it holds.
    for page in (wide, narrow):
        page.goto("/dashboards/screen/C/")
        page.wait_for_selector("#sc-tree .tile")
        page.wait_for_function(
            "document.getElementById('sc-status').textContent.includes('更新于')"
        )
        clipped = page.eval_on_selector_all(
            ".panel", "els => els.filter(e => e.scrollHeight > e.clientHeight + 1).length"
        )
        found[f"screen {page.viewport_size['width']}"] = (
            page.evaluate("() => document.documentElement.scrollWidth - innerWidth"),
            page.evaluate(SQUEEZED) + ([f"{clipped} panels cut off"] if clipped else []),
        )
        assert page.locator("#sc-tree .tile").count() == 2
    print(found)
    assert {k: v for k, v in found.items() if v != (0, [])} == {}
    # The measure can fail: a records table without its phone layout squeezes its names.
    wide.goto(records[0], wait_until="domcontentloaded")
    wide.evaluate("() => document.getElementById('records').classList.remove('stack')")
    assert wide.evaluate(SQUEEZED) != []
    assert wide.errors == [] and narrow.errors == []
