"""转发 during a live: the page carries its own link and QR; a visitor not signed in goes to
the login page and back; someone outside the audience still meets a 404."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from xianfeng.live import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live(county):
    return services.live_schedule(
        actor=county.town_a_admin,
        org=county.town_a,
        audience=county.town_a,
        title="七一党课直播",
        speaker=county.member_a1.user,
        scheduled_at=timezone.now() + datetime.timedelta(minutes=5),
    )


def test_the_page_offers_its_own_link_and_qr(client, county, live):
    client.force_login(county.member_a2.user)
    html = client.get(reverse("live:detail", args=[live.pk])).content.decode()
    link = f"http://testserver/live/{live.pk}/"
    assert f'id="live-share-url" value="{link}"' in html
    assert f'data-url="{link}"' in html
    assert 'src="data:image/png;base64,' in html
    assert "本场直播面向城关镇党委的党员" in html


def test_a_forwarded_link_sends_a_visitor_to_login_and_back(client, county, live):
    url = reverse("live:detail", args=[live.pk])
    response = client.get(url)
    assert response.status_code == 302
    login = response["Location"]
    assert login == f"{reverse('people:login')}?next={url}"
    back = client.post(login, {"username": county.member_a2.user.username, "password": PASSWORD})
    assert (back.status_code, back["Location"]) == (302, url)
    assert client.get(url).status_code == 200


def test_a_forwarded_link_shows_nothing_outside_the_audience(client, county, live):
    client.force_login(county.member_b1.user)
    assert client.get(reverse("live:detail", args=[live.pk])).status_code == 404
