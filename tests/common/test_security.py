from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=|<style", re.I)


def pages(county):
    return [
        reverse("common:home"),
        reverse("people:member_list"),
        reverse("people:member_detail", args=[county.member_a1.pk]),
        reverse("people:member_create"),
        reverse("people:member_edit", args=[county.member_a1.pk]),
        reverse("people:me"),
        reverse("orgs:tree"),
        reverse("orgs:detail", args=["A1"]),
    ]


def test_pages_carry_a_strict_csp_and_no_inline_code(client, county):
    client.force_login(county.county_admin)
    for url in pages(county):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_HANDLER.search(html), url
        assert not INLINE_STYLE.search(html), url


def test_login_page_has_security_headers(client):
    response = client.get(reverse("people:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_user_text_is_escaped(client, county):
    user = county.member_a1.user
    user.name = "<script>alert(1)</script>"
    user.save()
    client.force_login(county.secretary_a1)
    html = client.get(reverse("people:member_list")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_private_uploads_have_no_url(settings):
    from django.core.files.storage import storages

    assert not str(storages["private"].location).startswith(str(settings.MEDIA_ROOT))


def test_lesson_and_contest_pages_have_no_inline_code(client, county):
    """The pages of the later apps keep to the same CSP (checked on rendered HTML)."""
    from tests.factories import published_lesson
    from xianfeng.contests import services as contest_services

    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="课")
    from django.utils import timezone

    today = timezone.localdate()
    contest = contest_services.contest_create(
        actor=county.county_admin, org=county.county, title="大赛", starts_on=today, ends_on=today
    )
    contest_services.round_add(
        actor=county.county_admin,
        contest=contest,
        name="决赛",
        level="organiser",
        starts_on=today,
        ends_on=today,
    )
    urls = [
        (county.member_a1.user, reverse("lessons:feed")),
        (county.member_a1.user, reverse("lessons:detail", args=[lesson.pk])),
        (county.secretary_a1, reverse("lessons:edit", args=[lesson.pk])),
        (county.member_a1.user, reverse("lessons:create")),
        (county.member_a1.user, reverse("lessons:mine")),
        (county.secretary_a1, reverse("lessons:participation", args=[lesson.pk])),
        (county.secretary_a1, reverse("lessons:manage")),
        (county.county_admin, reverse("contests:list")),
        (county.county_admin, reverse("contests:detail", args=[contest.pk])),
        (county.county_admin, reverse("contests:create")),
        (county.county_admin, reverse("contests:ranking", args=[contest.pk, 1])),
        (county.county_admin, reverse("moderation:queue")),
        (county.county_admin, reverse("people:import_list")),
    ]
    for user, url in urls:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_HANDLER.search(html), url
        assert not INLINE_STYLE.search(html), url


def test_a_photo_or_video_opened_on_its_own_gets_a_viewer_csp_and_pages_keep_the_strict_one(rf):
    """Chromium wraps a photo opened on its own in a viewer page with inline styles; the page
    CSP refused them (a console error, the photo in a corner). Media get a sandboxed policy
    with no script source at all; HTML, JSON and SVG keep the strict one."""
    from django.http import HttpResponse

    from xianfeng.common.middleware import CSP, MEDIA_CSP, SecurityHeadersMiddleware

    cases = {
        "image/jpeg": MEDIA_CSP,
        "image/webp": MEDIA_CSP,
        "video/mp4": MEDIA_CSP,
        "image/svg+xml": CSP,  # an SVG can carry script: never the relaxed policy
        "text/html; charset=utf-8": CSP,
        "application/json": CSP,
    }
    for kind, expected in cases.items():
        middleware = SecurityHeadersMiddleware(lambda r, k=kind: HttpResponse(b"x", content_type=k))
        assert middleware(rf.get("/community/wishes/1/photos/1/"))["Content-Security-Policy"] == (
            expected
        ), kind
    assert "default-src 'none'" in MEDIA_CSP and "sandbox" in MEDIA_CSP
    assert "script-src" not in MEDIA_CSP and "unsafe-inline" not in CSP
