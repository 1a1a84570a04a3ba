"""Two-step sign-in (TOTP) that org admins turn on for themselves: enrolment with a QR
code, the code prompt after the password, wrong and right codes, throttled guesses."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.common.test_security import INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.conftest import PASSWORD
from tests.people.otp_support import code_for, enrolled, wrong_code_for
from xianfeng.audit.models import AuditLog
from xianfeng.notify.models import Notification
from xianfeng.people.models import ApiToken
from xianfeng.people.views import TWO_STEP_PENDING

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，请 15 分钟后再试"


def login(client, username, password=PASSWORD, next_url=""):
    url = reverse("people:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password, "next": next_url})


def verify(client, code, next_url="/"):
    return client.post(f"{reverse('people:login_verify')}?next={next_url}", {"code": code})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_county_admin_turns_it_on_with_a_qr_code_and_a_code(client, county):
    client.force_login(county.county_admin)
    me = client.get(reverse("people:me")).content.decode()
    assert "两步验证" in me and reverse("people:two_step") in me
    page = client.get(reverse("people:two_step"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/png;base64,' in html
    assert "img-src 'self' data:" in page["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)
    device = TOTPDevice.objects.get(user=county.county_admin)
    assert device.confirmed is False
    client.get(reverse("people:two_step"))  # a reload shows the same key
    assert TOTPDevice.objects.get(user=county.county_admin).pk == device.pk

    wrong = client.post(reverse("people:two_step"), {"code": wrong_code_for(device)})
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False
    assert not AuditLog.objects.filter(action="user.two_step_on").exists()

    device.throttle_reset()  # django-otp's own wait after a wrong code
    right = client.post(reverse("people:two_step"), {"code": code_for(device)})
    assert right.status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert AuditLog.objects.get(action="user.two_step_on").actor == county.county_admin
    note = Notification.objects.get(user=county.county_admin)
    assert (note.title, note.kind) == ("已开启两步验证", "account.two_step")


def test_after_the_password_a_code_is_asked_and_checked(county, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # only the account's own count, for this test
    device = enrolled(county.county_admin)
    client = Client()
    response = login(client, "county_admin", next_url="/orgs/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('people:login_verify')}?next=%2Forgs%2F"
    assert not signed_in(client)
    assert client.get("/orgs/").status_code == 302  # not in yet
    prompt = client.get(response["Location"])
    assert "验证器" in prompt.content.decode()

    wrong = verify(client, wrong_code_for(device), "/orgs/")
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    assert not signed_in(client)

    right = verify(client, code_for(device), "/orgs/")
    assert right.status_code == 302
    assert right["Location"] == "/orgs/"
    assert signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert TWO_STEP_PENDING not in client.session
    assert client.get("/orgs/").status_code == 200


def test_code_guesses_lock_the_account(county, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled(county.county_admin)
    client = Client()
    login(client, "county_admin")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert "验证码不正确" in verify(client, wrong_code_for(device)).content.decode()
    response = verify(client, code_for(device))
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    # The password does not start a fresh round of guesses: the account is locked.
    assert LOCKED in login(Client(), "county_admin").content.decode()


def test_a_known_password_does_not_reset_the_count_of_code_guesses(county, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled(county.county_admin)
    client = Client()
    login(client, "county_admin")
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        verify(client, wrong_code_for(device))
    assert login(client, "county_admin").status_code == 302  # the password again
    verify(client, wrong_code_for(device))
    assert LOCKED in verify(client, code_for(device)).content.decode()
    assert not signed_in(client)


def test_django_otp_makes_each_next_guess_wait(county):
    device = enrolled(county.county_admin)
    client = Client()
    login(client, "county_admin")
    verify(client, wrong_code_for(device))
    response = verify(client, code_for(device))
    assert "验证码错误次数过多，请 " in response.content.decode()
    assert not signed_in(client)


def test_a_pending_code_prompt_expires(county, settings):
    device = enrolled(county.county_admin)
    client = Client()
    login(client, "county_admin")
    session = client.session
    pending = session[TWO_STEP_PENDING]
    pending["at"] -= settings.TWO_STEP_PENDING_MINUTES * 60 + 1
    session[TWO_STEP_PENDING] = pending
    session.save()
    response = verify(client, code_for(device))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("people:login"))
    assert not signed_in(client)


def test_a_password_change_between_the_steps_voids_the_prompt(county):
    from xianfeng.people import services

    device = enrolled(county.county_admin)
    client = Client()
    login(client, "county_admin")
    services.user_change_own_password(
        user=county.county_admin, old_password=PASSWORD, password="Brand-new-pass-77"
    )
    response = verify(client, code_for(device))
    assert response.status_code == 302
    assert not signed_in(client)


def test_the_api_token_needs_the_code_too(client, county, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled(county.county_admin)

    def token(code=""):
        return client.post(
            "/api/v1/auth/token",
            {"username": "county_admin", "password": PASSWORD, "code": code},
            content_type="application/json",
        )

    missing = token()
    assert missing.status_code == 401
    assert "两步验证" in missing.json()["detail"]
    wrong = token(wrong_code_for(device))
    assert wrong.status_code == 401
    assert "验证码不正确" in wrong.json()["detail"]
    assert not ApiToken.objects.exists()
    assert token(code_for(device)).status_code == 200
    assert ApiToken.objects.filter(user=county.county_admin).count() == 1


def test_it_can_be_turned_off_with_a_code(client, county):
    device = enrolled(county.county_admin)
    client.force_login(county.county_admin)
    assert "已开启" in client.get(reverse("people:two_step")).content.decode()
    response = client.post(reverse("people:two_step"), {"code": code_for(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=county.county_admin).exists()
    assert AuditLog.objects.get(action="user.two_step_off").actor == county.county_admin
    assert login(Client(), "county_admin").status_code == 302


def test_it_is_offered_to_org_admins_only(client, county):
    client.force_login(county.secretary_a1)
    assert reverse("people:two_step") not in client.get(reverse("people:me")).content.decode()
    response = client.get(reverse("people:two_step"))
    assert response.status_code == 403
    assert "两步验证目前向组织管理员和系统管理员开放" in response.content.decode()
    assert not TOTPDevice.objects.exists()
