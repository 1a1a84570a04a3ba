"""POST /api/v1/remote/heartbeat: the device token, the time rules, nothing stored when
refused."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.factories import make_site
from xianfeng.common import pagecache
from xianfeng.remote import services
from xianfeng.remote.counting import slot_of
from xianfeng.remote.models import DeviceToken, Site, SiteDay

pytestmark = pytest.mark.django_db
URL = "/api/v1/remote/heartbeat"


@pytest.fixture
def site(county):
    return make_site(county.branch_b1, code="LW01", name="柳湾村远程教育站点")


@pytest.fixture
def device(site):
    return services.device_token_issue(actor=None, site=site, label="客厅电视盒")


def post(client, key, body=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key is not None else {}
    data = "" if body is None else body
    return client.post(URL, data, content_type="application/json", **headers, **extra)


def test_a_beat_with_its_own_time_is_folded_into_its_local_day(client, site, device):
    _, key = device
    when = timezone.now() - datetime.timedelta(hours=2)
    local = timezone.localtime(when)
    response = post(client, key, {"at": when.isoformat()})
    assert response.status_code == 200
    slot = slot_of(when)
    assert response.json() == {
        "accepted": True,
        "site": "LW01",
        "day": local.date().isoformat(),
        "slot": slot.index,
        "slots_today": 1,
    }
    row = SiteDay.objects.get(site=site)
    assert (row.day, row.slots, row.beats) == (local.date(), 1, 1)
    assert getattr(row, f"w{slot.word}") == slot.bit
    site.refresh_from_db()
    assert site.last_beat_at == when.replace(microsecond=when.microsecond)
    # The same slot again: one more beat, no more slots.
    assert post(client, key, {"at": when.isoformat()}).json()["slots_today"] == 1
    row.refresh_from_db()
    assert (row.slots, row.beats) == (1, 2)


def test_a_beat_without_a_body_or_time_is_now(client, site, device):
    _, key = device
    before = timezone.now()
    assert post(client, key).status_code == 200
    assert post(client, key, {}).status_code == 200
    site.refresh_from_db()
    assert site.last_beat_at >= before
    assert SiteDay.objects.get(site=site).beats == 2


def test_a_queued_older_beat_does_not_move_last_seen_back(client, site, device):
    _, key = device
    now = timezone.now()
    post(client, key, {"at": now.isoformat()})
    post(client, key, {"at": (now - datetime.timedelta(days=2)).isoformat()})
    site.refresh_from_db()
    assert abs(site.last_beat_at - now) < datetime.timedelta(seconds=1)
    assert SiteDay.objects.filter(site=site).count() == 2


@pytest.mark.parametrize(
    ("shift", "detail"),
    [
        (datetime.timedelta(minutes=6), "心跳时间比服务器时间晚 5 分钟以上，请校准设备时钟"),
        (-datetime.timedelta(days=7, minutes=1), "心跳时间早于 7 天前，不再计入"),
    ],
)
def test_a_beat_from_the_future_or_too_old_is_refused_and_not_stored(
    client, site, device, shift, detail
):
    _, key = device
    response = post(client, key, {"at": (timezone.now() + shift).isoformat()})
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "field": "at"}
    assert not SiteDay.objects.exists()
    assert Site.objects.get(pk=site.pk).last_beat_at is None


def test_a_time_without_an_offset_is_refused(client, site, device):
    _, key = device
    response = post(client, key, {"at": "2026-12-01T19:05:00"})
    assert response.status_code == 422
    assert "时区" in response.json()["detail"]
    assert not SiteDay.objects.exists()


def test_a_revoked_token_is_refused_with_the_reason(client, county, site, device):
    token, key = device
    services.device_token_revoke(actor=county.county_admin, device=token)
    response = post(client, key, {})
    assert response.status_code == 401
    assert response.json() == {"detail": "设备令牌已撤销，请重新配对", "field": None}
    assert not SiteDay.objects.exists()


def test_unknown_missing_and_personal_tokens_are_refused(client, county, site):
    assert post(client, "xfd_nonsense", {}).status_code == 401
    assert post(client, "xfd_nonsense", {}).json()["detail"] == "设备令牌无效，请重新配对"
    assert post(client, None, {}).status_code == 401
    personal = client.post(
        "/api/v1/auth/token",
        {"username": "county_admin", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    assert post(client, personal, {}).status_code == 401
    assert not SiteDay.objects.exists()


def test_a_device_token_is_no_login_anywhere_else(client, device):
    _, key = device
    response = client.get("/api/v1/lessons/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401


def test_a_device_beats_only_for_its_own_site(client, county, site, device):
    other = make_site(county.branch_a1, code="DJ01", name="东街社区站点")
    _, key = device
    post(client, key, {})
    assert SiteDay.objects.filter(site=other).count() == 0
    assert SiteDay.objects.filter(site=site).count() == 1


def test_only_the_hash_of_a_device_token_is_kept(device):
    token, key = device
    assert key.startswith("xfd_")
    assert DeviceToken.objects.get(pk=token.pk).key_hash == services.device_key_digest(key)
    assert not DeviceToken.objects.filter(key_hash=key).exists()


def test_a_beat_is_one_statement_on_postgresql(client, site, device):
    """On PostgreSQL the token's lookup and the beat are one statement (the day row, the
    site's last beat and the device's last-seen time; its own transaction, committed
    without waiting for the WAL flush); on SQLite the device, then the same writes in
    one transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, key = device
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, key).status_code == 200
    sqls = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    if connection.vendor == "postgresql":
        assert len(sqls) == 1 and sqls[0].startswith(pagecache.QUIET + "WITH dev AS (SELECT")
        assert "set_config('synchronous_commit', 'off', true)" in sqls[0]
    else:  # the device, then the first beat: last seen, the day row, the site
        assert sqls[0].startswith('SELECT "remote_devicetoken"')
        assert len(sqls) == 4
    site.refresh_from_db()
    seen = DeviceToken.objects.get(site=site).last_seen_at
    assert site.last_beat_at is not None and seen is not None
    # Within the minute its last-seen time is not written again.
    assert post(client, key).status_code == 200
    assert DeviceToken.objects.get(site=site).last_seen_at == seen  # within the minute
    assert SiteDay.objects.get(site=site).beats == 2


def test_a_revoked_token_with_a_beat_out_of_time_is_refused_as_revoked(
    client, county, site, device
):
    token, key = device
    services.device_token_revoke(actor=county.county_admin, device=token)
    late = (timezone.now() - datetime.timedelta(days=8)).isoformat()
    response = post(client, key, {"at": late})
    assert response.status_code == 401
    assert response.json()["detail"] == "设备令牌已撤销，请重新配对"
    assert not SiteDay.objects.exists()


def test_a_beat_after_a_new_token_is_issued_counts_for_its_site(client, site, device):
    """The old token and a new one both beat for the site, each answered with its code."""
    _, first = device
    _, second = services.device_token_issue(actor=None, site=site, label="新电视盒")
    one, two = post(client, first), post(client, second)
    assert one.status_code == two.status_code == 200
    assert one.json()["site"] == two.json()["site"] == "LW01"
    assert SiteDay.objects.get(site=site).beats == 2
