"""Pairing a TV by the device-code flow: the TV shows a code, the site admin confirms it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from xianfeng.remote import services
from xianfeng.remote.models import DeviceToken, PairingRequest, SiteDay

pytestmark = pytest.mark.django_db


def start(client):
    response = client.post("/remote/tv/pair/start", "", content_type="application/json")
    assert response.status_code == 200
    return response.json()


def poll(client, device_code):
    return client.post(
        "/remote/tv/pair/poll", {"device_code": device_code}, content_type="application/json"
    ).json()


def test_the_tv_is_paired_once_the_admin_confirms(client, county, sites2):
    tv = start(client)
    assert len(tv["user_code"]) == 9 and tv["user_code"][4] == "-"
    assert tv["qr"].startswith("data:image/png;base64,")
    assert tv["url"].endswith(f"/remote/pair/?code={tv['user_code'].replace('-', '')}")
    assert poll(client, tv["device_code"]) == {"status": "pending", "token": None, "site": None}

    phone = client.__class__()
    phone.force_login(sites2.admin_a)
    page = phone.get("/remote/pair/", {"code": tv["user_code"]})
    assert page.status_code == 200
    assert [s.code for s in page.context["sites"]] == ["DJ01"]
    typed = tv["user_code"].lower().replace("-", " ")
    done = phone.post("/remote/pair/", {"code": typed, "site": "DJ01", "label": "会议室电视"})
    assert done.status_code == 200
    assert "已确认" in done.content.decode()

    answer = poll(client, tv["device_code"])
    assert answer["status"] == "paired"
    assert answer["site"] == {"code": "DJ01", "name": "东街社区远程教育站点"}
    device = DeviceToken.objects.get()
    assert (device.site, device.label, device.created_by) == (
        sites2.a,
        "会议室电视",
        sites2.admin_a,
    )
    # The token is handed out once.
    assert poll(client, tv["device_code"])["status"] == "expired"
    assert DeviceToken.objects.count() == 1
    beat = client.post(
        "/api/v1/remote/heartbeat",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {answer['token']}",
    )
    assert beat.status_code == 200 and beat.json()["site"] == "DJ01"


def test_an_admin_cannot_pair_to_another_village_s_site(client, county, sites2):
    tv = start(client)
    client.force_login(sites2.admin_a)
    response = client.post("/remote/pair/", {"code": tv["user_code"], "site": "LW01"})
    assert response.status_code == 400
    assert "请选择站点" in response.content.decode()
    assert PairingRequest.objects.get().approved_at is None
    assert poll(client, tv["device_code"])["status"] == "pending"


@pytest.mark.parametrize("who", ["member", "secretary", "anonymous"])
def test_only_site_managers_reach_the_pairing_page(client, county, sites2, who):
    tv = start(client)
    if who == "member":
        client.force_login(county.member_a1.user)
    elif who == "secretary":
        client.force_login(county.secretary_a1)
    response = client.post("/remote/pair/", {"code": tv["user_code"], "site": "DJ01"})
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert PairingRequest.objects.get().approved_at is None


def test_wrong_expired_and_used_codes_are_refused(client, county, sites2):
    client.force_login(sites2.admin_a)
    wrong = client.post("/remote/pair/", {"code": "ZZZZ-ZZZZ", "site": "DJ01"})
    assert wrong.status_code == 400
    assert "配对码不正确" in wrong.content.decode()
    pairing, device_code = services.pairing_start(
        now=timezone.now() - datetime.timedelta(minutes=11)
    )
    old = client.post("/remote/pair/", {"code": pairing.user_code, "site": "DJ01"})
    assert "配对码已过期" in old.content.decode()
    assert poll(client, device_code)["status"] == "expired"
    fresh, _ = services.pairing_start()
    services.pairing_approve(actor=sites2.admin_a, user_code=fresh.user_code, site=sites2.a)
    again = client.post("/remote/pair/", {"code": fresh.user_code, "site": "DJ01"})
    assert "已经确认过了" in again.content.decode()
    assert not DeviceToken.objects.exists()


def test_poll_without_a_device_code(client):
    response = client.post("/remote/tv/pair/poll", "{}", content_type="application/json")
    assert response.status_code == 400
    bad = client.post("/remote/tv/pair/poll", "nope", content_type="application/json")
    assert bad.status_code == 400


def test_pairings_are_pruned_a_day_after_expiry(county):
    services.pairing_start(now=timezone.now() - datetime.timedelta(days=2))
    services.pairing_start()
    assert services.pairings_prune() == 1
    assert PairingRequest.objects.count() == 1


def test_the_tv_pages_are_static_shells(client):
    page = client.get("/remote/tv/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html and "style=" not in html
    assert 'data-beat="/api/v1/remote/heartbeat"' in html
    assert client.get("/remote/tv/pair/").status_code == 200
    assert not SiteDay.objects.exists()
