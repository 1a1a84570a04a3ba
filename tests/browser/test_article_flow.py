"""Articles in Chromium at 360 px: an organiser writes one in the Quill editor (the page's
CSP allows no inline script or style, and none is needed), publishes it, and a member reads
it to the end: the page reports visible time and scrolling, and the reading completes."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.study.models import Article, ArticleRead, PointsEntry
from xianfeng.study.services import articles as services

pytestmark = pytest.mark.django_db(transaction=True)


def test_write_publish_and_read_an_article_on_a_phone(county, new_page):
    services.column_create(actor=county.county_admin, org=county.county, name="要闻导读")
    desk = new_page(width=360, height=740)
    login(desk, "county_admin", PASSWORD)
    desk.goto("/study/manage/articles/new/")
    desk.select_option("select[name=org]", label="青山县委（C）")
    desk.select_option("select[name=column]", label="青山县委 · 要闻导读")
    desk.fill("input[name=title]", "全县党员学习二十大精神")
    editor = desk.locator(".rich-editor .ql-editor")
    editor.click()
    desk.keyboard.type("学习要点")
    desk.keyboard.press("Shift+Home")
    desk.locator(".ql-toolbar button.ql-bold").click()
    desk.keyboard.press("End")
    desk.keyboard.press("Enter")
    desk.keyboard.type("一、" + "认真学习原文，" * 10)
    desk.click("button:has-text('保存草稿')")
    desk.wait_for_url("**/study/manage/articles/*/")
    article = Article.objects.get()
    assert article.body.startswith("<p><strong>学习要点</strong></p><p>一、认真学习原文")
    assert article.chars == 4 + 2 + 7 * 10
    # Nothing overflows sideways on a 360 px phone.
    assert desk.evaluate("document.documentElement.scrollWidth") <= 360
    desk.click("button:has-text('发布')")
    desk.locator("text=已发布").first.wait_for()
    assert desk.errors == []  # type: ignore[attr-defined]

    phone = new_page(width=360, height=740)
    phone.clock.install()
    login(phone, "member_a1", PASSWORD)
    phone.goto(f"/study/articles/{article.pk}/")
    assert "学习要点" in phone.inner_text("#article-body")
    status = phone.locator(".reading-status")
    assert "阅读约 15 秒即算读完" in status.inner_text()
    phone.clock.run_for(11_000)
    status.filter(has_text="阅读中").wait_for()
    # The server credits no more than its own clock allows: pretend a minute and a half passed.
    ArticleRead.objects.filter(article=article).update(
        last_report_at=timezone.now() - datetime.timedelta(seconds=90)
    )
    phone.mouse.wheel(0, 20_000)
    phone.clock.run_for(10_000)
    status.filter(has_text="已读完").wait_for()
    read = ArticleRead.objects.get(article=article)
    assert read.completed_at is not None and read.scrolled == 1.0
    assert PointsEntry.objects.filter(rule="study.article", user=county.member_a1.user).count() == 1
    assert phone.errors == []  # type: ignore[attr-defined]


def test_the_seconds_read_before_leaving_arrive_as_a_beacon(county, new_page):
    """Read for a few seconds, fewer than a report's interval, and leave: reading.js sends
    them as the page goes, by sendBeacon (a form with the CSRF token), and they count."""
    import time

    from django.core.signals import request_started

    from tests.study.test_articles import article as published
    from tests.study.test_articles import column

    col = column(county.county, county.county_admin)
    article = published(
        county.county, county.county_admin, col, body="<p>" + "认真学习原文，" * 80 + "</p>"
    )
    sent: list[str] = []

    def arrived(sender, environ, **kwargs):
        if environ.get("PATH_INFO", "").endswith("/read/"):
            sent.append(environ.get("CONTENT_TYPE", ""))

    request_started.connect(arrived)
    phone = new_page(width=360, height=740)
    phone.clock.install()
    login(phone, "member_a1", PASSWORD)
    phone.goto(f"/study/articles/{article.pk}/")
    phone.locator(".reading-status").wait_for()
    phone.clock.run_for(4_000)  # 4 s on the page, no report yet (every 10 s)
    assert not ArticleRead.objects.exists()
    phone.goto("/")
    deadline = time.monotonic() + 10
    while not ArticleRead.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    request_started.disconnect(arrived)
    read = ArticleRead.objects.get()
    assert read.user == county.member_a1.user and read.seconds > 0
    assert sent and all(t.startswith("application/x-www-form-urlencoded") for t in sent), sent
    assert phone.errors == []  # type: ignore[attr-defined]
