"""The terminals' heartbeat, answered before the middleware that serves people.

Every village box beats every five minutes (a province: 30,000 boxes booting within 20 s of
19:00, issue 10's ≥ 1,500 beats/s on 2 cores). Through the whole stack a beat paid for
sessions, CSRF, auth, OTP, messages, page versions, htmx, input cleaning, walking the
URL patterns to /api/ (a third of its time: the API is near the end of the list), ninja's
parsing and validation, and Django's SELECT 1 probe of the connection: several times the
work of the beat itself, one statement (services.heartbeat_for_key).

This middleware sits right after the ones that shape every response's headers
(settings.MIDDLEWARE). It answers a well-formed, accepted beat itself, through the same
service, with the headers the rest of the stack would add (the middleware below that adds
headers wraps the answer here too). Anything else is passed on untouched, and the API
answers it as before: a body of another shape, a time out of range, a missing, unknown or
revoked token (the full path finds the reason and answers 4xx), a database error. Nothing
a refused beat did is undone or repeated wrongly: a refusal writes nothing.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.db import Error as DatabaseError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.urls import ResolverMatch, resolve, reverse

from xianfeng.common.errors import Refused
from xianfeng.common.middleware import PrivateNoStoreMiddleware
from xianfeng.people.apiauth import bearer_key
from xianfeng.remote import services

# The one form of `at` answered here (what the player sends: ISO 8601 with seconds, an
# optional fraction and an offset); any other form the API's parser judges.
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")
# A beat's body is `{"at": "…"}`, about 40 bytes.
_MAX_BODY = 256
_NOT_HERE = object()


def _answer(request: HttpRequest) -> HttpResponse:
    return request.beat_answer  # type: ignore[attr-defined,no-any-return]


def _beat_time(body: bytes) -> datetime.datetime | object | None:
    """The beat's time from its body (None: now), or _NOT_HERE for the API to judge."""
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return _NOT_HERE
    if not isinstance(data, dict) or not set(data) <= {"at"}:
        return _NOT_HERE
    at = data.get("at")
    if at is None:
        return None
    if not isinstance(at, str) or not _AT.fullmatch(at):
        return _NOT_HERE
    try:
        return datetime.datetime.fromisoformat(at)
    except ValueError:
        return _NOT_HERE


class HeartbeatMiddleware:
    """POST /api/v1/remote/heartbeat with a bearer device token: the accepted beat is
    answered here (the module docstring says why and what is passed on)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # The middleware further down that adds headers to every response, in the same
        # order, around the answer (Content-Language, Content-Length, Cache-Control,
        # X-Frame-Options): a beat's answer carries what the API's would.
        self.shape: Callable[[HttpRequest], Any] = LocaleMiddleware(
            CommonMiddleware(PrivateNoStoreMiddleware(XFrameOptionsMiddleware(_answer)))  # type: ignore[arg-type]
        )
        self._path = ""
        self._match: ResolverMatch | None = None

    def _beat_path(self) -> str:
        if not self._path:  # the URLconf is not loaded yet when middleware is built
            self._path = reverse("api:remote_heartbeat")
            self._match = resolve(self._path)
        return self._path

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method != "POST"
            or not settings.REMOTE_BEAT_FAST_PATH
            or request.path_info != self._beat_path()
        ):
            return self.get_response(request)
        answer = self._beat(request)
        if answer is None:
            return self.get_response(request)
        request.beat_answer = answer  # type: ignore[attr-defined]
        return cast(HttpResponse, self.shape(request))

    def _beat(self, request: HttpRequest) -> HttpResponse | None:  # None: not answered here
        key = bearer_key(request)
        if not key or int(request.META.get("CONTENT_LENGTH") or 0) > _MAX_BODY:
            return None
        at = _beat_time(request.body)
        if at is _NOT_HERE:
            return None
        assert at is None or isinstance(at, datetime.datetime)
        postgres = connection.vendor == "postgresql"
        if postgres:
            # Django probes a kept connection with a SELECT 1 before a request's first
            # query (CONN_HEALTH_CHECKS): a round trip as dear as the beat. The beat is
            # its own probe: on a dead connection it fails, and the API answers it after
            # Django's probe has reconnected (below). A failure after the commit (the
            # server gone between committing and answering) counts that beat twice in
            # `beats`, never in the slots the figures are made of.
            connection.health_check_done = True  # type: ignore[attr-defined]
        try:
            code, result = services.heartbeat_for_key(key=key, at=at)
        except Refused:
            return None  # the API finds and answers the reason (nothing was written)
        except DatabaseError:
            if postgres:
                connection.health_check_done = False  # type: ignore[attr-defined]
            return None
        request.resolver_match = self._match  # the request log names the route
        body = {
            "accepted": True,
            "site": code,
            "day": result.day.isoformat(),
            "slot": result.slot,
            "slots_today": result.slots_today,
        }
        return HttpResponse(
            json.dumps(body, ensure_ascii=False).encode(),
            content_type="application/json; charset=utf-8",
        )
