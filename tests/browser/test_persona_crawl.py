"""Every page each persona reaches, in Chromium, on a 360 px phone: opt-in (`XF_CRAWL=1`).

The demo county is seeded (small: `seed_demo --members 300`, with every app's content), and
for each persona (county admin, town admin, branch secretary, site admin, judge, member,
resident and a visitor not logged in) Chromium follows every same-site GET link breadth-first
from the home page (the visitor also from the lessons published to everyone, as a share link
opens them, and from every lesson page the personas before it opened). Each page is loaded once, in 大字 mode (the `xf_text` cookie, so the server
renders it), and measured four ways: 360 px and 180 CSS px (200 % zoom on a 360 px phone),
each in large text and, with the class taken off, in normal text. It fails on:

- horizontal overflow: `document.documentElement.scrollWidth > innerWidth + 1`;
- a link to a page answering 404 or 5xx (links the browser does not open are asked with a
  GET in the persona's session, up to a bound);
- a Content Security Policy violation or a script error in the console;
- a <head> carrying page content, a <title> carrying markup or naming only the site, Django
  template syntax shown as text (tests/html_support.py);
- text squeezed to a character or two a line at 360 px in large text (a table's columns:
  the page fits, yet nobody reads "东/街/社/区");
- English words among the visible text (codes, acronyms, usernames, addresses, file names
  and the few names people know in English aside): every message is Chinese.

Bounds (environment): `XF_CRAWL_PAGES` pages opened per persona (150), `XF_CRAWL_PER_PATTERN`
pages per URL shape (ids and codes with digits count as one shape; 2), `XF_CRAWL_LINKS` links
asked per persona (600), `XF_CRAWL_PERSONAS` a comma-separated subset (`anonymous` for the
visitor), `XF_CRAWL_SHARES` the share links the visitor starts from on a running server
(`/lessons/2/,/lessons/5/`). The findings, with the widest elements of each overflowing page, are written to
test-results/persona-crawl.json after each persona.

    XF_CRAWL=1 .venv/bin/pytest -p no:xdist -m browser tests/browser/test_persona_crawl.py -s

`XF_CRAWL_URL=http://127.0.0.1:8765` crawls a server already running on the demo county
instead of seeding the live server (quicker while fixing: `seed_demo --members 300` once into
a scratch `XF_VAR_DIR`, then `XF_DEBUG=1 manage.py runserver 127.0.0.1:8765` picks up each
template and CSS change).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import deque
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS, login
from tests.html_support import head_problems, template_leaks

# Against a running server the test needs no database of its own; else the live server's.
EXTERNAL = os.environ.get("XF_CRAWL_URL", "")
pytestmark = [
    *([] if EXTERNAL else [pytest.mark.django_db(transaction=True)]),
    pytest.mark.skipif(
        os.environ.get("XF_CRAWL") != "1",
        reason="opt-in: XF_CRAWL=1 runs the persona crawl (minutes; not in make test)",
    ),
]

PERSONAS = [
    "county_admin",
    "town_admin",
    "secretary",
    "site_admin",
    "judge",
    "member",
    "resident",
    "anonymous",
]
# Not pages: downloads, media, the API, leaving, and what the crawl of the test client skips.
SKIP = re.compile(
    r"^/(static|media|api|admin|accounts/logout|healthz|i18n)/"
    r"|\.(xlsx|pdf|csv|ics|png|jpg|svg|zip|m3u8|mp4|ts|docx|txt)(\?|$)"
)
WIDTHS = (360, 180)  # a 360 px phone, and the same phone at 200 % zoom
# The page's overflow, and the elements that stick out furthest (to know what to fix).
MEASURE = """() => {
  const limit = window.innerWidth;
  const over = document.documentElement.scrollWidth - limit;
  const wide = [];
  const out = (el) => { const r = el.getBoundingClientRect(); return r.width && r.right > limit + 1; };
  if (over > 1) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      // Where the overflow starts: an element sticking out whose parent does not.
      if (out(el) && !(el.parentElement && el.parentElement !== document.body && out(el.parentElement))) {
        const cls = (typeof el.className === 'string' && el.className.trim())
          ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
        wide.push([Math.round(r.right - limit), el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls,
                   (el.textContent || '').trim().slice(0, 30)]);
      }
    }
  }
  wide.sort((a, b) => b[0] - a[0]);
  return {over, wide: wide.slice(0, 8)};
}"""
# Words in Latin letters among the text a person sees (not code, not inputs' values):
# every message is Chinese, so an English word is a message left untranslated. Names of
# formats and things people know by their English name stand.
ENGLISH = """() => {
  const words = new Set();
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script, style, code, pre, kbd, samp, template, [hidden], .sr-only, [translate=no]')) continue;
    if (!el.getClientRects().length) continue;
    // Addresses and file names (index.html) are not messages.
    const text = n.textContent.replace(/[\\w.+-]+@[\\w.-]+|[\\w-]+\\.(html|xlsx|pdf|zip|mp4|csv)\\b/g, '');
    for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_'’-]{2,}/g)) words.add(m[0]);
  }
  return [...words];
}"""
KNOWN_WORDS = re.compile(
    r"^(PDF|Excel|CSV|QR|TV|App|APP|API|OpenAPI|Wi-?Fi|WiFi|HLS|MP4|Chromium|Chrome|"
    r"Safari|Android|iOS|iPhone|HTML|URL|ID|OK|TOTP|xlsx|docx|mp4|png|jpg|jpeg|webm|"
    r"Word|PPT|USB|HDMI|IPTV|IP|CPU|GB|MB|KB|htmx|Markdown|http|https|www|com|cn)$"
)
# Text squeezed to a character or two a line (a table's column, a label beside a wide
# control): a text of three or more characters whose every line is under two characters
# wide. The page does not overflow, yet nobody can read "东/街/社/区".
SQUEEZED = """() => {
  const found = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0;
  for (let n = walk.nextNode(); n && seen < 4000; n = walk.nextNode()) {
    const text = n.textContent.trim();
    if ([...text].length < 3) continue;
    seen++;
    const el = n.parentElement;
    if (!el || el.closest('script, style, template, [hidden]')) continue;
    range.selectNodeContents(n);
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    const tops = new Set(rects.map(r => Math.round(r.top)));
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (tops.size >= 3 && Math.max(...rects.map(r => r.width)) < 2.2 * size) {
      found.push(el.tagName.toLowerCase() + ': ' + text.slice(0, 20));
      if (found.length >= 5) break;
    }
  }
  return found;
}"""
SETTLE = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _english(word: str) -> bool:
    """A word of an untranslated message: not an acronym or a code (YJQS, OBS), not an
    identifier (a username such as town_admin, m000003), not a name people know in English."""
    identifier = word.isupper() or re.search(r"[\d_]", word)
    return not identifier and not KNOWN_WORDS.match(word)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _shape(url: str) -> str:
    """A URL's shape: path segments and query values with a digit stand for any id or code."""
    parts = urlsplit(url)
    path = "/".join("#" if re.search(r"\d", s) else s for s in parts.path.split("/"))
    query = sorted((k, "#" if re.search(r"\d", v) else v) for k, v in parse_qsl(parts.query, True))
    return f"{path}?{query}"


def _local(href: str, origin: str) -> str | None:
    """The same-site path (with query) an href leads to, or None for another site or a file."""
    href = urldefrag(href)[0]
    if href.startswith(origin):
        href = href[len(origin) :] or "/"
    if not href.startswith("/") or href.startswith("//") or SKIP.search(href):
        return None
    return href


LINKS = """() => [...document.querySelectorAll('a[href]')]
  .filter(a => !a.hasAttribute('download') && !a.closest('template'))
  .map(a => a.href)"""


def _new_page(chromium, base: str):
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", base_url=base
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(f"script error: {exc}"))  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda msg: (
            page.errors.append(msg.text)  # type: ignore[attr-defined]
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return page


def _status(page, url: str) -> int:
    """The status a GET of the link answers in the persona's session (redirects followed)."""
    try:
        return page.context.request.get(url, timeout=20_000).status
    except Exception:
        return 0


def _crawl(chromium, base: str, persona: str, starts: list[str]) -> dict:
    pages_limit = _env_int("XF_CRAWL_PAGES", 150)
    per_shape = _env_int("XF_CRAWL_PER_PATTERN", 2)
    links_limit = _env_int("XF_CRAWL_LINKS", 600)
    origin = base.rstrip("/")
    page = _new_page(chromium, origin)
    if persona != "anonymous":
        login(page, persona, "xianfeng2026")
    host = urlsplit(origin).hostname
    page.context.add_cookies([{"name": "xf_text", "value": "large", "domain": host, "path": "/"}])

    queue = deque((url, "(start)") for url in starts)
    opened: dict[str, int] = {}
    shapes: dict[str, int] = {}
    unopened: dict[str, str] = {}
    found: dict[str, dict] = {
        "overflow": {},
        "bad_links": {},
        "console": {},
        "head": {},
        "errors": {},
        "english": {},
        "squeezed": {},
    }
    while queue and len(opened) < pages_limit:
        url, came_from = queue.popleft()
        if url in opened:
            continue
        shape = _shape(url)
        if shapes.get(shape, 0) >= per_shape:
            unopened.setdefault(url, came_from)
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        unopened.pop(url, None)
        page.errors.clear()
        try:
            response = page.goto(url, wait_until="load")
        except Exception as exc:  # a download, a timeout: said, not hidden
            opened[url] = 0
            if "Download is starting" not in str(exc):
                found["errors"][url] = f"{came_from}: {str(exc).splitlines()[0]}"
            continue
        status = response.status if response is not None else 0
        opened[url] = status
        if status == 404 or status >= 500:
            found["bad_links"][url] = f"{status} from {came_from}"
            continue
        kind = (response.headers.get("content-type", "") if response else "") or ""
        if "text/html" not in kind:
            continue
        final = _local(page.url, origin) or page.url
        if final != url:
            if final in opened:
                continue  # a redirect to a page already measured (the login page)
            opened[final] = status
        if problems := head_problems(html := response.text()) + template_leaks(html):
            found["head"][final] = problems
        measured = {}
        for large in (True, False):
            if not large:
                page.evaluate("() => document.documentElement.classList.remove('large-text')")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 740 if width == 360 else 370})
                page.evaluate(SETTLE)
                result = page.evaluate(MEASURE)
                if result["over"] > 1:
                    measured[f"{width}px{' 大字' if large else ''}"] = result
                if large and width == 360 and (squeezed := page.evaluate(SQUEEZED)):
                    found["squeezed"][final] = squeezed
        page.set_viewport_size({"width": 360, "height": 740})
        if measured:
            found["overflow"][final] = measured
        words = page.evaluate(ENGLISH)
        if english := [w for w in words if _english(w) and w != persona]:
            found["english"][final] = english[:12]
        if page.errors:
            found["console"][final] = list(page.errors)
        for href in page.evaluate(LINKS):
            target = _local(href, origin)
            if target is None or target in opened:
                continue
            queue.append((target, final))
    # Links seen but not opened in the browser are asked with a plain GET in the same
    # session, so a 404 or a 500 anywhere a persona can click is found without opening
    # every copy of a page.
    left = dict(unopened)
    for url, came_from in queue:
        if url not in opened:
            left.setdefault(url, came_from)
    asked = list(left.items())[:links_limit]
    for url, came_from in asked:
        status = _status(page, url)
        if status == 404 or status >= 500:
            found["bad_links"][url] = f"{status} from {came_from}"
    found["opened"] = len(opened)
    found["asked"] = len(asked)
    found["lessons"] = sorted(u for u in opened if re.fullmatch(r"/lessons/\d+/", u))
    page.context.close()
    return found


def test_every_page_a_persona_reaches_fits_a_360_px_phone_at_200_percent_and_in_large_text(
    chromium, request
):
    """`XF_CRAWL_URL` crawls a server already running on seeded demo data (quicker when
    fixing: `seed_demo --members 300` once, then `XF_DEBUG=1 manage.py runserver`);
    otherwise the live server, seeded here."""
    started = time.monotonic()
    base = EXTERNAL
    shares: list[str] = []
    if not base:
        base = request.getfixturevalue("live_server").url
        from xianfeng.lessons.models import Lesson

        call_command("seed_demo", "--members", "300")
        shares = [
            f"/lessons/{pk}/"
            for pk in Lesson.objects.filter(is_public=True).values_list("pk", flat=True)
        ]
        assert shares, "the demo county publishes a lesson to everyone"
    else:  # the running server's share links, when known (else the visitor starts at home)
        shares = [u for u in (os.environ.get("XF_CRAWL_SHARES") or "").split(",") if u]
    seeded = time.monotonic() - started
    wanted = [p for p in (os.environ.get("XF_CRAWL_PERSONAS") or "").split(",") if p]
    report = {}
    for persona in wanted or PERSONAS:
        begun = time.monotonic()
        # A visitor arrives by a share link: every lesson the others opened (a lesson not
        # published to everyone sends them to log in).
        seen = sorted({u for found in report.values() for u in found["lessons"]})
        starts = ["/", *shares, *seen] if persona == "anonymous" else ["/"]
        report[persona] = _crawl(chromium, base, persona, starts)
        report[persona]["seconds"] = round(time.monotonic() - begun)
        summary = {
            k: (len(v) if isinstance(v, dict | list) else v) for k, v in report[persona].items()
        }
        print(persona, summary, flush=True)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "persona-crawl.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    print(f"set up in {seeded:.0f} s; report in {ARTIFACTS / 'persona-crawl.json'}")
    failures = {
        persona: {k: v for k, v in found.items() if isinstance(v, dict) and v}
        for persona, found in report.items()
    }
    for persona, found in report.items():
        assert found["opened"] > (3 if persona == "anonymous" else 20), (persona, found["opened"])
    assert {p: f for p, f in failures.items() if f} == {}
