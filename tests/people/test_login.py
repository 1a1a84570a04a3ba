from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from xianfeng.audit.models import AuditLog
from xianfeng.people.models import ApiToken, User

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD, **extra):
    return client.post(
        reverse("people:login"), {"username": username, "password": password}, **extra
    )


def test_login_by_username_and_by_phone(client, county):
    assert login(client, "secretary_a1").status_code == 302
    client.logout()
    phone = county.secretary_a1.phone
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in phone)  # typed on a Chinese keyboard
    assert login(client, full_width).status_code == 302
    assert client.get(reverse("common:home")).status_code == 200


def test_wrong_password_says_so_in_chinese(client, county):
    response = login(client, "secretary_a1", "wrong")
    assert response.status_code == 200
    assert "手机号/用户名或密码不正确" in response.content.decode()


def test_account_locks_after_five_failures_even_with_the_right_password(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "secretary_a1", "wrong")
    response = login(client, "secretary_a1")
    assert response.status_code == 200
    assert "登录失败次数过多，请 15 分钟后再试" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_is_per_account(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "secretary_a1", "wrong")
    assert login(client, "secretary_b1").status_code == 302


def test_success_resets_the_count(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "secretary_a1", "wrong")
    assert login(client, "secretary_a1").status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "secretary_a1", "wrong")
    assert login(client, "secretary_a1").status_code == 302


def test_passwords_are_argon2_in_production_settings():
    from django.conf import settings

    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS


def test_next_is_followed_only_within_the_site(client, county):
    response = client.post(
        reverse("people:login") + "?next=https://evil.example/",
        {"username": "secretary_a1", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("common:home")


def test_login_form_needs_csrf(county):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert login(strict, "secretary_a1").status_code == 403


def test_expired_session_under_htmx_answers_hx_redirect(client, county):
    response = client.get(
        reverse("people:member_list"),
        {"q": "张"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/members/?q=%E5%BC%A0",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fmembers%2F%3Fq%3D%25E5%25BC%25A0"


def test_resident_registers_and_is_logged_in(client, county):
    response = client.post(
        reverse("people:register"),
        {
            "name": "赵 群众",
            "phone": "１３６００００１２３４",
            "home_org": "",
            "password": "Village-road-8",
            "password2": "Village-road-8",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(phone="13600001234")
    assert user.name == "赵群众"
    assert (
        not hasattr(user, "member") or User.objects.filter(pk=user.pk, member__isnull=True).exists()
    )
    assert AuditLog.objects.filter(action="user.register", object_id=str(user.pk)).exists()


def test_register_with_a_taken_phone_is_refused(client, county):
    before = User.objects.count()
    response = client.post(
        reverse("people:register"),
        {
            "name": "某人",
            "phone": county.member_a1.user.phone,
            "password": "Village-road-8",
            "password2": "Village-road-8",
        },
    )
    assert "该手机号已注册，请直接登录" in response.content.decode()
    assert User.objects.count() == before


def test_api_token_flow(client, county):
    response = client.post(
        "/api/v1/auth/token",
        {"username": county.secretary_a1.phone, "password": PASSWORD, "label": "安卓"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get().key_hash != token  # only the hash is stored
    from django.test import Client

    app = Client()
    me = app.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me["name"] == "东街书记"
    assert [(r["kind"], r["org_code"]) for r in me["roles"]] == [("secretary", "A1")]
    assert app.delete("/api/v1/auth/token", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 204
    assert app.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_api_token_endpoint_is_throttled(client, county, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        r = client.post(
            "/api/v1/auth/token",
            {"username": "secretary_a1", "password": "wrong"},
            content_type="application/json",
        )
        assert r.status_code == 401
    r = client.post(
        "/api/v1/auth/token",
        {"username": "secretary_a1", "password": PASSWORD},
        content_type="application/json",
    )
    assert r.status_code == 429
    assert "登录失败次数过多" in r.json()["detail"]
    assert not ApiToken.objects.exists()


def test_api_needs_auth(client, county):
    assert client.get("/api/v1/members/").status_code == 401


def test_api_session_unsafe_method_needs_csrf(county):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(county.secretary_a1)
    assert strict.delete("/api/v1/auth/token").status_code in (401, 403)
