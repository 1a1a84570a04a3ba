"""Input that used to crash (500) is a 4xx with a Chinese message, in the API and on the
pages, on SQLite and PostgreSQL alike: years out of range, ids beyond a bigint, numbers
beyond a float, JSON nested past reason, digits that int() does not read."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.api.conftest import TokenClient
from tests.factories import published_lesson
from tests.meetings.conftest import make_branch, plan
from xianfeng.lessons.models import Lesson, WatchProgress
from xianfeng.meetings.models import Attendance, Meeting
from xianfeng.notify.models import Notification
from xianfeng.notify.services import notify

pytestmark = pytest.mark.django_db

HUGE = 2**70  # beyond any bigint
ID_TOO_BIG = 2**63  # one past the largest id
ID_LIMIT = "应不大于 9223372036854775807"
DEEP = "[" * 5000 + "]" * 5000


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


# --- the API --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/api/v1/meetings/compliance?year=-1", "year：应不小于 2000"),
        ("/api/v1/meetings/compliance?year=99999", "year：应不大于 2100"),
        ("/api/v1/meetings/compliance/A1?year=-1", "year：应不小于 2000"),
        ("/api/v1/meetings/compliance/A1?year=99999", "year：应不大于 2100"),
        ("/api/v1/meetings/ledger/A1/99999", "year：应不大于 2100"),
        ("/api/v1/meetings/ledger/A1/-1", "year：应不小于 2000"),
        ("/api/v1/meetings/?year=99999", "year：应不大于 2100"),
        (f"/api/v1/lessons/?series={HUGE}", f"series：{ID_LIMIT}"),
        ("/api/v1/lessons/?series=0", "series：应不小于 1"),
        (f"/api/v1/lessons/{HUGE}", f"lesson_id：{ID_LIMIT}"),
        (f"/api/v1/contests/{HUGE}", f"contest_id：{ID_LIMIT}"),
        (f"/api/v1/members/{ID_TOO_BIG}", f"member_id：{ID_LIMIT}"),
    ],
)
def test_api_query_and_path_numbers_out_of_range_are_422(county, url, detail):
    client = TokenClient("county_admin")
    field = detail.split("：")[0]
    assert error(client.http.get(url, headers=client.auth), 422) == {
        "detail": detail,
        "field": field,
    }


def test_api_path_id_that_is_not_a_number_is_404(county):
    """Ids in paths use the int converter: /lessons/abc names no lesson (and a fixed path
    such as /lessons/tags is never taken for an id)."""
    client = TokenClient("county_admin")
    response = client.http.get("/api/v1/lessons/abc", headers=client.auth)
    assert response.status_code == 404
    assert response.json()["detail"]
    assert client.http.get("/api/v1/lessons/tags", headers=client.auth).status_code == 200


def _plan_body(branch, **overrides):
    starts = timezone.now() + datetime.timedelta(days=1)
    return {
        "org": "A1",
        "kind": "assembly",
        "topic": "党员大会",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=1)).isoformat(),
        "place": "村委会",
        "host_id": branch.secretary.pk,
        "recorder_a_id": branch.recorder_a.pk,
        "recorder_b_id": branch.recorder_b.pk,
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"host_id": ID_TOO_BIG}, "host_id"),
        ({"speaker_id": HUGE}, "speaker_id"),
        ({"attendee_ids": [1, ID_TOO_BIG]}, "attendee_ids.1"),
        ({"lesson_id": -5}, "lesson_id"),
    ],
)
def test_meeting_plan_with_ids_beyond_a_bigint_is_422(county, overrides, field):
    branch = make_branch(county)
    client = TokenClient("secretary_a1")
    body = error(
        client.http.post(
            "/api/v1/meetings/",
            _plan_body(branch, **overrides),
            content_type="application/json",
            headers=client.auth,
        ),
        422,
    )
    assert body["field"] == field
    assert body["detail"].startswith(f"{field}：应不")
    assert Meeting.objects.count() == 0


def test_attendees_add_beyond_a_bigint_is_422(county):
    branch = make_branch(county)
    meeting = plan(branch, starts=timezone.now() + datetime.timedelta(days=1))
    before = Attendance.objects.filter(meeting=meeting).count()
    client = TokenClient("secretary_a1")
    body = error(
        client.http.post(
            f"/api/v1/meetings/{meeting.pk}/attendees",
            {"add": [HUGE]},
            content_type="application/json",
            headers=client.auth,
        ),
        422,
    )
    assert body == {"detail": f"add.0：{ID_LIMIT}", "field": "add.0"}
    assert Attendance.objects.filter(meeting=meeting).count() == before


def test_notifications_read_ids_beyond_a_bigint_is_422(county):
    notify(users=[county.member_a1.user], title="未读")
    client = TokenClient("member_a1")
    body = error(
        client.http.post(
            "/api/v1/notifications/read",
            {"ids": [ID_TOO_BIG]},
            content_type="application/json",
            headers=client.auth,
        ),
        422,
    )
    assert body == {"detail": f"ids.0：{ID_LIMIT}", "field": "ids.0"}
    assert Notification.objects.get().read_at is None


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"{not json", "请求体不是合法的 JSON"),
        (DEEP.encode(), "请求中的 JSON 嵌套过深"),
        (b'{"sections": [[0, 1e400]]}', "请求中的数字超出范围"),
        (b'{"sections": [[0, NaN]]}', "请求中不能有 NaN"),
        (b"\xff\xfe", "请求体不是合法的 JSON"),
    ],
)
def test_api_unreadable_bodies_are_400(county, raw, detail):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    client = TokenClient("member_a1")
    response = client.http.post(
        f"/api/v1/lessons/{lesson.pk}/watch",
        raw,
        content_type="application/json",
        headers=client.auth,
    )
    assert error(response, 400) == {"detail": detail, "field": None}
    assert not WatchProgress.objects.exists()


def test_api_watch_with_a_number_beyond_a_float_is_422(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    client = TokenClient("member_a1")
    response = client.http.post(
        f"/api/v1/lessons/{lesson.pk}/watch",
        '{"sections": [[0, 1' + "0" * 400 + "]]}",
        content_type="application/json",
        headers=client.auth,
    )
    assert error(response, 422) == {"detail": "sections.0.1：应为数字", "field": "sections.0.1"}


def test_unknown_api_address_is_a_json_404(db):
    from django.test import Client

    assert error(Client().get("/api/v1/no-such-thing"), 404) == {
        "detail": "找不到该接口",
        "field": None,
    }


# --- the pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/meetings/compliance/A1/?year=-1", "年份应为 2000 到 2100 之间的整数"),
        ("/meetings/compliance/A1/?year=99999", "年份应为 2000 到 2100 之间的整数"),
        ("/meetings/compliance/A1/?year=²", "年份应为 2000 到 2100 之间的整数"),
        ("/meetings/ledger/A1/99999.xlsx", "年份应为 2000 到 2100 之间的整数"),
        ("/meetings/ledger/A1/1999.xlsx", "年份应为 2000 到 2100 之间的整数"),
        (f"/lessons/?series={HUGE}", "专题编号不正确"),
    ],
)
def test_pages_with_numbers_out_of_range_are_400(client, county, url, message):
    client.force_login(county.secretary_a1)
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert message in response.content.decode()


def test_ledger_page_and_export_still_take_a_good_year(client, county):
    make_branch(county)
    client.force_login(county.secretary_a1)
    assert client.get("/meetings/compliance/A1/?year=2025").status_code == 200
    assert client.get("/meetings/ledger/A1/2025.xlsx").status_code == 200
    assert client.get("/meetings/ledger/A1/-1.xlsx").status_code == 404  # no such address


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ('{"sections": [[0, 1' + "0" * 400 + "]]}", "上报格式不正确"),
        ('{"sections": [[0, 5]], "position": 1' + "0" * 400 + "}", "上报格式不正确"),
        ('{"sections": [[0, 1e400]]}', "请求中的数字超出范围"),
        (DEEP, "请求中的 JSON 嵌套过深"),
        ("[1, 2]", "请求体应为 JSON 对象"),
    ],
)
def test_page_watch_report_with_odd_json_is_400(client, county, raw, detail):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    client.force_login(county.member_a1.user)
    response = client.post(f"/lessons/{lesson.pk}/watch/", raw, content_type="application/json")
    assert error(response, 400)["detail"] == detail
    assert not WatchProgress.objects.exists()


def test_page_watch_refusal_matches_the_api(client, county):
    """Same refusal, same status and body on the page and in the API."""
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    Lesson.objects.filter(pk=lesson.pk).update(duration=0)  # its video lost its length
    client.force_login(county.member_a1.user)
    body = {"sections": [[0, 5]]}
    page = client.post(f"/lessons/{lesson.pk}/watch/", body, content_type="application/json")
    api = client.post(f"/api/v1/lessons/{lesson.pk}/watch", body, content_type="application/json")
    assert (page.status_code, page.json()) == (api.status_code, api.json())
    assert api.json() == {"detail": "这节微党课还不能观看", "field": None}


def test_page_form_ids_that_int_cannot_read_are_400(client, county):
    branch = make_branch(county)
    meeting = plan(branch, starts=timezone.now() + datetime.timedelta(days=1))
    client.force_login(county.secretary_a1)
    before = sorted(Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    response = client.post(f"/meetings/{meeting.pk}/attendees/", {"people": ["²", str(HUGE)]})
    assert response.status_code == 400
    assert "编号应为 1 到 9223372036854775807 之间的整数" in response.content.decode()
    after = sorted(Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    assert after == before


def test_checkin_and_calendar_tokens_with_odd_digits_are_refused(client, county):
    client.force_login(county.member_a1.user)
    for token in ("²-1-abcdefghij", "1-" + "9" * 100 + "-abcdefghij"):
        response = client.post(
            "/api/v1/meetings/checkin", {"token": token}, content_type="application/json"
        )
        assert response.status_code == 400, response.content.decode()
    assert client.get("/meetings/calendar/²-1-abc.ics").status_code == 404
    assert client.get("/meetings/calendar/" + "9" * 5000 + "-1-abc.ics").status_code == 404


@pytest.mark.parametrize("length", ["²", "9" * 5000, "-5", "1e3"])
def test_tus_upload_length_that_is_no_number_is_400(county, length):
    client = TokenClient("member_a1")
    response = client.http.generic(
        "POST",
        "/media-api/uploads/",
        headers={**client.auth, "Tus-Resumable": "1.0.0", "Upload-Length": length},
    )
    assert (response.status_code, response.content.decode()) == (400, "缺少或错误的 Upload-Length")
