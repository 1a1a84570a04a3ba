from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from xianfeng.common import related
from xianfeng.common.errors import Refused
from xianfeng.common.home import Panel
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.types import AuthedRequest, actor_of
from xianfeng.orgs import services as org_services
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES, ROSTER_VIEW_ROLES, RoleKind
from xianfeng.orgs.forms import RoleGrantForm
from xianfeng.orgs.rules import can_admin_org, can_manage_roster, holds_any
from xianfeng.orgs.selectors import get_org_for_user, orgs_managed_by
from xianfeng.people import display, member_actions, services
from xianfeng.people.admin_site import two_step_verified
from xianfeng.people.auth import Throttle, has_two_step, locked_message
from xianfeng.people.exports import roster_workbook_response
from xianfeng.people.forms import (
    CodeForm,
    LoginForm,
    MemberFilterForm,
    MemberForm,
    OwnPasswordForm,
    PasswordForm,
    RegisterForm,
)
from xianfeng.people.models import User
from xianfeng.people.qr import qr_data_uri
from xianfeng.people.rules import check_may_manage_login, login_refusal, may_use_two_step
from xianfeng.people.selectors import (
    MemberFilters,
    get_member_for_user,
    get_password_link,
    user_by_login,
)
from xianfeng.people.selectors import (
    member_list as select_member_list,
)
from xianfeng.people.services.accounts import password_link_refusal
from xianfeng.people.services.members import MemberInvalid
from xianfeng.people.services.two_step import (
    two_step_begin,
    two_step_check,
    two_step_confirm,
    two_step_device,
)

TWO_STEP_PENDING = "xf_two_step"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return reverse("common:home")


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request))
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        user = form.user
        if has_two_step(user):
            # The password was right; the session is not signed in until the code is.
            request.session[TWO_STEP_PENDING] = {
                "user": user.pk,
                "hash": user.get_session_auth_hash(),
                "backend": getattr(user, "backend", ""),
                "at": time.time(),
            }
            query = urlencode({"next": _safe_next(request)})
            return redirect(f"{reverse('people:login_verify')}?{query}")
        login(request, user)
        return redirect(_safe_next(request))
    return render(request, "people/login.html", {"form": form, "next": request.GET.get("next", "")})


def _two_step_subject(request: HttpRequest) -> tuple[User | None, bool]:
    """Who is giving a code: the person whose password was just right (pending), or the
    signed-in person stepping up for the admin site. The flag says pending."""
    user: Any = request.user
    if user.is_authenticated:
        return user, False
    data = request.session.get(TWO_STEP_PENDING)
    if not isinstance(data, dict):
        return None, False
    if time.time() - float(data.get("at", 0)) > settings.TWO_STEP_PENDING_MINUTES * 60:
        request.session.pop(TWO_STEP_PENDING, None)
        return None, False
    pending = User.objects.filter(pk=int(data.get("user") or 0), is_active=True).first()
    if pending is None or pending.get_session_auth_hash() != data.get("hash"):
        # The password changed meanwhile: it must be given again.
        request.session.pop(TWO_STEP_PENDING, None)
        return None, False
    pending.backend = data.get("backend") or settings.AUTHENTICATION_BACKENDS[0]
    return pending, True


@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code of the authenticator app."""
    user, pending = _two_step_subject(request)
    login_url = f"{reverse('people:login')}?{urlencode({'next': _safe_next(request)})}"
    if user is None:
        messages.error(request, "登录已超时，请重新输入密码")
        return redirect(login_url)
    if not pending and two_step_verified(request):
        return redirect(_safe_next(request))
    device = two_step_device(user)
    if device is None:
        if pending:
            request.session.pop(TWO_STEP_PENDING, None)
            return redirect(login_url)
        return redirect(f"{reverse('people:two_step')}?{urlencode({'next': _safe_next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Wrong codes count against the account like wrong passwords.
        throttle = Throttle.for_user(user, request)
        if throttle.locked():
            form.add_error(None, locked_message())
        else:
            problem = two_step_check(device=device, code=form.cleaned_data["code"])
            if problem is not None:
                throttle.failed()
                form.add_error("code", problem)
            else:
                throttle.succeeded()
                if pending:
                    request.session.pop(TWO_STEP_PENDING, None)
                    login(request, user)
                otp_login(request, device)
                return redirect(_safe_next(request))
    return render(
        request,
        "people/login_verify.html",
        {"form": form, "next": _safe_next(request), "pending": pending},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("people:login")


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.resident_register(
                name=d["name"], phone=d["phone"], password=d["password"], home_org=d["home_org"]
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            login(request, user, backend="xianfeng.people.auth.PhoneOrUsernameBackend")
            messages.success(request, "注册成功，欢迎使用先锋")
            return redirect("common:home")
    return render(request, "people/register.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def me_view(request: AuthedRequest) -> HttpResponse:
    form = OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Guesses at the current password (a borrowed phone, a stolen session) count
        # against the account like failed sign-ins.
        throttle = Throttle.for_user(request.user, request)
        if throttle.locked():
            form.add_error("old_password", locked_message())
        else:
            d = form.cleaned_data
            try:
                services.user_change_own_password(
                    user=request.user, old_password=d["old_password"], password=d["password"]
                )
            except Refused as exc:
                if exc.field == "old_password":
                    throttle.failed()
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                update_session_auth_hash(request, request.user)
                messages.success(request, "密码已修改，其他设备上的登录已退出")
                return redirect("people:me")
    member = getattr(request.user, "member", None)
    return render(
        request,
        "people/me.html",
        {
            "member": member,
            "form": form,
            "two_step_offered": may_use_two_step(request.user),
            "two_step_on": has_two_step(request.user),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_step_view(request: AuthedRequest) -> HttpResponse:
    """Turn two-step sign-in on (scan the QR code, give one code) or off."""
    user = request.user
    if not may_use_two_step(user):
        raise PermissionDenied("两步验证目前向组织管理员和系统管理员开放")
    device = two_step_device(user)
    form = CodeForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            try:
                services.two_step_disable(user=user, code=form.cleaned_data["code"])
            except Refused as exc:
                form.add_error("code" if exc.field == "code" else None, exc.message)
            else:
                messages.success(request, "已关闭两步验证")
                return redirect("people:me")
        return render(
            request,
            "people/two_step.html",
            {"form": form, "enabled": True, "staff": user.is_staff or user.is_superuser},
        )
    pending = two_step_begin(user=user)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = two_step_confirm(user=user, device=pending, code=form.cleaned_data["code"])
        except Refused as exc:
            form.add_error("code" if exc.field == "code" else None, exc.message)
        else:
            otp_login(request, confirmed)
            messages.success(request, "已开启两步验证，此后登录需要输入验证器中的数字")
            return redirect(_safe_next(request) if request.GET.get("next") else "people:me")
    secret = pending.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "people/two_step.html",
        {
            "form": form,
            "enabled": False,
            "qr": qr_data_uri(pending.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": request.GET.get("next", ""),
        },
    )


def _require_roster_viewer(request: HttpRequest) -> None:
    user: Any = request.user
    if not holds_any(user, ROSTER_VIEW_ROLES):
        raise PermissionDenied("您没有查看党员名册的权限")


def _filters(request: HttpRequest) -> tuple[MemberFilterForm, MemberFilters]:
    form = MemberFilterForm(request.GET or None)
    if not form.is_valid():
        return form, MemberFilters()
    d = form.cleaned_data
    org = None
    if d.get("org"):
        org = orgs_managed_by(request.user).filter(code=d["org"]).first()
        if org is None:
            raise Http404("找不到该组织")
    filters = MemberFilters(
        q=d.get("q") or "",
        org=org,
        status=d.get("status") or "",
        gender=d.get("gender") or "",
        education=d.get("education") or "",
        mobile=d.get("mobile") or "",
    )
    return form, filters


@login_required
def member_list(request: AuthedRequest) -> HttpResponse:
    _require_roster_viewer(request)
    form, filters = _filters(request)
    page = paginate(request, select_member_list(request.user, filters))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "query": query_without_page(request),
        "can_add": bool(holds_any(request.user, ROSTER_MANAGE_ROLES)),
    }
    template = "people/member_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@login_required
def member_export(request: AuthedRequest) -> HttpResponseBase:
    _require_roster_viewer(request)
    _form, filters = _filters(request)
    members = select_member_list(request.user, filters)
    return roster_workbook_response(request.user, members)


@login_required
def member_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk)
    manage = can_manage_roster(request.user, member.org)
    return render(
        request,
        "people/member_detail.html",
        {
            "member": member,
            "show_private": manage,
            "can_edit": manage,
            # Why the login is not this person's to manage (None: it is).
            "login_refusal": login_refusal(request.user, member.user) if manage else None,
            "link_hours": settings.PASSWORD_LINK_HOURS,
            "member_actions": member_actions.actions_for(request.user, member) if manage else [],
            # What the apps above show of the person (their 微星光 honors), unknown here.
            "related": related.links_to("people.member", request.user, member.pk),
        },
    )


def _member_form_page(request: HttpRequest, member: Any | None) -> HttpResponse:
    orgs = orgs_managed_by(request.user, ROSTER_MANAGE_ROLES)
    initial = MemberForm.initial_for(member) if member else {}
    if member is None and request.GET.get("org"):
        org = orgs.filter(code=request.GET["org"]).first()
        if org is not None:
            initial["org"] = org.pk
    login_note = login_refusal(request.user, member.user) if member is not None else None
    form = MemberForm(request.POST or None, orgs=orgs, initial=initial, login_note=login_note)
    if request.method == "POST" and form.is_valid():
        try:
            if member is None:
                member = services.member_create(actor=actor_of(request), data=form.to_data())
                messages.success(request, f"已添加党员 {member.user.name}")
            else:
                member = services.member_update(
                    actor=actor_of(request), member=member, data=form.to_data()
                )
                messages.success(request, "已保存")
            return redirect("people:member_detail", pk=member.pk)
        except MemberInvalid as exc:
            for name, message in exc.problems.items():
                target = name.removesuffix("_id")
                form.add_error(target if target in form.fields else None, message)
    return render(request, "people/member_form.html", {"form": form, "member": member})


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: AuthedRequest) -> HttpResponse:
    if not holds_any(request.user, ROSTER_MANAGE_ROLES):
        raise PermissionDenied("您没有管理党员的权限")
    return _member_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk)
    if not can_manage_roster(request.user, member.org):
        raise Http404("找不到该党员")
    return _member_form_page(request, member)


def _member_login(request: AuthedRequest, pk: int) -> Any:
    """The member whose login is to be managed: 404 outside the person's sight (as the
    selector decides), 403 with the reason for someone seen but not theirs to manage."""
    member = get_member_for_user(request.user, pk)
    check_may_manage_login(request.user, member.user)
    return member


@login_required
@require_POST
def member_set_password(request: AuthedRequest, pk: int) -> HttpResponse:
    """Type a password for a member (the one-time link is preferred)."""
    member = _member_login(request, pk)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(
                actor=actor_of(request), user=member.user, password=form.cleaned_data["password"]
            )
            messages.success(
                request, f"已为 {member.user.name} 设置登录密码，他在各设备上的登录已退出"
            )
        except Refused as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("people:member_detail", pk=member.pk)


@never_cache
@login_required
@require_POST
def member_password_link(request: AuthedRequest, pk: int) -> HttpResponse:
    """Generate a one-time set-password link for a member and show it with its QR code
    (once: only its hash is kept)."""
    member = _member_login(request, pk)
    try:
        link, key = services.password_link_issue(actor=actor_of(request), user=member.user)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("people:member_detail", pk=member.pk)
    url = request.build_absolute_uri(reverse("people:password_link", args=[key]))
    return render(
        request,
        "people/password_link_issued.html",
        {"member": member, "link": link, "url": url, "qr": qr_data_uri(url)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def password_link(request: HttpRequest, key: str) -> HttpResponse:
    """A member sets their own password through a one-time link; opening it uses
    nothing up (link previews in chat apps open links too), only setting does."""
    link = get_password_link(key)
    reason = password_link_refusal(link)
    form = PasswordForm(request.POST or None)
    if reason is None and request.method == "POST" and form.is_valid():
        try:
            services.password_link_use(key=key, password=form.cleaned_data["password"])
        except Refused as exc:
            form.add_error("password" if exc.field == "password" else None, exc.message)
        else:
            if request.user.is_authenticated:
                logout(request)  # a shared phone: nobody else stays signed in here
            messages.success(request, "密码已设置，请用手机号（或用户名）和新密码登录")
            return redirect("people:login")
    # The key in this URL reaches no other site: the whole site sends Referer only to
    # itself (SECURE_REFERRER_POLICY); "no-referrer" would make browsers post
    # "Origin: null", which the CSRF check rightly refuses.
    return render(
        request,
        "people/password_link.html",
        {"link": link, "reason": reason, "form": form, "person": link.user},
        status=410 if reason else 200,
    )


def home_panels(request: HttpRequest) -> list[Panel]:
    user: Any = request.user
    member = getattr(user, "member", None) if user.is_authenticated else None
    if member is not None:
        return [Panel("people/panel_member.html", {"member": member}, order=10)]
    if user.is_authenticated and not holds_any(user, RoleKind.values):
        return [Panel("people/panel_resident.html", {"user": user}, order=10)]
    return []


@login_required
@require_POST
def role_grant(request: AuthedRequest, code: str) -> HttpResponse:
    """Grant a role at an org to a person found by phone or user name (the org's page
    shows the form; the person lookup is people's, so the view lives here)."""
    org = get_org_for_user(request.user, code)
    if not can_admin_org(request.user, org):
        raise Http404("找不到该组织")
    form = RoleGrantForm(request.POST)
    if form.is_valid():
        who = user_by_login(form.cleaned_data["who"])
        if who is None:
            messages.error(request, "找不到该用户，请核对手机号或用户名")
        else:
            try:
                org_services.role_grant(
                    actor=actor_of(request), user=who, org=org, kind=form.cleaned_data["kind"]
                )
                messages.success(request, f"已授予 {who.name} 角色")
            except Refused as exc:
                messages.error(request, exc.message)
    return redirect("orgs:detail", code=org.code)


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """The 大字模式 switch (page header and my page): this device's cookie, and for a
    logged-in person their own setting too; back to the page it was pressed on."""
    on = request.POST.get("size") == display.LARGE
    response = redirect(_safe_next(request))
    response.set_cookie(
        display.COOKIE,
        display.LARGE if on else display.NORMAL,
        max_age=display.COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    if request.user.is_authenticated:
        services.user_set_large_text(actor=actor_of(request), user=request.user, on=on)
    messages.success(request, "已切换为大字模式" if on else "已切换为标准字号")
    return response
