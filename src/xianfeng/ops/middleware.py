"""One log line and the metrics for every request: id, route, status, duration, who."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from xianfeng.ops import logs, metrics

log = logging.getLogger("xianfeng.request")
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The request being answered (for an error report to name the person: ops/sentry.py).
_current: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "xf_current_request", default=None
)


def current_person() -> tuple[int | None, int | None]:
    """The id and org of the person whose request is being answered, if it loaded them."""
    request = _current.get()
    return _loaded_person(request) if request is not None else (None, None)


class RequestLogMiddleware:
    """Outermost: times the whole request, names it by its URL pattern (never the raw path,
    which may hold a token), and logs the person's id only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = logs.request_id.set(rid)
        current = _current.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except BaseException:
            logs.request_id.reset(token)
            raise
        finally:
            _current.reset(current)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = f"/{match.route}" if match is not None else "(unmatched)"
        view = match.view_name if match is not None and match.view_name else "(unmatched)"
        user_id, org_id = _loaded_person(request)
        response["X-Request-ID"] = rid
        if view != "common:healthz":  # load balancers ask every few seconds
            log.info(
                "%s %s %s %.1fms",
                request.method,
                route,
                response.status_code,
                seconds * 1000,
                extra={
                    "method": request.method,
                    "route": route,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "user_id": user_id,
                    "org_id": org_id,
                },
            )
        metrics.observe_request(view, request.method or "", response.status_code, seconds)
        logs.request_id.reset(token)
        return response


def _loaded_person(request: HttpRequest) -> tuple[int | None, int | None]:
    """The person's id and org if the request already loaded them; never a query of its
    own (a page that did not look at the session is not made to). The org is the branch of
    their member record when the page read it, else their home org (a column of the user
    row); never their phone or ID number."""
    user = request.__dict__.get("user")
    user = getattr(user, "_wrapped", user)
    if user is None or user is empty or not getattr(user, "is_authenticated", False):
        return None, None
    member = user._state.fields_cache.get("member")
    org_id = getattr(member, "org_id", None) or getattr(user, "home_org_id", None)
    return int(user.pk), org_id
