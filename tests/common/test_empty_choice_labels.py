"""No select anywhere offers Django's "---------", and no page's <head> carries page content:
every page each persona reaches by its links (a crawl from the home page) is rendered and
searched, so a form added later with a bare ModelChoiceField or a blank model choice fails
here, and so does a template that pastes a form into `{% block title %}` or `{% block head %}`
(a section above the site header, markup in the tab's title)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django import forms

from tests.factories import MeetingFactory, grant, make_site, published_lesson
from tests.html_support import head_problems, template_leaks
from xianfeng.common.forms import EMPTY_ALL, EMPTY_NONE, EMPTY_PICK, label_empty_choices
from xianfeng.orgs.enums import RoleKind

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/[^"]*)"')
# Not pages: downloads, media, the API, leaving, and pages that change state on GET.
SKIP = re.compile(
    r"^/(static|media|api|admin|accounts/logout|healthz|i18n)/"
    r"|\.(xlsx|pdf|csv|ics|png|jpg|svg|zip|m3u8|mp4)(\?|$)"
)
PAGE_LIMIT = 400


def _crawl(client) -> tuple[dict[str, list[str]], dict[str, list[str]], int]:
    """Pages reached from "/" by links (query strings kept): the selects offering dashes by
    page, the problems of each page's <head>, and how many pages were read."""
    seen: set[str] = set()
    queue = deque(["/"])
    found: dict[str, list[str]] = {}
    heads: dict[str, list[str]] = {}
    while queue and len(seen) < PAGE_LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if problems := head_problems(html) + template_leaks(html):
            heads[url] = problems
        if "---------" in html:
            found[url] = [
                re.findall(r'<select[^>]*name="([^"]+)"', html[: m.start()])[-1:][0]
                for m in re.finditer("---------", html)
                if "<select" in html[: m.start()]
            ]
        for href in HREF.findall(html):
            target = urldefrag(href.replace("&amp;", "&"))[0]
            if SKIP.search(target) or "page=" in target or target in seen:
                continue
            if urlsplit(target).path.count("/") > 8:
                continue
            queue.append(target)
    return found, heads, len(seen)


@pytest.mark.parametrize(
    "username",
    [
        "county_admin",
        "town_a_admin",
        "secretary_a1",
        "propagandist_a1",
        "member_a1",
        "judge",
        "resident",
    ],
)
def test_no_dashes_or_content_in_head_on_any_page_a_persona_reaches(client, county, username):
    grant(county.secretary_a1, county.branch_a1, RoleKind.SITE_ADMIN)
    make_site(county.branch_a1, code="A1S1", name="东街社区远教站点")
    MeetingFactory(org=county.branch_a1, attendees={county.member_a1.user: "present"})
    published_lesson(org=county.branch_a1, author=county.member_a1.user, title="矿灯下的初心")
    user = county.member_a1.user if username == "member_a1" else getattr(county, username)
    client.force_login(user)
    found, heads, read = _crawl(client)
    print(username, read, found, heads)
    assert read > 20
    assert found == {}
    assert heads == {}


class Pick(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=[("", "---------"), ("a", "甲")])
    who = forms.ChoiceField(label="主讲人", required=False, choices=[("a", "甲")])
    group = forms.ChoiceField(label="党小组", required=False, choices=[("", "---------")])


def test_label_empty_choices_names_the_field_or_says_all():
    form = label_empty_choices(Pick())
    assert form.fields["kind"].choices[0] == ("", f"{EMPTY_PICK}会议类型")
    # A choice list without an empty choice is left as it is.
    assert form.fields["who"].choices == [("a", "甲")]
    assert form.fields["group"].choices == [("", EMPTY_NONE)]
    filters = label_empty_choices(Pick(), empty=EMPTY_ALL)
    assert filters.fields["kind"].choices[0] == ("", EMPTY_ALL)


# The 展播 list as it was before 3a29ac7: its 开设展播 form pasted into the title and head blocks.
PASTED = """{% extends "base.html" %}{% load i18n static %}
{% block title %}展播{% if curator_orgs %}<section class="card"><h2>开设展播</h2>
<form method="post">{% csrf_token %}<input id="sc-title" type="text" name="title">
<button type="submit">开设</button></form></section>{% endif %}{% endblock %}
{% block head %}<link rel="stylesheet" href="{% static 'lessons/showcase.css' %}">
{% if curator_orgs %}
<section class="card"><h2>开设展播</h2><form method="post">{% csrf_token %}
<input id="sc-title" type="text" name="title"><button type="submit">开设</button></form>
</section>{% endif %}{% endblock %}
{% block content %}<h1 class="page-title">展播</h1>{% endblock %}"""


def test_head_check_fails_on_a_form_pasted_into_the_title_and_head_blocks(rf, county):
    from django.template import engines

    request = rf.get("/lessons/showcases/")
    request.user = county.town_a_admin
    template = engines["django"].from_string(PASTED)
    pasted = template.render({"curator_orgs": [county.town_a]}, request)
    problems = head_problems(pasted)
    assert problems[0].startswith("markup in <title>: '展播<section")
    assert problems[1:] == [
        "<section> in <head>",
        "<h2> in <head>",
        "<form> in <head>",
        "<input> in <head>",
        "<input> in <head>",
        "<button> in <head>",
        "text in <head>: '开设展播\\n开设'",
    ]
    # The same page without the pasted form has a clean head.
    assert head_problems(template.render({"curator_orgs": []}, request)) == []


def test_template_syntax_shown_as_text_is_found():
    # The dashboard's board began with a two-line {# … #}, which Django printed.
    leaked = "<p>{# The part of a dashboard read from the fact table,\n cached. #}</p>"
    assert template_leaks(leaked) == [
        "<p>{# The part of a dashboard read from the f",
        "act table,\n cached. #}</p>",
    ]
    assert template_leaks('<script type="application/json">{"a": {"b": 1}}</script><p>a</p>') == []


def test_head_check_names_text_a_second_title_and_a_missing_head_end():
    assert head_problems("<html><head><title>a</title>说明文字<meta charset=utf-8></head>") == [
        "text in <head>: '说明文字'"
    ]
    assert head_problems("<head><title>a</title><title>b</title></head>") == ["2 <title> elements"]
    assert head_problems("<head><title>a &lt;b&gt;</title><!-- <div> --></head>") == []
    assert head_problems("<head><title>a</title>") == ["no </head>"]
