"""Who is calling the API: a bearer token, else the browser's session, else (where an
operation allows it) nobody.

A request that carries `Authorization: Bearer …` is judged by its token alone: a valid
token identifies its user (over any session cookie on the same request) and needs no CSRF
token, since a browser never adds that header to a cross-site request by itself; a bad or
expired token is a 401, never a fall-back to the cookie. A request without the header is
a session request, and an unsafe method needs the CSRF token as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

TOKEN_REFUSED = "令牌无效或已过期，请重新登录获取"


def bearer_key(request: HttpRequest) -> str | None:
    """The token of an `Authorization: Bearer <token>` header ("" when it is empty), or
    None when the request has no bearer header."""
    scheme, _, key = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return key.strip()


def token_user(request: HttpRequest) -> Any:
    """The user of the request's bearer token, set as request.user; None without a bearer
    header. A bad token raises AuthenticationError (401)."""
    from xianfeng.people.services.accounts import api_token_user

    key = bearer_key(request)
    if key is None:
        return None
    user = api_token_user(key) if key else None
    if user is None:
        raise AuthenticationError(401, TOKEN_REFUSED)
    request.user = user
    return user


def csrf_refused(request: HttpRequest) -> bool:
    """Whether a session request fails Django's CSRF check (safe methods never do); for
    views that are csrf_exempt because they also take tokens."""
    middleware = CsrfViewMiddleware(lambda r: None)  # type: ignore[arg-type]
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    middleware.process_request(request)
    return middleware.process_view(request, None, (), {}) is not None  # type: ignore[arg-type]


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from POST /api/v1/auth/token."""

    def __call__(self, request: HttpRequest) -> Any:
        return token_user(request)

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return token_user(request)


class SessionAuth(APIKeyCookie):
    """The browser's Django session; unsafe methods also need the CSRF token. Not
    consulted when the request carries a bearer header."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie, no ambient credentials to forge with: a 401, not a CSRF 403.
        if bearer_key(request) is not None or self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class ReportingSessionAuth(SessionAuth):
    """The session, for a frequent small report of the person's own (the player's watch
    report): the person as `people.auth.reporting_user` gives them, without a query of the
    user row when this process checked the same session within the last minute, exactly
    as the page's watch endpoint does. The CSRF check is the session's, unchanged."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from xianfeng.people.auth import reporting_user

        if key is None:
            return None
        user = reporting_user(request)
        return user if user.is_authenticated and user.is_active else None


class Anonymous:
    """The last resort of an operation open to everyone: no credentials, an anonymous
    user (left out of the OpenAPI security schemes; ApiRouter marks login optional)."""

    allows_anonymous = True

    def __call__(self, request: HttpRequest) -> Any:
        # Reached only when neither a token nor a session identified anyone.
        request.user = AnonymousUser()
        return request.user


API_AUTH: list[Any] = [TokenAuth(), SessionAuth()]
# Watch reports: a token as everywhere, a session without loading the user row each time.
REPORT_AUTH: list[Any] = [TokenAuth(), ReportingSessionAuth()]
# Lesson feeds and details: everyone may read what is public, and a token or a session
# still identifies the person, who then sees their branch's lessons too.
PUBLIC_AUTH: list[Any] = [*API_AUTH, Anonymous()]
