"""QR sign-in: fresh codes only, during the window, for expected people, once."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.meetings.conftest import local, plan, sign_in, statuses
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingState
from xianfeng.meetings.models import Attendance, Meeting
from xianfeng.meetings.tokens import QR_STEP_SECONDS, checkin_token, step_at

pytestmark = pytest.mark.django_db

START = local(2026, 3, 10, 15, 0)


def token_at(meeting, moment):
    return checkin_token(meeting.pk, meeting.checkin_key, step_at(moment))


def unchanged(meeting):
    """What a refused sign-in must not touch: attendance rows and audit rows."""
    rows = list(
        Attendance.objects.filter(meeting=meeting)
        .order_by("pk")
        .values_list("user_id", "status", "signed_at", "source")
    )
    return rows, AuditLog.objects.filter(action="meeting.checked_in").count()


def test_on_time_and_late(branch):
    meeting = plan(branch, starts=START)
    a, b = branch.recorder_a, branch.recorder_b
    row = sign_in(meeting, a, at=START - datetime.timedelta(minutes=29))
    assert (row.status, row.source) == ("present", "qr")
    assert row.signed_at == START - datetime.timedelta(minutes=29)
    row = sign_in(meeting, b, at=START + datetime.timedelta(minutes=5))
    assert row.status == "present"
    row = sign_in(meeting, branch.full[2].user, at=START + datetime.timedelta(minutes=6))
    assert row.status == "late"
    assert statuses(meeting)["m_a1d"] == "expected"


def test_an_expired_code_is_refused_and_changes_nothing(branch):
    meeting = plan(branch, starts=START)
    shown = START + datetime.timedelta(minutes=10)
    token = token_at(meeting, shown)
    before = unchanged(meeting)
    # Two steps later (at least 30 s, at most 60 s after it stopped showing): expired.
    later = shown + datetime.timedelta(seconds=2 * QR_STEP_SECONDS)
    with pytest.raises(Refused, match="二维码已过期"):
        services.checkin(user=branch.recorder_a, token=token, now=later)
    assert unchanged(meeting) == before
    # The next step is still fine (time to scan and tap).
    row = services.checkin(
        user=branch.recorder_a, token=token, now=shown + datetime.timedelta(seconds=QR_STEP_SECONDS)
    )
    assert row.status == "late"


def test_a_replayed_code_signs_in_once(branch):
    meeting = plan(branch, starts=START)
    token = token_at(meeting, START)
    first = services.checkin(user=branch.recorder_a, token=token, now=START)
    before = unchanged(meeting)
    with pytest.raises(Refused, match="您已于 15:00 签到，无需重复签到"):
        services.checkin(
            user=branch.recorder_a, token=token, now=START + datetime.timedelta(seconds=5)
        )
    # A fresh code later does not sign in again either, nor turn 出席 into 迟到.
    with pytest.raises(Refused, match="无需重复签到"):
        sign_in(meeting, branch.recorder_a, at=START + datetime.timedelta(minutes=20))
    assert unchanged(meeting) == before
    first.refresh_from_db()
    assert (first.status, first.signed_at) == ("present", START)
    # The same code works for everyone else in the room.
    assert services.checkin(user=branch.recorder_b, token=token, now=START).status == "present"


def test_someone_not_expected_is_refused(branch):
    meeting = plan(branch, starts=START)
    before = unchanged(meeting)
    with pytest.raises(Refused, match="您不在本次会议的应到人员名单中"):
        sign_in(meeting, branch.county.member_b1.user, at=START)
    assert unchanged(meeting) == before
    assert not Attendance.objects.filter(user=branch.county.member_b1.user).exists()


def test_outside_the_window(branch):
    meeting = plan(branch, starts=START, minutes=90)
    before = unchanged(meeting)
    with pytest.raises(Refused, match="签到尚未开始"):
        sign_in(meeting, branch.recorder_a, at=START - datetime.timedelta(minutes=31))
    with pytest.raises(Refused, match="会议已结束"):
        sign_in(meeting, branch.recorder_a, at=START + datetime.timedelta(minutes=91))
    assert unchanged(meeting) == before


def test_forged_future_and_foreign_codes_are_invalid(branch):
    meeting = plan(branch, starts=START)
    other = plan(branch, starts=START, topic="另一场会议")
    good = token_at(meeting, START)
    forged = good[:-4] + ("0000" if not good.endswith("0000") else "1111")
    future = token_at(meeting, START + datetime.timedelta(minutes=5))
    # The other meeting's key signing this meeting's id.
    foreign = checkin_token(meeting.pk, other.checkin_key, step_at(START))
    before = unchanged(meeting)
    for token in (forged, future, foreign, "garbage", f"{meeting.pk}-1-x"):
        with pytest.raises(Refused, match="二维码无效"):
            services.checkin(user=branch.recorder_a, token=token, now=START)
    assert unchanged(meeting) == before


def test_cancelled_or_recorded_meetings_take_no_sign_ins(branch):
    meeting = plan(branch, starts=START)
    services.meeting_cancel(actor=branch.secretary, meeting=meeting, reason="改期")
    with pytest.raises(Refused, match="会议已取消"):
        sign_in(meeting, branch.recorder_a, at=START)
    second = plan(branch, starts=START)
    Meeting.objects.filter(pk=second.pk).update(state=MeetingState.SUBMITTED)
    with pytest.raises(Refused, match="签到已结束"):
        sign_in(second, branch.recorder_a, at=START)


def test_sign_in_after_approved_leave_counts_as_present(branch):
    meeting = plan(branch, starts=START)
    leave = services.leave_request(
        user=branch.recorder_b,
        meeting=meeting,
        reason="值班",
        now=START - datetime.timedelta(days=1),
    )
    services.leave_decide(actor=branch.secretary, leave=leave, approve=True)
    assert statuses(meeting)["member_a1b"] == "leave"
    assert sign_in(meeting, branch.recorder_b, at=START).status == "present"


def test_the_checkin_page_confirms_then_signs_in(client, branch):
    now = timezone.now()
    meeting = plan(branch, starts=now + datetime.timedelta(minutes=10))
    token = token_at(meeting, now)
    url = reverse("meetings:checkin", args=[token])
    client.force_login(branch.recorder_a)
    page = client.get(url).content.decode()
    assert "确认签到" in page and meeting.topic in page
    assert statuses(meeting)["member_a1"] == "expected"  # opening the page is not signing in
    done = client.post(url).content.decode()
    assert "签到成功" in done
    assert statuses(meeting)["member_a1"] == "present"
    again = client.post(url).content.decode()
    assert "无需重复签到" in again
    client.force_login(branch.county.member_b1.user)
    assert "您不在本次会议的应到人员名单中" in client.post(url).content.decode()
    assert client.get(reverse("meetings:checkin", args=["1-2-3"])).status_code == 400


def test_the_checkin_page_asks_visitors_to_log_in(client, branch):
    meeting = plan(branch, starts=timezone.now())
    url = reverse("meetings:checkin", args=[token_at(meeting, timezone.now())])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_qr_page_shows_a_code_for_now(client, branch):
    now = timezone.now()
    meeting = plan(branch, starts=now - datetime.timedelta(minutes=5))
    client.force_login(branch.secretary)
    html = client.get(reverse("meetings:qr", args=[meeting.pk])).content.decode()
    assert "data:image/png;base64," in html
    assert reverse("meetings:checkin", args=[token_at(meeting, timezone.now())]) in html or (
        reverse("meetings:checkin", args=[token_at(meeting, now)]) in html
    )
    assert "已签到 0 / 6" in html
    client.force_login(branch.full[2].user)  # an ordinary member: no code to show
    assert client.get(reverse("meetings:qr", args=[meeting.pk])).status_code == 404
