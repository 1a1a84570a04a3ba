"""The 三会一课 API end to end, with bearer tokens as the mobile app has them."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from tests.conftest import PASSWORD
from xianfeng.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def bearer(client, username):
    token = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def call(client, method, url, auth, body=None, status=200):
    response = getattr(client, method)(
        url, body if body is not None else {}, content_type="application/json", **auth
    )
    assert response.status_code == status, response.content.decode()
    return (
        response.json()
        if response.content and response["Content-Type"].startswith("application/json")
        else response
    )


def test_plan_sign_in_record_approve_through_the_api(client, branch):
    secretary = bearer(client, "secretary_a1")
    a, b = bearer(client, "member_a1"), bearer(client, "member_a1b")
    starts = timezone.now() - datetime.timedelta(minutes=2)
    plan = {
        "org": "A1",
        "kind": "assembly",
        "topic": "接口安排的党员大会",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=1)).isoformat(),
        "place": "村委会",
        "host_id": branch.secretary.pk,
        "recorder_a_id": branch.recorder_a.pk,
        "recorder_b_id": branch.recorder_b.pk,
    }
    created = call(client, "post", "/api/v1/meetings/", secretary, plan, status=201)
    meeting_id = created["id"]
    assert (created["state"], created["counts"]["expected"], created["quorum"]["base"]) == (
        "planned",
        6,
        4,
    )
    code = call(client, "get", f"/api/v1/meetings/{meeting_id}/checkin-code", secretary)
    assert code["open"] is True and code["url"].endswith(f"/meetings/checkin/{code['token']}/")
    signed = call(client, "post", "/api/v1/meetings/checkin", a, {"token": code["token"]})
    assert (signed["meeting_id"], signed["status"]) == (meeting_id, "present")
    again = call(client, "post", "/api/v1/meetings/checkin", a, {"token": code["token"]}, 400)
    assert "无需重复签到" in again["detail"]
    call(client, "post", "/api/v1/meetings/checkin", b, {"token": code["token"]})
    # B may not write while A is there; A writes, submits; only B approves.
    minutes = {"agenda": "学习党章", "discussion": "讨论", "resolutions": "通过"}
    denied = call(client, "put", f"/api/v1/meetings/{meeting_id}/minutes", b, minutes, 403)
    assert "A 被记为缺席或请假后" in denied["detail"]
    call(client, "put", f"/api/v1/meetings/{meeting_id}/minutes", a, minutes)
    call(client, "post", f"/api/v1/meetings/{meeting_id}/minutes/submit", a)
    call(client, "post", f"/api/v1/meetings/{meeting_id}/minutes/approve", secretary, status=403)
    done = call(client, "post", f"/api/v1/meetings/{meeting_id}/minutes/approve", b)
    assert done["state"] == "approved"
    assert done["minutes"]["approved_by"]["name"] == "赵记录"
    assert (done["quorum"]["present"], done["quorum"]["frozen"]) == (2, True)
    refused = call(client, "put", f"/api/v1/meetings/{meeting_id}/minutes", a, minutes, 400)
    assert "修订" in refused["detail"]
    amended = call(
        client,
        "post",
        f"/api/v1/meetings/{meeting_id}/amend",
        a,
        {"changes": {"resolutions": "一致通过"}, "note": "核对原件后更正"},
    )
    assert [(x["field"], x["before"], x["after"]) for x in amended["amendments"]] == [
        ("resolutions", "通过", "一致通过")
    ]
    archived = call(client, "post", f"/api/v1/meetings/{meeting_id}/archive", secretary)
    assert archived["state"] == "archived"
    pdf = client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", **secretary)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Compliance of the branch and of the town, and the year's ledger.
    year = timezone.localdate().year
    got = call(client, "get", f"/api/v1/meetings/compliance/A1?year={year}", secretary)
    assert got["meetings"][0]["topic"] == "接口安排的党员大会"
    town = call(
        client,
        "get",
        f"/api/v1/meetings/compliance?org=TA&year={year}",
        bearer(client, "town_admin"),
    )
    assert [r["code"] for r in town["rows"]] == ["A1", "A2"]
    ledger = client.get(f"/api/v1/meetings/ledger/A1/{year}", **secretary)
    assert ledger["Content-Type"].startswith("application/vnd.openxmlformats")


def test_plan_refusals_through_the_api(client, branch):
    body = {
        "org": "A1",
        "kind": "assembly",
        "topic": "会议",
        "starts_at": "2026-03-10T15:00:00+08:00",
        "ends_at": "2026-03-10T14:00:00+08:00",
        "place": "会议室",
        "host_id": branch.secretary.pk,
        "recorder_a_id": branch.recorder_a.pk,
        "recorder_b_id": branch.recorder_b.pk,
    }
    bad = call(client, "post", "/api/v1/meetings/", bearer(client, "secretary_a1"), body, 400)
    assert bad == {"detail": "结束时间应晚于开始时间", "field": "ends_at"}
    body["ends_at"] = "2026-03-10T16:00:00+08:00"
    # Another branch's secretary does not even see A1; A1's 宣传委员 sees it but may not plan.
    call(client, "post", "/api/v1/meetings/", bearer(client, "secretary_b1"), body, 404)
    denied = call(client, "post", "/api/v1/meetings/", bearer(client, "propaganda_a1"), body, 403)
    assert "只有本支部的书记或组织委员可以安排" in denied["detail"]
    assert not Meeting.objects.exists()


def test_leave_attendance_and_attachments_through_the_api(client, branch, private_storage_in_tmp):
    from tests.meetings.conftest import plan

    meeting = plan(branch, starts=timezone.now() + datetime.timedelta(minutes=20))
    member = bearer(client, "m_a1c")
    secretary = bearer(client, "secretary_a1")
    leave = call(client, "post", f"/api/v1/meetings/{meeting.pk}/leave", member, {"reason": "出差"})
    assert leave["status"] == "pending"
    decided = call(
        client,
        "post",
        f"/api/v1/meetings/{meeting.pk}/leave/{leave['id']}",
        secretary,
        {"approve": True, "note": "同意"},
    )
    assert decided["status"] == "approved"
    early = call(
        client,
        "post",
        f"/api/v1/meetings/{meeting.pk}/attendance",
        secretary,
        {"user_id": branch.full[3].user.pk, "status": "present", "reason": "补签"},
        400,
    )
    assert early["detail"] == "会议尚未开始，不能补录出勤"
    detail = call(client, "get", f"/api/v1/meetings/{meeting.pk}", secretary)
    assert detail["counts"]["leave"] == 1
    assert [lv["reason"] for lv in detail["leave_requests"]] == ["出差"]
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), (10, 120, 10)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "现场.png"
    response = client.post(
        f"/api/v1/meetings/{meeting.pk}/attachments",
        {"kind": "photo", "image": buffer},
        **bearer(client, "member_a1"),
    )
    assert response.status_code == 200, response.content.decode()
    photo = response.json()
    assert (photo["width"], photo["height"]) == (1600, 800)
    image = client.get(photo["thumb_url"], **secretary)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    # An ordinary member cannot load the photo (minutes are not theirs to read).
    assert client.get(photo["url"], **member).status_code == 404


def test_rules_calendar_notices_through_the_api(client, branch):
    admin = bearer(client, "county_admin")
    rules = call(client, "get", "/api/v1/meetings/rules/C", admin)
    assert {r["kind"]: r["period"] for r in rules}["committee"] == "month"
    changed = call(
        client, "put", "/api/v1/meetings/rules/C", admin, {"kind": "committee", "period": "quarter"}
    )
    assert {r["kind"]: (r["period"], r["set_at"]) for r in changed}["committee"] == ("quarter", "C")
    call(
        client, "put", "/api/v1/meetings/rules/A1", bearer(client, "secretary_a1"),
        {"kind": "committee", "period": "none"}, 404,
    )  # fmt: skip
    me = bearer(client, "member_a1")
    assert call(client, "get", "/api/v1/meetings/calendar", me) == {"enabled": False, "url": None}
    on = call(client, "post", "/api/v1/meetings/calendar", me, {"action": "enable"})
    assert on["enabled"] and on["url"].endswith(".ics")
    reset = call(client, "post", "/api/v1/meetings/calendar", me, {"action": "reset"})
    assert reset["url"] != on["url"]
    from tests.meetings.conftest import plan

    meeting = plan(branch)
    # Meeting notices are notifications, under /api/v1/notifications/.
    notices = call(client, "get", "/api/v1/notifications/", me)["results"]
    assert [(n["kind"], n["title"], n["url"], n["read"]) for n in notices] == [
        (
            "meeting.planned",
            "会议通知：支部党员大会「学习贯彻党章专题会议」",
            f"/meetings/{meeting.pk}/",
            False,
        )
    ]
    call(client, "post", "/api/v1/notifications/read", me, {}, 204)
    notices = call(client, "get", "/api/v1/notifications/", me)["results"]
    assert [n["read"] for n in notices] == [True]
