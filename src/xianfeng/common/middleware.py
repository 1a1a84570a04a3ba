"""Security headers (a strict CSP with no inline script or style), htmx-aware login, the
cleaning of every request's text, and no caching of personal responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
)
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import resolve_url
from django.utils.cache import patch_cache_control

from xianfeng.common.pagecache import bump_person
from xianfeng.common.text import clean_text, is_clean

API_PREFIX = "/api/"

# Every script and style is a file under /static/; nothing inline, nothing from elsewhere.
# Media may come from the object store's pre-signed URLs (settings.MEDIA_ORIGIN).
_MEDIA = f" {settings.MEDIA_ORIGIN}" if settings.MEDIA_ORIGIN else ""
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: blob:{_MEDIA}",
        f"media-src 'self' blob:{_MEDIA}",
        f"connect-src 'self'{_MEDIA}",
        "font-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Django's admin sets a few style attributes; it is for superusers only.
ADMIN_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
# A photo or a video opened on its own: the browser wraps it in a viewer page of its own
# making, whose inline styles (centring, zoom) the page CSP refused (a console error, and a
# photo stuck in the corner). Nothing of ours runs there: no script at all, sandboxed.
MEDIA_CSP = (
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; sandbox"
)
_VIEWER_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/avif",
    "video/",
    "audio/",
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path.startswith("/admin/")
            kind = response.get("Content-Type", "")
            if kind.startswith(_VIEWER_TYPES):
                response["Content-Security-Policy"] = MEDIA_CSP
            else:
                response["Content-Security-Policy"] = ADMIN_CSP if admin else CSP
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(self)")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class HtmxLoginRedirectMiddleware:
    """An expired session under htmx answers HX-Redirect, so the whole page goes to login
    instead of a login form being swapped into a fragment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code not in (301, 302):
            return response
        location = response.get("Location", "")
        if urlparse(location).path != resolve_url(settings.LOGIN_URL):
            return response
        next_url = request.htmx.current_url_abs_path or "/"  # type: ignore[attr-defined]
        login_url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"
        redirect = HttpResponse(status=204)
        redirect["HX-Redirect"] = login_url
        return redirect


def clean_querydict(data: QueryDict) -> QueryDict:
    """`data` with `clean_text` applied to every key and value; `data` itself when clean."""
    if all(is_clean(key) and all(map(is_clean, values)) for key, values in data.lists()):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(clean_text(key), [clean_text(value) for value in values])
    cleaned._mutable = False
    return cleaned


class CleanInputMiddleware:
    """Every view sees `request.GET` and `request.POST` through `clean_text` (see
    common/text.py), whether it uses a form or reads the QueryDict itself.

    It runs as a view middleware, after the CSRF check, so a refused request is never
    parsed here. A URL whose captured values would change under cleaning (a NUL in a code,
    which PostgreSQL cannot even compare) names nothing: 404.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, str) and not is_clean(value):
                if request.path_info.startswith(API_PREFIX):
                    return JsonResponse(
                        {"detail": "找不到"}, status=404, json_dumps_params={"ensure_ascii": False}
                    )
                raise Http404("找不到该页面")
        request.GET = clean_querydict(request.GET)  # type: ignore[assignment]
        if request.method == "POST":
            request.POST = clean_querydict(request.POST)  # type: ignore[assignment]
        return None


def _signed_in(request: HttpRequest) -> bool:
    # A response that never looked at the session cannot depend on who is signed in (and
    # asking would load the session for static and media requests).
    session = getattr(request, "session", None)
    if session is None or not session.accessed:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in person and on
    every API response, so no shared cache, proxy or village PC's browser keeps a roster,
    minutes, a ledger or an unmasked phone number.

    A view that may be cached says so itself by setting Cache-Control (the lesson poster
    and meeting photos: `private, max-age=…`); this middleware then leaves it alone. A
    personal response reached without a session (the calendar feed, whose address is the
    key) marks itself with Django's `never_cache`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        if request.path_info.startswith(API_PREFIX) or _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


# Text worth compressing: pages, htmx fragments, JSON. Media (video segments, MP4 with
# byte ranges, images) is compressed already or must keep its ranges; static files are
# served pre-compressed by WhiteNoise.
COMPRESSIBLE = ("text/html", "application/json", "text/plain", "text/csv", "text/calendar")


class CompressTextMiddleware(GZipMiddleware):
    """gzip for pages and JSON in the embedded server (a weak 4G link pays for every
    byte), never for media; a streaming page is compressed chunk by chunk as it goes."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        kind = response.get("Content-Type", "").split(";")[0].strip().lower()
        if kind not in COMPRESSIBLE or response.status_code == 206:
            return response
        return super().process_response(request, response)


class PersonPageVersionMiddleware:
    """A signed-in person's POST (or PUT, PATCH, DELETE) changes the version of the pages
    kept for them (common/pagecache.py), whatever it wrote: their watch progress, which
    the version every write changes leaves out, shows on their own lesson page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and settings.PAGE_CACHE_SECONDS:
            session = getattr(request, "session", None)
            user_id = session.get("_auth_user_id") if session is not None else None
            if user_id:
                bump_person(int(user_id))
        return response
