"""The inbox, the person's notification settings, an org's notification policy, a
sender's reach and the home panel: views parse, check the person and call a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.home import Panel
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.types import AuthedRequest
from xianfeng.notify import kinds, selectors
from xianfeng.notify.enums import EXTERNAL, Channel
from xianfeng.notify.forms import PolicyForm, SettingsForm
from xianfeng.notify.services import (
    notifications_mark_read,
    org_policy_update,
    org_robot_test,
    prefs_update,
)

PANEL_ITEMS = 5


def _app_filters() -> list[tuple[str, str]]:
    """(kind prefix, app name) for the inbox's chips: "meeting." → 三会一课."""
    seen: dict[str, str] = {}
    for name, members in kinds.by_app():
        for kind in members:
            seen.setdefault(kind.key.split(".", 1)[0] + ".", name)
    return list(seen.items())


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    kind = request.GET.get("kind", "")[:40]
    page = paginate(request, selectors.inbox_for(request.user, unread=unread, kind=kind))
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "unread": unread,
            "kind": kind,
            "apps": _app_filters(),
            "query": query_without_page(request),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_read(request: AuthedRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return _back(request)


@login_required
@require_POST
def mark_one_read(request: AuthedRequest, pk: int) -> HttpResponse:
    # Someone else's id marks nothing (the service filters by the person).
    notifications_mark_read(user=request.user, ids=[pk])
    if request.htmx:
        item = selectors.notifications_for(request.user).filter(pk=pk).first()
        if item is None:
            return HttpResponse("")
        return render(request, "notify/inbox.html#item", {"n": item})
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthedRequest) -> HttpResponse:
    view = selectors.settings_view(request.user)
    form = SettingsForm(request.POST or None, view=view, email=request.user.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prefs_update(
                user=request.user,
                channels=form.channels(),
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
                digest=data["digest"],
                digest_hour=data["digest_hour"],
                wechat_openid="" if data.get("unbind_wechat") else None,
                email=data["email"] or "",
            )
        except Refused as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        else:
            messages.success(request, "通知设置已保存")
            return redirect("notify:settings")
    return render(
        request,
        "notify/settings.html",
        {"form": form, "view": view, "all_channels": [c.label for c in EXTERNAL]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_policy(request: AuthedRequest, code: str) -> HttpResponse:
    org = selectors.get_policy_org_for_user(request.user, code)
    policy = selectors.policy_of(org)
    inherited = selectors.inherited_channels(org)
    initial = {str(c): getattr(policy, c) for c in EXTERNAL}
    form = PolicyForm(request.POST or None, inherited=inherited, initial=initial)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action in ("test_wecom", "test_dingtalk"):
            channel = Channel.WECOM if action == "test_wecom" else Channel.DINGTALK
            try:
                messages.success(
                    request, org_robot_test(actor=request.user, org=org, channel=channel)
                )
            except (Refused, PermissionDenied) as exc:
                messages.error(request, getattr(exc, "message", str(exc)))
            return redirect("notify:org_policy", code=org.code)
        if form.is_valid():
            data = form.cleaned_data
            # An empty key field keeps the robot; "remove" clears it.
            wecom = "" if data["clear_wecom"] else (data["wecom_key"] or None)
            dingtalk = "" if data["clear_dingtalk"] else (data["dingtalk_token"] or None)
            try:
                org_policy_update(
                    actor=request.user,
                    org=org,
                    channels={str(c): data.get(str(c)) or "" for c in EXTERNAL},
                    wecom_key=wecom,
                    dingtalk_token=dingtalk,
                    dingtalk_secret=data["dingtalk_secret"] or None,
                )
            except Refused as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                messages.success(request, "组织通知设置已保存")
                return redirect("notify:org_policy", code=org.code)
    allowed = selectors.allowed_channels(org.path, selectors.policies_along([org.path]))
    return render(
        request,
        "notify/org_policy.html",
        {
            "org": org,
            "policy": policy,
            "form": form,
            "allowed": [str(c.label) for c in EXTERNAL if c in allowed],
        },
    )


@login_required
def reach(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for_user(request.user, pk)
    context: dict[str, Any] = {
        "reach": selectors.batch_reach(batch),
        "channels": selectors.channel_counts(batch),
        "failures": selectors.failed_deliveries(batch),
    }
    if request.htmx:
        return render(request, "notify/reach.html#reach", context)
    return render(request, "notify/reach.html", context)


def home_panels(request: HttpRequest) -> list[Panel]:
    """The one notifications panel of the home page: unread, newest first."""
    unread = list(selectors.unread_for(request.user)[:PANEL_ITEMS])
    if not unread:
        return []
    return [Panel("notify/panel.html", {"items": unread}, order=1)]
