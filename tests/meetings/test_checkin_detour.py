"""Sign-in survives the login detour: a member who scans the code while logged out logs in
and lands signed in, at the moment of the scan, although the code (≤ 60 s) has expired
meanwhile. The scan is held in that browser's session for five minutes, used once."""

from __future__ import annotations

import datetime
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.meetings.conftest import plan
from xianfeng.meetings.models import Attendance
from xianfeng.meetings.tokens import QR_STEP_SECONDS, checkin_token, step_at
from xianfeng.meetings.views.attendance import SCAN_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(branch):
    # Under way: started ten minutes ago, on for another hour.
    return plan(branch, starts=timezone.now() - datetime.timedelta(minutes=10), minutes=70)


def _token(meeting, moment):
    return checkin_token(meeting.pk, meeting.checkin_key, step_at(moment))


def _login(client, user, next_url):
    return client.post(
        f"{reverse('people:login')}?next={next_url}",
        {"username": user.username, "password": PASSWORD, "next": next_url},
    )


def _row(meeting, user):
    return Attendance.objects.filter(meeting=meeting, user=user).values_list(
        "status", "source", "signed_at"
    )[0]


def test_scan_while_logged_out_then_login_lands_signed_in(client, branch, meeting):
    member = branch.full[2].user
    url = reverse("meetings:checkin", args=[_token(meeting, timezone.now())])

    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    assert _row(meeting, member)[0] == "expected"

    assert _login(client, member, url)["Location"] == url
    page = client.get(url)
    assert page.status_code == 200 and "签到成功" in page.content.decode()
    status, source, signed_at = _row(meeting, member)
    assert (status, source) == ("late", "qr")  # ten minutes after the start
    assert abs((timezone.now() - signed_at).total_seconds()) < 30
    # Used once: opening the link again shows the confirmation form, nothing more.
    again = client.get(url).content.decode()
    assert 'id="checkin-button"' in again and _row(meeting, member)[2] == signed_at


def test_the_moment_of_the_scan_counts_although_the_code_expired_since(client, branch, meeting):
    member = branch.full[2].user
    scanned = timezone.now() - datetime.timedelta(seconds=3 * QR_STEP_SECONDS)
    token = _token(meeting, scanned)
    url = reverse("meetings:checkin", args=[token])
    # Logged in directly with that code now: expired.
    other = Client()
    other.force_login(member)
    assert "二维码已过期" in other.post(url).content.decode()
    assert _row(meeting, member)[0] == "expected"
    # Held from a scan 90 s ago in this browser, it signs in at the moment of the scan.
    session = client.session
    session[SCAN_KEY] = {"token": token, "at": scanned.timestamp()}
    session.save()
    _login(client, member, url)
    assert "签到成功" in client.get(url).content.decode()
    assert _row(meeting, member)[:2] == ("late", "qr")
    assert abs((_row(meeting, member)[2] - scanned).total_seconds()) < 0.01


def test_a_scan_held_longer_than_five_minutes_is_not_used(client, branch, meeting):
    member = branch.full[2].user
    scanned = timezone.now() - datetime.timedelta(minutes=6)
    token = _token(meeting, scanned)
    session = client.session
    session[SCAN_KEY] = {"token": token, "at": time.time() - 6 * 60}
    session.save()
    url = reverse("meetings:checkin", args=[token])
    _login(client, member, url)
    html = client.get(url).content.decode()
    assert 'id="checkin-button"' in html and "签到成功" not in html
    assert _row(meeting, member)[0] == "expected"
    assert SCAN_KEY not in client.session


def test_a_held_scan_is_bound_to_its_browser(client, branch, meeting):
    member = branch.full[2].user
    url = reverse("meetings:checkin", args=[_token(meeting, timezone.now())])
    client.get(url)  # scanned on the phone, logged out
    laptop = Client()
    _login(laptop, member, url)
    assert "签到成功" not in laptop.get(url).content.decode()
    assert _row(meeting, member)[0] == "expected"


def test_an_expired_code_scanned_logged_out_is_refused_at_once(client, branch, meeting):
    old = _token(meeting, timezone.now() - datetime.timedelta(seconds=3 * QR_STEP_SECONDS))
    response = client.get(reverse("meetings:checkin", args=[old]))
    assert response.status_code == 400 and "二维码已过期" in response.content.decode()
    assert SCAN_KEY not in client.session


def test_someone_not_expected_is_told_so_after_login(client, branch, meeting, county):
    url = reverse("meetings:checkin", args=[_token(meeting, timezone.now())])
    client.get(url)
    _login(client, county.member_b1.user, url)  # another branch
    html = client.get(url).content.decode()
    assert "您不在本次会议的应到人员名单中" in html
    assert not Attendance.objects.filter(meeting=meeting, user=county.member_b1.user).exists()


def test_forged_code_scanned_logged_out_is_400_and_holds_nothing(client, meeting):
    response = client.get(reverse("meetings:checkin", args=["forged-code"]))
    assert response.status_code == 400 and SCAN_KEY not in client.session
