"""Failed sign-ins are counted per account, whatever identifier was typed (finding: after
five failures on the user name the same account still signed in by phone), and per
address; an identifier that matches nobody is counted by itself, answered the same way."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from xianfeng.people.models import ApiToken

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，请 15 分钟后再试"
INVALID = "手机号/用户名或密码不正确"


def login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("people:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def api_login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failures_by_user_name_lock_the_phone_login_too(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert INVALID in login(client, "secretary_a1", "wrong").content.decode()
    response = login(client, county.secretary_a1.phone)
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    # …and through the API, which is the same lock.
    assert api_login(client, county.secretary_a1.phone).status_code == 429
    assert not ApiToken.objects.exists()


def test_failures_by_phone_and_by_name_add_up(client, county, settings):
    phone = county.secretary_a1.phone
    for i in range(settings.LOGIN_MAX_FAILURES):
        login(client, "SECRETARY_A1" if i % 2 else phone, "wrong")
    assert LOCKED in login(client, "secretary_a1").content.decode()
    assert not signed_in(client)


def test_failures_on_the_page_and_the_api_add_up(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "secretary_a1", "wrong")
    assert api_login(client, county.secretary_a1.phone, "wrong").status_code == 401
    assert api_login(client, "secretary_a1").status_code == 429


def test_a_success_by_phone_clears_the_accounts_count(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "secretary_a1", "wrong")
    assert login(client, county.secretary_a1.phone).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "secretary_a1", "wrong")
    assert login(client, "secretary_a1").status_code == 302


def test_a_lock_is_the_accounts_not_its_neighbours(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, county.secretary_a1.phone, "wrong")
    assert login(client, "secretary_b1").status_code == 302


def test_probing_an_unknown_identifier_answers_like_a_real_account(client, county, settings):
    unknown, known = "13999999999", county.member_a1.user.phone
    answers = {unknown: [], known: []}
    for _ in range(settings.LOGIN_MAX_FAILURES + 1):
        for ident in (unknown, known):
            html = login(client, ident, "wrong", ip=f"10.1.0.{len(answers[ident])}")
            answers[ident].append(LOCKED in html.content.decode())
    # Both: five plain refusals, then locked; nothing tells which one exists.
    expected = [False] * settings.LOGIN_MAX_FAILURES + [True]
    assert answers[unknown] == answers[known] == expected
    api = [
        api_login(client, ident, "wrong", ip="10.2.0.1").json()["detail"]
        for ident in (unknown, known)
    ]
    assert api[0] == api[1]


def test_an_unknown_identifier_is_counted_by_itself(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "nobody", "wrong")
    assert LOCKED in login(client, "nobody").content.decode()
    assert login(client, "secretary_a1").status_code == 302


def test_an_address_is_locked_across_accounts(client, county, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    for name in ("member_a1", "member_a2", "nobody"):
        login(client, name, "wrong", ip="10.9.9.9")
    response = login(client, "secretary_a1", ip="10.9.9.9")
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    # Another address is not locked, and the account itself is not.
    assert login(client, "secretary_a1", ip="10.9.9.10").status_code == 302


def test_a_success_does_not_clear_the_addresss_count(client, county, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    login(client, "member_a1", "wrong", ip="10.9.9.9")
    login(client, "member_a2", "wrong", ip="10.9.9.9")
    assert login(client, "secretary_b1", ip="10.9.9.9").status_code == 302
    login(Client(), "nobody", "wrong", ip="10.9.9.9")
    assert LOCKED in login(Client(), "secretary_a1", ip="10.9.9.9").content.decode()
