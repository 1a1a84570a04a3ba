"""The admin site: nobody signs in on a page of its own (the login page with its throttle
and second step is the only way in), and every request needs a session verified by a
second step (TOTP)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def two_step_verified(request: HttpRequest) -> bool:
    """The session passed a second step (set by django-otp's OTPMiddleware)."""
    user: Any = request.user
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class XianfengAdminSite(admin.AdminSite):
    site_header = "先锋 管理后台"
    site_title = "先锋"
    index_title = "管理后台"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and two_step_verified(request)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Send people to the site's own login (throttled, with the second step), or to
        the second step / its enrolment when signed in without it."""
        target = request.GET.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = reverse("admin:index")
        query = urlencode({"next": target})
        user: Any = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('people:login')}?{query}")
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("您没有进入管理后台的权限")
        from xianfeng.people.services.two_step import two_step_device

        if two_step_device(user) is None:
            messages.info(request, "进入管理后台需要两步验证，请先开启")
            return HttpResponseRedirect(f"{reverse('people:two_step')}?{query}")
        return HttpResponseRedirect(f"{reverse('people:login_verify')}?{query}")

    def password_change(  # type: ignore[override]  # a redirect, not a page
        self, request: HttpRequest, extra_context: Any = None
    ) -> HttpResponse:
        """One's own password changes on one's own page, through the service (audit,
        notice, other sessions and tokens ended)."""
        return HttpResponseRedirect(reverse("people:me"))


class XianfengAdminConfig(AdminConfig):
    """Django's admin app with the site above (INSTALLED_APPS names this class)."""

    default_site = "xianfeng.people.admin_site.XianfengAdminSite"
