"""Residents (群众: no member record, no role) see only what concerns them: no 三会一课 or
竞赛 tabs and no 录制微党课 button that would end in a 403; members and judges keep them."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _nav(html: str) -> str:
    return html[html.index('<nav class="nav"') : html.index("</nav>")]


def test_resident_has_no_meetings_or_contests_tab_and_no_record_button(client, county):
    client.force_login(county.resident)
    home = client.get(reverse("common:home")).content.decode()
    assert "三会一课" not in _nav(home) and "竞赛" not in _nav(home)
    assert "微党课" in _nav(home)
    for url in (reverse("common:home"), reverse("lessons:feed"), reverse("lessons:mine")):
        html = client.get(url).content.decode()
        assert reverse("lessons:create") not in html, url
    # What the button would have led to.
    assert client.get(reverse("lessons:create")).status_code == 403


def test_member_keeps_the_tabs_and_the_record_button(client, county):
    client.force_login(county.member_a1.user)
    home = client.get(reverse("common:home")).content.decode()
    assert "三会一课" in _nav(home) and "竞赛" in _nav(home)
    for url in (reverse("common:home"), reverse("lessons:feed"), reverse("lessons:mine")):
        assert reverse("lessons:create") in client.get(url).content.decode(), url
    assert client.get(reverse("lessons:create")).status_code == 200


def test_judge_without_member_record_keeps_the_contests_tab(client, county):
    client.force_login(county.judge)
    nav = _nav(client.get(reverse("common:home")).content.decode())
    assert "竞赛" in nav
    assert reverse("lessons:create") not in client.get(reverse("lessons:feed")).content.decode()


def test_town_admin_may_record_for_the_branches(client, county):
    client.force_login(county.town_a_admin)
    assert reverse("lessons:create") in client.get(reverse("lessons:feed")).content.decode()
    assert client.get(reverse("lessons:create")).status_code == 200
