"""Offline packs: asked for from the plan page (or the site's menu page), built by a task
(the pack page polls its state), downloaded by the site's admins and the plan's
publisher; back online, a roll-call sheet's figures are entered on the page its QR opens."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.parse import ascii_int
from xianfeng.common.types import AuthedRequest
from xianfeng.remote import selectors, services
from xianfeng.remote.enums import PackState
from xianfeng.remote.models import ViewingAttendance
from xianfeng.remote.views_menu import _week


def _error(request: AuthedRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


@login_required
@require_POST
def plan_offline(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk)
    site = plan.sites.select_related("org").filter(code=request.POST.get("site", "")).first()
    if site is None:
        raise Http404("该收看计划不包括此站点")
    try:
        pack = services.offline_pack_for_plan(actor=request.user, plan=plan, site=site)
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
        return redirect("remote:plan", pk=plan.pk)
    messages.success(request, "离线包正在生成，完成后可在本页下载")
    return redirect("remote:offline_pack", pk=pack.pk)


@login_required
@require_POST
def menu_offline(request: AuthedRequest, code: str) -> HttpResponse:
    site = selectors.get_managed_site(request.user, code)
    week = _week(request)
    try:
        pack = services.offline_pack_for_menu(actor=request.user, site=site, week=week)
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
        return redirect(f"{reverse('remote:site_menu', args=[site.code])}?week={week.isoformat()}")
    messages.success(request, "离线包正在生成，完成后可在本页下载")
    return redirect("remote:offline_pack", pk=pack.pk)


@login_required
@never_cache
@require_GET
def pack_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    pack = selectors.get_offline_pack_for_user(request.user, pk)
    context: dict[str, Any] = {"pack": pack}
    if request.htmx:
        return render(request, "remote/offline_pack.html#state", context)
    slots = list(pack.slots.select_related("lesson", "viewing").order_by("number"))
    counted: dict[int, int] = dict(
        ViewingAttendance.objects.filter(
            viewing_id__in=[s.viewing_id for s in slots if s.viewing_id]
        )
        .values_list("viewing_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    context.update(
        {
            "slots": [(s, counted.get(s.viewing_id or 0, 0)) for s in slots],
            "can_enter": selectors.sites_managed_by(request.user).filter(pk=pack.site_id).exists(),
        }
    )
    return render(request, "remote/offline_pack.html", context)


@login_required
@require_GET
def pack_download(request: AuthedRequest, pk: int) -> FileResponse:
    pack = selectors.get_offline_pack_for_user(request.user, pk)
    if pack.state != PackState.READY or not pack.file.name:
        raise Http404("离线包尚未生成")
    stamp = timezone.localtime(pack.ready_at or pack.created_at)
    name = f"离线包-{pack.site.name}-{stamp:%Y%m%d}.zip"
    return FileResponse(
        pack.file.storage.open(pack.file.name, "rb"),
        as_attachment=True,
        filename=name,
        content_type="application/zip",
    )


@login_required
@require_POST
def pack_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    pack = selectors.get_offline_pack_for_user(request.user, pk)
    try:
        services.offline_pack_retry(actor=request.user, pack=pack)
        messages.success(request, "已重新开始生成")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("remote:offline_pack", pk=pack.pk)


@login_required
@require_GET
def entry_find(request: AuthedRequest) -> HttpResponse:
    """The entry code typed from a sheet (when the QR cannot be scanned)."""
    code = services.normalize_entry_code(request.GET.get("code", ""))
    slot = selectors.get_offline_slot_for_entry(request.user, code)
    return redirect("remote:offline_entry", code=slot.code)


def _starts_at(day: str, time: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.combine(
            datetime.date.fromisoformat(day), datetime.time.fromisoformat(time or "19:00")
        )
    except ValueError:
        return None
    return timezone.make_aware(moment)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def entry(request: AuthedRequest, code: str) -> HttpResponse:
    """Enter a filled roll-call sheet: the ticked members, the number of 群众, the date."""
    slot = selectors.get_offline_slot_for_entry(request.user, code)
    pack = slot.pack
    members = services.site_members(pack.site)
    attended = (
        set(
            ViewingAttendance.objects.filter(viewing_id=slot.viewing_id).values_list(
                "user_id", flat=True
            )
        )
        if slot.viewing_id
        else set()
    )
    planned = timezone.localtime(
        slot.viewing.starts_at if slot.viewing else slot.starts_at or timezone.now()
    )
    context: dict[str, Any] = {
        "slot": slot,
        "pack": pack,
        "members": [(m, m.user_id in attended) for m in members],
        "residents": slot.viewing.residents if slot.viewing else 0,
        "day": planned.date().isoformat(),
        "time": planned.strftime("%H:%M"),
        "error": "",
    }
    if request.method == "POST":
        chosen = [pk for pk in (ascii_int(x) for x in request.POST.getlist("members")) if pk]
        residents = ascii_int(request.POST.get("residents", "").strip() or "0")
        starts_at = _starts_at(request.POST.get("day", ""), request.POST.get("time", ""))
        try:
            if residents is None:
                raise Refused("群众人数应为整数", field="residents")
            if starts_at is None:
                raise Refused("请填写收看日期和时间", field="day")
            viewing = services.offline_slot_record(
                actor=request.user,
                slot=slot,
                member_ids=chosen,
                residents=residents,
                starts_at=starts_at,
            )
        except Refused as exc:
            context["error"] = exc.message
        else:
            members_count = viewing.attendance.filter(is_member=True).count()
            messages.success(
                request,
                f"已录入第 {slot.number} 场：党员 {members_count} 人（代签），"
                f"群众 {viewing.residents} 人，已计入集体收看",
            )
            return redirect("remote:offline_pack", pk=pack.pk)
    return render(
        request, "remote/offline_entry.html", context, status=400 if context["error"] else 200
    )
