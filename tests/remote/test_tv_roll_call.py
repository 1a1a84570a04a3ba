"""点名 on the TV: the paired device ticks members of its site's org (代签) for an open
viewing; ticks made offline are queued by the player and sent later with their own time,
like heartbeats (≤ 5 minutes ahead, ≤ 7 days late). Sending a tick twice counts once, a
tick arriving after the viewing ended is still credited, and the device reaches only its
own site's viewings and members."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, published_lesson
from xianfeng.audit.models import AuditLog
from xianfeng.lessons.models import GroupViewing
from xianfeng.remote import services
from xianfeng.remote.enums import SignInHow, ViewingState
from xianfeng.remote.models import ViewingAttendance

pytestmark = pytest.mark.django_db
JSON = "application/json"
URL = "/api/v1/remote/tv/roll-calls"


@pytest.fixture
def tv(county, sites2):
    lesson = published_lesson(org=county.county, author=county.member_a1.user, title="党史一课")
    viewing = services.viewing_start(
        actor=sites2.admin_a, site=sites2.a, title="周五集中收看", lessons=[lesson]
    )
    _, key = services.device_token_issue(actor=sites2.admin_a, site=sites2.a)
    return viewing, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _call(client, auth, **body):
    return client.post(URL, body, content_type=JSON, **auth)


def test_the_tv_lists_its_sites_members_and_who_is_signed_in(client, county, sites2, tv):
    viewing, auth = tv
    elder = MemberFactory(org=county.branch_a1, user__name="王大爷")
    services.viewing_proxy_sign(actor=sites2.admin_a, viewing=viewing, member=county.member_a1)
    home = client.get("/api/v1/remote/tv", **auth).json()
    (shown,) = home["viewings"]
    roster = {r["name"]: (r["id"], r["signed"]) for r in shown["roster"]}
    # Village B's member (王柳湾) is not on village A's screen.
    assert roster == {"张东街": (county.member_a1.pk, True), "王大爷": (elder.pk, False)}


def test_a_roll_call_sent_twice_counts_once_with_its_own_time(client, county, sites2, tv):
    viewing, auth = tv
    elder = MemberFactory(org=county.branch_a1, user__name="王大爷")
    ticked = timezone.now() - datetime.timedelta(hours=3)  # queued offline, sent now
    first = _call(client, auth, viewing=viewing.pk, member=elder.pk, at=ticked.isoformat())
    assert first.status_code == 200, first.content
    assert first.json() == {
        "viewing": viewing.pk,
        "member": elder.pk,
        "created": True,
        "attendance": 1,
    }
    again = _call(client, auth, viewing=viewing.pk, member=elder.pk, at=ticked.isoformat())
    assert again.json() == {
        "viewing": viewing.pk,
        "member": elder.pk,
        "created": False,
        "attendance": 1,
    }
    (row,) = ViewingAttendance.objects.all()
    assert (row.user_id, row.how, row.is_member, row.recorded_by_id) == (
        elder.user_id,
        SignInHow.PROXY,
        True,
        sites2.admin_a.pk,
    )
    assert row.at == ticked
    log = AuditLog.objects.get(action="viewing.tv_roll_call")
    assert log.data["late"] is True
    # A member who scanned the QR on their phone first: the tick adds nothing.
    services.viewing_checkin(user=county.member_a1.user, token=services.viewing_code(viewing))
    dup = _call(client, auth, viewing=viewing.pk, member=county.member_a1.pk)
    assert dup.json()["created"] is False and dup.json()["attendance"] == 2
    assert ViewingAttendance.objects.get(user=county.member_a1.user).how == SignInHow.QR


def test_a_tick_arriving_after_the_viewing_ended_is_credited_once(client, county, sites2, tv):
    viewing, auth = tv
    ticked = timezone.now() - datetime.timedelta(minutes=30)
    services.viewing_end(actor=sites2.admin_a, viewing=viewing)  # on the phone, meanwhile
    assert GroupViewing.objects.count() == 0
    for _ in range(2):
        response = _call(
            client, auth, viewing=viewing.pk, member=county.member_a1.pk, at=ticked.isoformat()
        )
        assert response.status_code == 200
    viewing.refresh_from_db()
    assert viewing.state == ViewingState.HELD
    credits = list(GroupViewing.objects.values_list("user_id", "source", "source_id"))
    assert credits == [(county.member_a1.user_id, "remote.viewing", viewing.pk)]


def test_refused_roll_calls_say_why_and_store_nothing(client, county, sites2, tv):
    viewing, auth = tv
    now = timezone.now()
    cases = [
        (
            {"member": county.member_b1.pk},  # village B's member
            400,
            {"detail": "只能为本站点所属组织的党员点名", "field": "member"},
        ),
        (
            {"member": county.member_a1.pk, "at": (now - datetime.timedelta(days=8)).isoformat()},
            400,
            {"detail": "点名时间早于 7 天前，不再计入", "field": "at"},
        ),
        (
            {"member": county.member_a1.pk, "at": (now + datetime.timedelta(hours=1)).isoformat()},
            400,
            {"detail": "点名时间比服务器时间晚 5 分钟以上，请校准设备时钟", "field": "at"},
        ),
    ]
    for body, status, answer in cases:
        response = _call(client, auth, viewing=viewing.pk, **body)
        assert (response.status_code, response.json()) == (status, answer), body
    naive = _call(
        client, auth, viewing=viewing.pk, member=county.member_a1.pk, at="2026-12-01T19:00:00"
    )
    assert naive.status_code == 422
    services.viewing_cancel(actor=sites2.admin_a, viewing=viewing)
    cancelled = _call(client, auth, viewing=viewing.pk, member=county.member_a1.pk)
    assert cancelled.json() == {"detail": "本次收看已取消", "field": None}
    assert ViewingAttendance.objects.count() == 0


def test_a_device_reaches_only_its_own_sites_viewings(client, county, sites2, tv):
    viewing, _ = tv
    _, key_b = services.device_token_issue(actor=None, site=sites2.b)
    other = {"HTTP_AUTHORIZATION": f"Bearer {key_b}"}
    member_b_site = _call(client, other, viewing=viewing.pk, member=county.member_b1.pk)
    assert member_b_site.status_code == 404
    # A person's session is no device token.
    client.force_login(sites2.admin_a)
    assert _call(client, {}, viewing=viewing.pk, member=county.member_a1.pk).status_code == 401
    client.logout()
    device, key = services.device_token_issue(actor=None, site=sites2.a)
    services.device_token_revoke(actor=None, device=device)
    revoked = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert _call(client, revoked, viewing=viewing.pk, member=county.member_a1.pk).status_code == 401
    assert ViewingAttendance.objects.count() == 0
