"""Pages of the roster import: upload and the list of batches, preview, commit, roll back."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate
from xianfeng.common.types import actor_of
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.rules import holds_any
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people import services
from xianfeng.people.enums import ImportStatus
from xianfeng.people.forms import RosterUploadForm
from xianfeng.people.roster import roster_sample, roster_template
from xianfeng.people.selectors import (
    get_roster_import_for_user,
    members_visible_to,
    roster_imports_visible_to,
)

ERRORS_SHOWN = 200
SAMPLE_ROWS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_manager(request: HttpRequest) -> None:
    user: Any = request.user
    if not holds_any(user, ROSTER_MANAGE_ROLES):
        raise PermissionDenied("您没有管理党员名册的权限")


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    orgs = orgs_managed_by(request.user, ROSTER_MANAGE_ROLES)
    form = RosterUploadForm(request.POST or None, request.FILES or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.roster_import_preview(
                actor=actor_of(request),
                org=form.cleaned_data["org"],
                upload=form.cleaned_data["file"],
            )
        except Refused as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            return redirect("people:import_detail", pk=batch.pk)
    batches = roster_imports_visible_to(request.user).select_related("org", "created_by")
    return render(
        request, "people/import_list.html", {"form": form, "page": paginate(request, batches)}
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_roster_import_for_user(request.user, pk)
    context: dict[str, Any] = {
        "batch": batch,
        "errors": batch.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(batch.errors) - ERRORS_SHOWN),
        "several_sheets": len({e.get("sheet") for e in batch.errors}) > 1,
        "can_commit": batch.status == ImportStatus.PREVIEWED and not batch.errors,
    }
    if batch.status == ImportStatus.PREVIEWED:
        plan = batch.plan or {}
        changed = [u for u in plan.get("update", []) if u["changes"]]
        context.update(
            plan_create=plan.get("create", batch.row_count),
            plan_update=len(changed),
            plan_unchanged=plan.get("unchanged", 0),
            plan_attach=len(plan.get("attach", [])),
            updates=changed[:ERRORS_SHOWN],
            updates_hidden=max(0, len(changed) - ERRORS_SHOWN),
            attaches=plan.get("attach", [])[:ERRORS_SHOWN],
        )
        sample = roster_sample(batch, limit=SAMPLE_ROWS)
        context["sample"] = sample
        context["sample_sheets"] = len({row.sheet for row in sample}) > 1
    elif batch.status == ImportStatus.COMMITTED:
        members = members_visible_to(request.user).filter(import_batch=batch)
        context["members"] = members.select_related("user", "org", "group").order_by("pk")[
            :SAMPLE_ROWS
        ]
    return render(request, "people/import_detail.html", context)


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_roster_import_for_user(request.user, pk)
    try:
        batch = services.roster_import_commit(actor=actor_of(request), batch=batch)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        done = f"已导入 {batch.created_count} 名党员"
        if batch.updated_count:
            done += f"，更新 {batch.updated_count} 人"
        if batch.attached_count:
            done += f"，关联已有账号 {batch.attached_count} 人"
        messages.success(request, done)
    return redirect("people:import_detail", pk=batch.pk)


@login_required
@require_POST
def import_rollback(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_roster_import_for_user(request.user, pk)
    try:
        batch = services.roster_import_rollback(actor=actor_of(request), batch=batch)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("people:import_detail", pk=batch.pk)
    messages.success(request, f"已撤销“{batch.filename}”，本批的改动已恢复")
    return redirect("people:import_list")


@login_required
def import_template(request: HttpRequest) -> FileResponse:
    _require_manager(request)
    return FileResponse(
        io.BytesIO(roster_template()),
        as_attachment=True,
        filename="党员名册导入模板.xlsx",
        content_type=XLSX,
    )
