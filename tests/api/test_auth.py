"""Who a request is: a bearer token needs no CSRF token; a session does; a bad token is a
401 and never falls back to a session cookie on the same request."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import TokenClient
from xianfeng.notify.models import Notification
from xianfeng.notify.services import notify

pytestmark = pytest.mark.django_db

CSRF_REFUSED = {
    "detail": "CSRF 校验失败：请刷新页面后重试（使用令牌的客户端请发送 Authorization: Bearer 头）",
    "field": None,
}
TOKEN_REFUSED = {"detail": "令牌无效或已过期，请重新登录获取", "field": None}
TUS = {"Tus-Resumable": "1.0.0"}


def session(user) -> Client:
    """A logged-in browser whose unsafe requests are CSRF-checked."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def csrf_token(browser: Client) -> str:
    browser.get("/")  # the home page sets the CSRF cookie
    return browser.cookies["csrftoken"].value


def prefs_email(user) -> str:
    user.refresh_from_db(fields=["email"])
    return user.email


def test_bearer_request_writes_without_csrf_token(county):
    client = TokenClient("member_a1")
    response = client.http.put(
        "/api/v1/notifications/prefs",
        {"email": "a@example.cn"},
        content_type="application/json",
        headers=client.auth,
    )
    assert response.status_code == 200  # the settings as they now stand
    assert response.json()["email"] == "a@example.cn"
    assert prefs_email(county.member_a1.user) == "a@example.cn"


def test_session_request_still_needs_the_csrf_token(county):
    browser = session(county.member_a1.user)
    body = {"email": "a@example.cn"}
    refused = browser.put("/api/v1/notifications/prefs", body, content_type="application/json")
    assert (refused.status_code, refused.json()) == (403, CSRF_REFUSED)
    assert prefs_email(county.member_a1.user) == ""
    token = csrf_token(browser)
    done = browser.put(
        "/api/v1/notifications/prefs",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert done.status_code == 200
    assert prefs_email(county.member_a1.user) == "a@example.cn"


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "bearer x"])
def test_bad_bearer_with_a_session_cookie_does_not_bypass_csrf(county, header):
    browser = session(county.member_a1.user)
    notify(users=[county.member_a1.user], title="未读")
    refused = browser.post(
        "/api/v1/notifications/read",
        {},
        content_type="application/json",
        headers={"Authorization": header},
    )
    assert (refused.status_code, refused.json()) == (401, TOKEN_REFUSED)
    assert Notification.objects.get().read_at is None
    # Not even with the CSRF token: a request with a bearer header is judged by it alone.
    token = csrf_token(browser)
    refused = browser.post(
        "/api/v1/notifications/read",
        {},
        content_type="application/json",
        headers={"Authorization": header, "X-CSRFToken": token},
    )
    assert refused.status_code == 401
    assert Notification.objects.get().read_at is None


def test_token_wins_over_another_persons_session(county):
    browser = session(county.secretary_a1)
    token = TokenClient("member_a1").token
    me = browser.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["name"] == "张东街"
    assert browser.get("/api/v1/auth/me").json()["name"] == "东街书记"


def test_anonymous_and_bad_token_answers_are_chinese(county):
    anonymous = Client()
    response = anonymous.get("/api/v1/members/")
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "请先登录，或在 Authorization 头中提供有效的令牌", "field": None},
    )
    bad = anonymous.get("/api/v1/lessons/", headers={"Authorization": "Bearer nope"})
    assert (bad.status_code, bad.json()) == (401, TOKEN_REFUSED)


def test_revoking_needs_the_token_and_not_a_csrf_token(county):
    client = TokenClient("member_a1")
    other = TokenClient("member_a1")  # a second device keeps its own token
    assert client.http.delete("/api/v1/auth/token", headers=client.auth).status_code == 204
    assert client.http.get("/api/v1/auth/me", headers=client.auth).status_code == 401
    assert other.http.get("/api/v1/auth/me", headers=other.auth).status_code == 200


# --- tus ------------------------------------------------------------------------------------


def tus_create(http: Client, **headers):
    return http.generic(
        "POST",
        "/media-api/uploads/",
        headers={
            **TUS,
            "Upload-Length": "100",
            # target_kind "lesson", target_id "999999": a lesson nobody may upload to
            "Upload-Metadata": "target_kind bGVzc29u,target_id OTk5OTk5",
            **headers,
        },
    )


def test_tus_takes_a_bearer_token_without_csrf(county):
    client = TokenClient("member_a1")
    # Authenticated and past CSRF: refused only by the target's rule (nobody's lesson).
    response = tus_create(client.http, **client.auth)
    assert (response.status_code, response.content.decode()) == (
        403,
        "你没有为这个对象上传文件的权限",
    )
    assert response["Tus-Resumable"] == "1.0.0"


def test_tus_session_needs_csrf_and_a_bad_token_is_401(county):
    browser = session(county.member_a1.user)
    refused = tus_create(browser)
    assert (refused.status_code, refused.content.decode()) == (
        403,
        "页面已过期（CSRF 校验失败），请刷新页面后重试",
    )
    bad = tus_create(browser, Authorization="Bearer wrong")
    assert (bad.status_code, bad.content.decode()) == (401, "令牌无效或已过期，请重新登录获取")
    assert bad["WWW-Authenticate"] == "Bearer"
    assert bad["Tus-Resumable"] == "1.0.0"


def test_tus_options_needs_no_credentials(db):
    response = Client().options("/media-api/uploads/")
    assert response.status_code == 204
    assert (response["Tus-Version"], response["Tus-Resumable"]) == ("1.0.0", "1.0.0")
    assert response["Tus-Extension"] == "creation,termination,checksum,expiration"
