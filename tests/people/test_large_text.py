"""大字模式: the header switch and my page's setting, remembered per person (their account)
and per device (a cookie that wins on that device)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xianfeng.audit.models import AuditLog
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def _html_tag(response) -> str:
    html = response.content.decode()
    return html[html.index("<html") : html.index(">", html.index("<html")) + 1]


def test_visitor_switch_is_remembered_on_the_device(client):
    assert _html_tag(client.get("/accounts/login/")) == '<html lang="zh-Hans">'
    response = client.post(reverse("people:text_size"), {"size": "large", "next": "/lessons/"})

    assert (response.status_code, response["Location"]) == (302, "/lessons/")
    assert response.cookies["xf_text"].value == "large"
    assert response.cookies["xf_text"]["max-age"] == 365 * 24 * 3600
    assert _html_tag(client.get("/accounts/login/")) == '<html lang="zh-Hans" class="large-text">'
    assert (
        'id="text-size-switch">标准字</button>' in client.get("/accounts/login/").content.decode()
    )


def test_member_setting_follows_the_person_to_a_new_device(client, county):
    user = county.member_a1.user
    client.force_login(user)
    client.post(reverse("people:text_size"), {"size": "large", "next": "/me/"})
    user.refresh_from_db()
    assert user.large_text is True
    assert AuditLog.objects.filter(action="user.set_large_text").count() == 1

    other_device = client.__class__()
    other_device.force_login(user)
    assert 'class="large-text"' in _html_tag(other_device.get(reverse("people:me")))


def test_device_choice_wins_over_the_person_setting(client, county):
    user = county.member_a1.user
    User.objects.filter(pk=user.pk).update(large_text=True)
    client.force_login(user)
    client.cookies["xf_text"] = "normal"
    assert _html_tag(client.get(reverse("people:me"))) == '<html lang="zh-Hans">'


def test_my_page_offers_the_setting_and_switches_back(client, county):
    user = county.member_a1.user
    client.force_login(user)
    html = client.get(reverse("people:me")).content.decode()
    assert 'name="size" value="normal" checked' in html and "大字模式：文字和按钮更大" in html

    client.post(reverse("people:text_size"), {"size": "large", "next": "/me/"})
    html = client.get(reverse("people:me")).content.decode()
    assert 'name="size" value="large" checked' in html
    client.post(reverse("people:text_size"), {"size": "normal", "next": "/me/"})
    user.refresh_from_db()
    assert user.large_text is False
    assert 'class="large-text"' not in _html_tag(client.get(reverse("people:me")))


def test_next_elsewhere_is_not_followed(client):
    response = client.post(
        reverse("people:text_size"), {"size": "large", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_switch_needs_post(client):
    assert client.get(reverse("people:text_size")).status_code == 405
