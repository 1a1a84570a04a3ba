"""Pages of 组织关系转接: the list, starting one for a member, the transfer with its actions."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate
from xianfeng.common.types import AuthedRequest, actor_of
from xianfeng.orgs.enums import MEMBER_ORG_KINDS
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.selectors import get_member_for_user
from xianfeng.transfers import services
from xianfeng.transfers.enums import TransferState
from xianfeng.transfers.letter import letter_response
from xianfeng.transfers.selectors import get_transfer_for_user, transfer_list


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    page = paginate(request, transfer_list(request.user, state=state))
    return render(
        request,
        "transfers/index.html",
        {"page": page, "state": state, "states": TransferState.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def start(request: AuthedRequest, member_pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, member_pk)
    if not can_manage_roster(request.user, member.org):
        raise PermissionDenied("您不能为该党员办理组织关系转接")
    q = request.GET.get("q", "") or request.POST.get("q", "")
    candidates = [o for o in services.find_target_orgs(q) if o.pk != member.org_id] if q else []
    error = ""
    reason = request.POST.get("reason", "")
    if request.method == "POST":
        to_org = (
            Org.objects.filter(pk=request.POST.get("to_org") or 0, kind__in=MEMBER_ORG_KINDS)
            .only("pk", "name", "kind", "code", "path")
            .first()
            if (request.POST.get("to_org") or "").isdigit()
            else None
        )
        if to_org is None:
            error = "请先查找并选择转入的党支部"
        else:
            try:
                transfer = services.transfer_start(
                    actor=actor_of(request), member=member, to_org=to_org, reason=reason
                )
            except Refused as exc:
                error = exc.message
            else:
                messages.success(request, f"已发起组织关系转接，介绍信编号 {transfer.number}")
                return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "transfers/start.html",
        {"member": member, "q": q, "candidates": candidates, "error": error, "reason": reason},
    )


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    transfer = get_transfer_for_user(request.user, pk)
    pending = transfer.state == TransferState.PENDING
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "can_decide": pending and can_manage_roster(request.user, transfer.to_org),
            "can_cancel": pending and can_manage_roster(request.user, transfer.from_org),
        },
    )


def _act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    transfer = get_transfer_for_user(request.user, pk)
    actor = actor_of(request)
    try:
        if action == "accept":
            raw = request.POST.get("effective_on", "")
            try:
                on = datetime.date.fromisoformat(raw) if raw else None
            except ValueError:
                raise Refused("转入日期格式不对，请写成 2026-05-15 这样") from None
            services.transfer_accept(actor=actor, transfer=transfer, effective_on=on)
            messages.success(request, "已接收，该党员已转入本支部")
        elif action == "return":
            services.transfer_return(
                actor=actor, transfer=transfer, reason=request.POST.get("return_reason", "")
            )
            messages.success(request, "已退回")
        else:
            services.transfer_cancel(actor=actor, transfer=transfer)
            messages.success(request, "已撤回")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("transfers:detail", pk=transfer.pk)


@login_required
@require_POST
def accept(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "accept")


@login_required
@require_POST
def send_back(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "return")


@login_required
@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "cancel")


@login_required
def letter(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 介绍信 PDF: for both branches and the member, like the transfer itself."""
    return letter_response(get_transfer_for_user(request.user, pk))
