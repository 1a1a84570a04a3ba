"""No select anywhere offers Django's "---------": every page each persona reaches by its
links (a crawl from the home page) is rendered and searched, so a form added later with a
bare ModelChoiceField or a blank model choice fails here."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django import forms

from tests.factories import MeetingFactory, grant, make_site, published_lesson
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


def _crawl(client) -> tuple[dict[str, list[str]], int]:
    """Pages reached from "/" by links (query strings kept), and how many were read."""
    seen: set[str] = set()
    queue = deque(["/"])
    found: dict[str, list[str]] = {}
    while queue and len(seen) < PAGE_LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
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
    return found, len(seen)


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
def test_no_dashes_empty_choice_on_any_page_a_persona_reaches(client, county, username):
    grant(county.secretary_a1, county.branch_a1, RoleKind.SITE_ADMIN)
    make_site(county.branch_a1, code="A1S1", name="东街社区远教站点")
    MeetingFactory(org=county.branch_a1, attendees={county.member_a1.user: "present"})
    published_lesson(org=county.branch_a1, author=county.member_a1.user, title="矿灯下的初心")
    user = county.member_a1.user if username == "member_a1" else getattr(county, username)
    client.force_login(user)
    found, read = _crawl(client)
    print(username, read, found)
    assert read > 20
    assert found == {}


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
