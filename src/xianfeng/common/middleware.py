"""Security headers (a strict CSP with no inline script or style) and htmx-aware login."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

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


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path.startswith("/admin/")
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
