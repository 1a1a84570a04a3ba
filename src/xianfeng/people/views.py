from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.home import Panel
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES, ROSTER_VIEW_ROLES
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.orgs.selectors import orgs_managed_by, role_kinds_of
from xianfeng.people import services
from xianfeng.people.exports import roster_workbook_response
from xianfeng.people.forms import (
    LoginForm,
    MemberFilterForm,
    MemberForm,
    PasswordForm,
    RegisterForm,
)
from xianfeng.people.selectors import (
    MemberFilters,
    get_member_for_user,
)
from xianfeng.people.selectors import (
    member_list as select_member_list,
)
from xianfeng.people.services.members import MemberInvalid


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
        login(request, form.user)
        return redirect(_safe_next(request))
    return render(request, "people/login.html", {"form": form, "next": request.GET.get("next", "")})


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
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user,
                user=request.user,
                password=form.cleaned_data["password"],
            )
        except Refused as exc:
            form.add_error("password", exc.message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改")
            return redirect("people:me")
    member = getattr(request.user, "member", None)
    return render(request, "people/me.html", {"member": member, "form": form})


def _require_roster_viewer(request: HttpRequest) -> None:
    user: Any = request.user
    if not (user.is_superuser or role_kinds_of(user) & ROSTER_VIEW_ROLES):
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
        "can_add": bool(
            request.user.is_superuser or role_kinds_of(request.user) & ROSTER_MANAGE_ROLES
        ),
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
        {"member": member, "show_private": manage, "can_edit": manage},
    )


def _member_form_page(request: HttpRequest, member: Any | None) -> HttpResponse:
    orgs = orgs_managed_by(request.user, ROSTER_MANAGE_ROLES)
    initial = MemberForm.initial_for(member) if member else {}
    if member is None and request.GET.get("org"):
        org = orgs.filter(code=request.GET["org"]).first()
        if org is not None:
            initial["org"] = org.pk
    form = MemberForm(request.POST or None, orgs=orgs, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if member is None:
                member = services.member_create(actor=request.user, data=form.to_data())
                messages.success(request, f"已添加党员 {member.user.name}")
            else:
                member = services.member_update(
                    actor=request.user, member=member, data=form.to_data()
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
    if not (request.user.is_superuser or role_kinds_of(request.user) & ROSTER_MANAGE_ROLES):
        raise PermissionDenied("您没有管理党员的权限")
    return _member_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk)
    if not can_manage_roster(request.user, member.org):
        raise Http404("找不到该党员")
    return _member_form_page(request, member)


@login_required
@require_POST
def member_set_password(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk)
    if not can_manage_roster(request.user, member.org):
        raise Http404("找不到该党员")
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=member.user, password=form.cleaned_data["password"]
            )
            messages.success(request, f"已为 {member.user.name} 设置登录密码")
        except Refused as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("people:member_detail", pk=member.pk)


def home_panels(request: HttpRequest) -> list[Panel]:
    user: Any = request.user
    member = getattr(user, "member", None) if user.is_authenticated else None
    if member is not None:
        return [Panel("people/panel_member.html", {"member": member}, order=10)]
    if user.is_authenticated and not user.is_superuser and not role_kinds_of(user):
        return [Panel("people/panel_resident.html", {"user": user}, order=10)]
    return []
