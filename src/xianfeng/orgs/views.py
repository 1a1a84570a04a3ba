from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.home import Panel
from xianfeng.common.types import AuthedRequest, actor_of
from xianfeng.orgs import services
from xianfeng.orgs.enums import ORG_ADMIN_ROLES, ROSTER_VIEW_ROLES, OrgKind
from xianfeng.orgs.forms import GroupForm, MergeForm, MoveForm, OrgForm, RenameForm, RoleGrantForm
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.rules import can_admin_org, can_manage_roster, has_role_above, holds_any
from xianfeng.orgs.selectors import (
    former_names,
    get_org_for_user,
    holders_of,
    merge_targets,
    move_targets,
    org_ancestors_for,
    org_children,
    org_groups,
    org_history,
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


def _may_adjust(user: Any, org: Org) -> bool:
    """Rename, move, merge or dissolve `org`: a party group by its branch, anything else by
    an admin above it (never one's own top org)."""
    if org.dissolved_on is not None:
        return False
    if org.kind == OrgKind.GROUP and org.parent is not None:
        return can_manage_roster(user, org.parent)
    return has_role_above(user, org, ORG_ADMIN_ROLES)


def _render_detail(
    request: AuthedRequest, org: Org, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    kids = _with_stats([o for o in org_children(org) if o.kind != OrgKind.GROUP])
    stats = _with_stats([org])[0]
    admin = can_admin_org(user, org)
    adjust = _may_adjust(user, org)
    history = org_history(org)
    is_branch = org.kind == OrgKind.BRANCH
    manage_groups = is_branch and org.dissolved_on is None and can_manage_roster(user, org)
    structural = adjust and org.kind != OrgKind.GROUP
    context = {
        "org": org,
        "stats": stats,
        "ancestors": org_ancestors_for(user, org),
        "children": kids,
        "groups": list(org_groups(org)) if is_branch else [],
        "roles": holders_of(org),
        "history": history,
        "former_names": former_names(history),
        "can_admin": admin,
        "can_adjust": adjust,
        "can_manage_roster": can_manage_roster(user, org),
        "grant_form": RoleGrantForm() if admin else None,
        "child_form": OrgForm() if admin and org.kind != OrgKind.GROUP else None,
        "rename_form": RenameForm(initial={"name": org.name}) if adjust else None,
        "move_form": MoveForm(targets=move_targets(user, org)) if structural else None,
        "merge_form": MergeForm(targets=merge_targets(user, org)) if adjust else None,
        "group_form": GroupForm() if manage_groups else None,
    }
    context.update({k: v for k, v in forms.items() if v is not None})
    return render(request, "orgs/detail.html", context, status=status)


@login_required
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    return _render_detail(request, get_org_for_user(request.user, code))


def _refused_into(form: forms.Form, exc: Refused) -> None:
    """Show a service's refusal on its field (or above the form), the input kept."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _adjustable(request: AuthedRequest, code: str) -> Org:
    org = get_org_for_user(request.user, code)
    if not _may_adjust(request.user, org):
        raise Http404("找不到该组织")
    return org


def _submit(
    request: AuthedRequest,
    org: Org,
    form: forms.Form,
    key: str,
    act: Callable[[dict[str, Any]], tuple[str, str]],
) -> HttpResponse:
    """Run `act` on a valid form: it calls the service and says (message, code of the org
    to show). A refusal or bad input shows the org's page again with the input kept."""
    if form.is_valid():
        try:
            message, code = act(form.cleaned_data)
        except Refused as exc:
            _refused_into(form, exc)
        else:
            messages.success(request, message)
            return redirect("orgs:detail", code=code)
    return _render_detail(request, org, status=400, **{key: form})


@login_required
@require_POST
def rename(request: AuthedRequest, code: str) -> HttpResponse:
    """更名 from a date, with a reason; the old name stays as 原名."""
    org = _adjustable(request, code)

    def act(d: dict[str, Any]) -> tuple[str, str]:
        services.org_rename(
            actor=actor_of(request), org=org, name=d["name"], on=d["on"], reason=d["reason"]
        )
        return f"已更名为“{d['name']}”（{d['on']:%Y-%m-%d} 起）", org.code

    return _submit(request, org, RenameForm(request.POST), "rename_form", act)


@login_required
@require_POST
def move(request: AuthedRequest, code: str) -> HttpResponse:
    """调整隶属关系: the org and its whole subtree go under another org."""
    org = _adjustable(request, code)
    if org.kind == OrgKind.GROUP:
        raise Http404("找不到该组织")

    def act(d: dict[str, Any]) -> tuple[str, str]:
        services.org_move(
            actor=actor_of(request), org=org, new_parent=d["parent"], on=d["on"], reason=d["reason"]
        )
        return f"已将{org.name}调整到{d['parent'].name}之下", org.code

    form = MoveForm(request.POST, targets=move_targets(request.user, org))
    return _submit(request, org, form, "move_form", act)


@login_required
@require_POST
def merge(request: AuthedRequest, code: str) -> HttpResponse:
    """合并: members and sub-orgs go to the target; this org is 撤销 on the date."""
    org = _adjustable(request, code)

    def act(d: dict[str, Any]) -> tuple[str, str]:
        target = services.org_merge(
            actor=actor_of(request), source=org, target=d["target"], on=d["on"], reason=d["reason"]
        )
        return f"{org.name}已并入{target.name}（{d['on']:%Y-%m-%d} 起）", target.code

    form = MergeForm(request.POST, targets=merge_targets(request.user, org))
    return _submit(request, org, form, "merge_form", act)


@login_required
@require_POST
def group_create(request: AuthedRequest, code: str) -> HttpResponse:
    """A 党小组 set up on the branch's page by its secretary, organiser or an admin."""
    org = get_org_for_user(request.user, code)
    if org.kind != OrgKind.BRANCH or not can_manage_roster(request.user, org):
        raise Http404("找不到该组织")

    def act(d: dict[str, Any]) -> tuple[str, str]:
        group = services.group_create(
            actor=actor_of(request), branch=org, name=d["name"], founded_on=d["founded_on"]
        )
        return f"已设立{group.name}", org.code

    return _submit(request, org, GroupForm(request.POST), "group_form", act)


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

    def act(d: dict[str, Any]) -> tuple[str, str]:
        child = services.org_create(
            actor=actor_of(request),
            parent=org,
            code=d["code"],
            name=d["name"],
            kind=d["kind"],
            region=d["region"],
            sort_order=d.get("sort_order") or 0,
            founded_on=d.get("founded_on"),
            reason=d.get("reason") or "",
        )
        return f"已建立 {child.name}", org.code

    return _submit(request, org, OrgForm(request.POST), "child_form", act)


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
    org = _adjustable(request, code)
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
