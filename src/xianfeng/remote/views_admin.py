"""Site administration pages: the sites workbook (upload → preview → commit), 停用 periods,
per-org targets (inherited down the tree), discussion photos of a viewing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.images import private_image_response
from xianfeng.common.pagination import paginate
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user, org_children, org_roots_for, orgs_managed_by
from xianfeng.remote import rules, selectors, services
from xianfeng.remote.enums import ImportState
from xianfeng.remote.forms import PhotoForm, SitesUploadForm, SuspensionForm, TargetForm
from xianfeng.remote.services.admin import ORG_ADMIN

ERRORS_SHOWN = 200
SAMPLE_ROWS = 20


def _error(request: AuthedRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


# --- the sites workbook ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: AuthedRequest) -> HttpResponse:
    if not rules.reads_bulletins_anywhere(request.user):
        raise PermissionDenied("只有组织管理员可以导入站点")
    form = SitesUploadForm(
        request.POST or None, request.FILES or None, orgs=orgs_managed_by(request.user, ORG_ADMIN)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch, _ = services.site_import_preview(
                    actor=request.user,
                    org=form.cleaned_data["org"],
                    handle=upload,
                    size=upload.size,
                    name=upload.name or "sites.xlsx",
                )
            except Refused as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("remote:import_detail", pk=batch.pk)
        status = 400
    batches = selectors.site_imports_visible_to(request.user).select_related("org", "created_by")
    return render(
        request,
        "remote/import_list.html",
        {"form": form, "page": paginate(request, batches.defer("content"))},
        status=status,
    )


@login_required
@require_GET
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = selectors.get_site_import_for_user(request.user, pk)
    context: dict[str, Any] = {"batch": batch}
    if batch.status == ImportState.PREVIEWED:
        try:
            result = services.site_import_read(batch)
        except Refused as exc:  # cannot happen for a kept file, but never a 500
            context["unreadable"] = exc.message
        else:
            context.update(
                rows=result.rows[:SAMPLE_ROWS],
                rows_hidden=max(0, len(result.rows) - SAMPLE_ROWS),
                errors=result.errors[:ERRORS_SHOWN],
                errors_hidden=max(0, len(result.errors) - ERRORS_SHOWN),
                total=len(result.rows),
                can_commit=not result.errors,
            )
    return render(request, "remote/import_detail.html", context)


@login_required
@require_POST
def import_commit(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = selectors.get_site_import_for_user(request.user, pk)
    try:
        sites = services.site_import_commit(actor=request.user, batch=batch)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已导入 {len(sites)} 个站点")
    return redirect("remote:import_detail", pk=batch.pk)


# --- suspensions ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def suspensions(request: AuthedRequest, code: str) -> HttpResponse:
    """A site's 停用 periods (repairs, relocation): their days leave its figures."""
    site = selectors.get_managed_site(request.user, code)
    form = SuspensionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.site_suspend(actor=request.user, site=site, **form.cleaned_data)
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "已登记停用期，这些天不计入开机率")
                return redirect("remote:suspensions", code=site.code)
        status = 400
    return render(
        request,
        "remote/suspensions.html",
        {"site": site, "form": form, "suspensions": list(site.suspensions.all())},
        status=status,
    )


@login_required
@require_POST
def suspension_remove(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    suspension = selectors.get_suspension_for_user(request.user, code, pk)
    services.suspension_remove(actor=request.user, suspension=suspension)
    messages.success(request, "已删除该停用期，这些天重新计入开机率")
    return redirect("remote:suspensions", code=code)


# --- targets -------------------------------------------------------------------------------


def _target_org(request: AuthedRequest) -> Org:
    code = request.GET.get("org", "") or request.POST.get("org", "")
    if code:
        return get_org_for_user(request.user, code, ORG_ADMIN)
    roots = org_roots_for(request.user, ORG_ADMIN)
    if not roots:
        raise PermissionDenied("只有组织管理员可以设置远程教育目标")
    return roots[0]


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: AuthedRequest) -> HttpResponse:
    """An org's monthly targets (its own, or inherited from above) and its children's."""
    org = _target_org(request)
    own, *children = selectors.targets_of([org, *org_children(org).order_by("sort_order", "path")])
    initial = {
        "min_viewings": own.min_viewings,
        "min_hours": own.min_hours,
        "boot_rate_pct": own.boot_rate_pct,
    }
    form = TargetForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            services.target_clear(actor=request.user, org=org)
            messages.success(request, "已恢复为上级的目标")
            return redirect(f"{request.path}?org={org.code}")
        if form.is_valid():
            services.target_set(actor=request.user, org=org, **form.cleaned_data)
            messages.success(request, "已保存，下级组织未单独设置的都按此目标")
            return redirect(f"{request.path}?org={org.code}")
        status = 400
    up = org.parent
    return render(
        request,
        "remote/targets.html",
        {
            "org": org,
            "own": own,
            "children": children,
            "form": form,
            "up": up if up is not None and rules.can_admin_org(request.user, up) else None,
        },
        status=status,
    )


# --- discussion photos ---------------------------------------------------------------------


@login_required
@require_POST
def photo_add(request: AuthedRequest, pk: int) -> HttpResponse:
    viewing = selectors.get_viewing_for_user(request.user, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择一张照片")
        return redirect("remote:viewing", pk=pk)
    upload = form.cleaned_data["image"]
    try:
        services.viewing_photo_add(
            actor=request.user, viewing=viewing, handle=upload, size=upload.size
        )
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, "照片已上传")
    return redirect("remote:viewing", pk=pk)


@login_required
@require_GET
def photo(request: AuthedRequest, pk: int, photo_id: int) -> FileResponse:
    """A discussion photo, for those who may see the viewing (never a public URL)."""
    item = selectors.get_viewing_photo_for_user(request.user, pk, photo_id)
    return private_image_response(item.thumb if request.GET.get("size") == "thumb" else item.image)


@login_required
@require_POST
def photo_delete(request: AuthedRequest, pk: int, photo_id: int) -> HttpResponse:
    item = selectors.get_viewing_photo_for_user(request.user, pk, photo_id)
    try:
        services.viewing_photo_delete(actor=request.user, photo=item)
    except PermissionDenied as exc:
        _error(request, exc)
    else:
        messages.success(request, "已删除")
    return redirect("remote:viewing", pk=pk)
