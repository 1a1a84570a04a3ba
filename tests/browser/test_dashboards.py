"""数据看板 and 数据大屏 in Chromium: the charts draw under the CSP on a 360 px phone without
sideways scrolling; the big screen at 1920×1080 fills the screen without scrolling, turns
its panels, refreshes, and its JS heap stays bounded over refresh cycles."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.factories import LessonFactory, OrgFactory, WatchProgressFactory
from xianfeng.assessment.services import facts_compute
from xianfeng.common.indicators import Month

pytestmark = pytest.mark.django_db(transaction=True)

# Set XF_SHOTS=/some/dir to keep screenshots of the wall in both text sizes (looked at by hand).
SHOTS = os.environ.get("XF_SHOTS", "")
HEAP_GROWTH = 3 * 1024 * 1024  # bytes of live JS heap a few refreshes may add, at most


@pytest.fixture
def figures(county):
    lesson = LessonFactory(published=True)
    WatchProgressFactory(user=county.member_a1.user, lesson=lesson, completed_at=timezone.now())
    facts_compute(month=Month.of(timezone.localdate()))
    return county


def test_the_dashboard_draws_its_charts_on_a_phone(new_page, figures):
    page = new_page(360, 780)
    login(page, "county_admin", PASSWORD)
    page.goto("/dashboards/org/C/?i=lessons.participation")
    page.wait_for_selector('[data-card="lessons.participation"] canvas')
    page.wait_for_selector("[data-children] canvas")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.errors == []  # type: ignore[attr-defined]
    # The ranking drills down to the town's own dashboard.
    page.click("section[aria-labelledby=db-ranking] .org-name >> nth=0")
    page.wait_for_url(lambda url: "/dashboards/org/T" in url)


def test_the_big_screen_turns_refreshes_and_does_not_leak(new_page, figures):
    page = new_page(1920, 1080)
    login(page, "county_admin", PASSWORD)
    page.goto("/dashboards/screen/C/?refresh=2&rotate=1")
    page.wait_for_selector("#sc-bars canvas")
    page.wait_for_function("document.getElementById('sc-status').textContent.includes('更新于')")
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    # The tree of towns: a tile per town, coloured and saying the same in words, all of it
    # inside the screen (no tile cut off by its panel), with a sentence for screen readers.
    page.wait_for_selector("#sc-tree .tile")
    tiles = page.eval_on_selector_all(
        "#sc-tree .tile",
        """els => els.map(e => {
            const r = e.getBoundingClientRect(), p = e.closest('.panel').getBoundingClientRect();
            return {text: e.innerText, cls: e.className, inside: r.top >= p.top && r.bottom <= p.bottom
              && r.left >= p.left && r.right <= p.right && r.bottom <= 1080 && r.height > 20,
              bg: getComputedStyle(e).backgroundColor};
        })""",
    )
    assert [t["text"].split("\n")[0] for t in tiles] == ["城关镇党委", "河口镇党委"]
    assert all(t["inside"] for t in tiles), tiles
    words = {
        "good": ("达标", "靠前"),
        "mid": ("居中",),
        "bad": ("未达标", "靠后"),
        "none": ("无数据",),
    }
    for tile in tiles:
        tier = tile["cls"].split()[-1]
        assert any(word in tile["text"] for word in words[tier]), tile  # never colour alone
    assert page.inner_text("#sc-tree-reading").startswith("青山县委下2个组织按")
    seen = set()
    for _ in range(4):
        names = "['sc-panel-name', 'sc-tree-name'].map(i => document.getElementById(i).textContent)"
        seen.add(tuple(page.evaluate(names)))  # one read: a turn cannot fall between them
        page.wait_for_timeout(1100)
    assert len(seen) > 1  # the panels turn, and the tree with them
    assert all(panel == tree for panel, tree in seen)
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.enable")

    def heap() -> int:
        cdp.send("HeapProfiler.collectGarbage")
        return int(cdp.send("Runtime.getHeapUsage")["usedSize"])

    page.wait_for_timeout(2500)
    before = heap()
    status = page.inner_text("#sc-status")
    page.wait_for_timeout(12_000)  # six refreshes and twelve turns
    after = heap()
    assert page.inner_text("#sc-status") != status  # "更新于 hh:mm:ss" moved on
    assert after - before < HEAP_GROWTH, (before, after)
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_big_screens_tree_fits_thirty_towns(new_page, figures):
    for n in range(28):
        OrgFactory(
            code=f"TX{n:02d}", name=f"第{n}乡镇党委", kind="committee", parent=figures.county
        )
    page = new_page(1920, 1080)
    login(page, "county_admin", PASSWORD)
    page.goto("/dashboards/screen/C/?rotate=3600")
    page.wait_for_selector("#sc-tree .tile >> nth=29")
    outside = page.eval_on_selector_all(
        "#sc-tree .tile",
        """els => els.filter(e => {
            const r = e.getBoundingClientRect(), p = e.closest('.panel').getBoundingClientRect();
            return !(r.top >= p.top && r.bottom <= p.bottom && r.right <= p.right && r.height > 20
              && e.scrollHeight <= e.clientHeight + 1);
        }).map(e => e.innerText)""",
    )
    assert outside == []
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_big_screen_in_large_text_scales_its_type_within_the_frame(new_page, figures):
    """大字模式 on the hall's screen: the same 1920×1080 frame, the type a quarter larger
    (the charts' labels too), nothing scrolls, nothing spills out of its panel."""
    measured = {}
    for large in (False, True):
        page = new_page(1920, 1080)
        login(page, "county_admin", PASSWORD)
        if large:
            page.context.add_cookies([{"name": "xf_text", "value": "large", "url": page.url}])
        page.goto("/dashboards/screen/C/?rotate=3600")
        page.wait_for_selector("#sc-tree .tile")
        page.wait_for_selector("#sc-bars canvas")
        page.wait_for_function(
            "document.getElementById('sc-status').textContent.includes('更新于')"
        )
        assert page.evaluate("document.documentElement.classList.contains('large-text')") is large
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/screen-{'large' if large else 'normal'}.png")
        assert page.evaluate("document.documentElement.scrollHeight") <= 1080
        assert page.evaluate("document.documentElement.scrollWidth") <= 1920
        spilled = page.eval_on_selector_all(
            ".panel h2, .counters li, .sc-reading, #sc-tree .tile, .flags-list li,"
            " .figures-list li:not([hidden])",
            """els => els.filter(e => {
                const r = e.getBoundingClientRect(), p = e.closest('.panel').getBoundingClientRect();
                return !(r.top >= p.top && r.bottom <= p.bottom && r.left >= p.left
                  && r.right <= p.right + 1 && r.bottom <= 1080);
            }).map(e => e.innerText)""",
        )
        assert spilled == [], (large, spilled)
        # The month's figures are more than the panel holds in either size: they are shown
        # a panelful at a time, the page beside the heading, none cut off by the edge.
        rows = page.eval_on_selector_all(".figures-list li", "els => els.length")
        shown = page.eval_on_selector_all(".figures-list li:not([hidden])", "els => els.length")
        assert 12 <= shown < rows, (large, shown, rows)
        pages = -(-rows // shown)
        assert page.inner_text("#sc-figures-page") == f"（1/{pages}）"
        if large:  # turning every second, every figure comes round
            page.goto("/dashboards/screen/C/?rotate=1")
            page.wait_for_selector(".figures-list li")
            seen: set[str] = set()
            for _ in range(3 * pages):
                seen.update(
                    page.eval_on_selector_all(
                        ".figures-list li:not([hidden]) span", "els => els.map(e => e.innerText)"
                    )
                )
                page.wait_for_timeout(700)
            names = page.eval_on_selector_all(
                ".figures-list li span", "els => els.map(e => e.textContent)"
            )
            assert seen == set(names) and len(names) == rows, (sorted(set(names) - seen), rows)
            page.goto("/dashboards/screen/C/?rotate=3600")
            page.wait_for_selector("#sc-bars canvas")
        measured[large] = page.evaluate(
            """() => ['.screen-head h1', '.counters li', '#sc-tree .tile b']
                .map(s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))"""
        )
        label = "() => echarts.getInstanceByDom(document.getElementById('sc-bars'))"
        measured[large].append(page.evaluate(label + ".getOption().yAxis[0].axisLabel.fontSize"))
        assert page.errors == []  # type: ignore[attr-defined]
    assert [round(b / a, 2) for a, b in zip(measured[False], measured[True])] == [1.25] * 4
