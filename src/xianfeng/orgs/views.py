from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.home import Panel
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs import services
from xianfeng.orgs.enums import ROSTER_VIEW_ROLES
from xianfeng.orgs.forms import OrgForm, RoleGrantForm
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.rules import can_admin_org, can_manage_roster, holds_any
from xianfeng.orgs.selectors import (
    get_org_for_user,
    holders_of,
    org_ancestors,
    org_children,
    org_roots_for,
    roles_of,
    subtree_stats,
)


def _with_stats(orgs: list[Org]) -> list[dict[str, Any]]:
    stats: dict[int, dict[str, int]] = {}
    by_depth: dict[int, list[Org]] = {}
    for org in orgs:
        by_depth.setdefault(org.depth, []).append(org)
    for same_depth in by_depth.values():
        stats.update(subtree_stats(same_depth))
    return [{"org": org, **stats.get(org.pk, {"members": 0, "orgs": 0})} for org in orgs]


@login_required
def tree(request: AuthedRequest) -> HttpResponse:
    """The org tree from the person's top orgs; deeper levels load on demand (htmx)."""
    roots = org_roots_for(request.user, ROSTER_VIEW_ROLES)
    if not roots:
        raise PermissionDenied("您没有查看组织的权限")
    nodes = _with_stats(roots)
    # The first level below a single root is shown open: it is what everyone expands first.
    open_children = _with_stats(list(org_children(roots[0]))) if len(roots) == 1 else []
    return render(request, "orgs/tree.html", {"nodes": nodes, "open_children": open_children})


@login_required
def children(request: AuthedRequest, code: str) -> HttpResponse:
    org = get_org_for_user(request.user, code)
    nodes = _with_stats(list(org_children(org)))
    return render(request, "orgs/tree.html#branch", {"nodes": nodes})


@login_required
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    org = get_org_for_user(request.user, code)
    kids = _with_stats(list(org_children(org)))
    stats = _with_stats([org])[0]
    admin = can_admin_org(request.user, org)
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "stats": stats,
            "ancestors": org_ancestors(org),
            "children": kids,
            "roles": holders_of(org),
            "can_admin": admin,
            "can_manage_roster": can_manage_roster(request.user, org),
            "grant_form": RoleGrantForm() if admin else None,
            "child_form": OrgForm() if admin else None,
        },
    )


@login_required
@require_POST
def role_revoke(request: AuthedRequest, code: str, role_id: int) -> HttpResponse:
    org = get_org_for_user(request.user, code)
    role = Role.objects.filter(pk=role_id, org=org).select_related("org").first()
    if role is None or not can_admin_org(request.user, org):
        raise Http404("找不到该角色")
    services.role_revoke(actor=request.user, role=role)
    messages.success(request, "已撤销角色")
    return redirect("orgs:detail", code=org.code)


@login_required
@require_http_methods(["POST"])
def child_create(request: AuthedRequest, code: str) -> HttpResponse:
    org = get_org_for_user(request.user, code)
    if not can_admin_org(request.user, org):
        raise Http404("找不到该组织")
    form = OrgForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            child = services.org_create(
                actor=request.user,
                parent=org,
                code=d["code"],
                name=d["name"],
                kind=d["kind"],
                region=d["region"],
                sort_order=d.get("sort_order") or 0,
            )
            messages.success(request, f"已建立 {child.name}")
        except Refused as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("orgs:detail", code=org.code)


def home_panels(request: HttpRequest) -> list[Panel]:
    user: Any = request.user
    if not user.is_authenticated:
        return []
    panels = []
    if holds_any(user, ROSTER_VIEW_ROLES):
        roots = org_roots_for(user, ROSTER_VIEW_ROLES)
        panels.append(Panel("orgs/panel_manage.html", {"nodes": _with_stats(roots[:6])}, order=20))
    other = [r for r in roles_of(user) if r.kind not in ROSTER_VIEW_ROLES]
    if other:
        panels.append(Panel("orgs/panel_roles.html", {"roles": other}, order=30))
    return panels


@login_required
@require_http_methods(["POST"])
def dissolve(request: AuthedRequest, code: str) -> HttpResponse:
    """撤销 an org from a date, with a reason."""
    org = get_org_for_user(request.user, code)
    if not can_admin_org(request.user, org):
        raise Http404("找不到该组织")
    try:
        on = datetime.date.fromisoformat(request.POST.get("on", ""))
    except ValueError:
        messages.error(request, "请填写撤销日期，如 2026-05-10")
        return redirect("orgs:detail", code=org.code)
    try:
        services.org_dissolve(
            actor=request.user, org=org, on=on, reason=request.POST.get("reason", "")
        )
        messages.success(request, f"已撤销 {org.name}（{on:%Y-%m-%d} 起）")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("orgs:detail", code=org.code)
