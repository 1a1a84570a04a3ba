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
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, ROSTER_MANAGE_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_manage_roster, holds_any
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.selectors import get_member_for_user
from xianfeng.people.services.members import MemberInvalid
from xianfeng.transfers import services
from xianfeng.transfers.enums import TransferDirection, TransferState
from xianfeng.transfers.forms import CompleteOutForm, TransferInForm
from xianfeng.transfers.letter import letter_response
from xianfeng.transfers.models import Transfer
from xianfeng.transfers.selectors import get_transfer_for_user, transfer_list


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    page = paginate(request, transfer_list(request.user, state=state))
    return render(
        request,
        "transfers/index.html",
        {
            "page": page,
            "state": state,
            "states": TransferState.choices,
            "can_register": holds_any(request.user, ROSTER_MANAGE_ROLES),
        },
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
@require_POST
def start_out(request: AuthedRequest, member_pk: int) -> HttpResponse:
    """转出系统外: a letter to an org outside the system; the 回执 is recorded later."""
    member = get_member_for_user(request.user, member_pk)
    if not can_manage_roster(request.user, member.org):
        raise PermissionDenied("您不能为该党员办理组织关系转接")
    outside, reason = request.POST.get("outside_org", ""), request.POST.get("reason", "")
    try:
        transfer = services.transfer_out_start(
            actor=actor_of(request), member=member, outside_org=outside, reason=reason
        )
    except Refused as exc:
        return render(
            request,
            "transfers/start.html",
            {
                "member": member,
                "q": "",
                "candidates": [],
                "error_out": exc.message,
                "outside_org": outside,
                "reason_out": reason,
            },
            status=400,
        )
    messages.success(request, f"已开具介绍信，编号 {transfer.number}；收到回执后请登记")
    return redirect("transfers:detail", pk=transfer.pk)


def _detail(
    request: AuthedRequest, transfer: Transfer, *, form: CompleteOutForm | None = None
) -> HttpResponse:
    pending = transfer.state == TransferState.PENDING
    sender = transfer.from_org is not None and can_manage_roster(request.user, transfer.from_org)
    receiver = transfer.to_org is not None and can_manage_roster(request.user, transfer.to_org)
    outgoing = transfer.direction == TransferDirection.OUT
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "can_decide": pending and receiver and not outgoing,
            "can_cancel": pending and sender,
            "complete_form": (form or CompleteOutForm())
            if pending and outgoing and sender
            else None,
        },
        status=400 if form is not None else 200,
    )


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, get_transfer_for_user(request.user, pk))


@login_required
@require_POST
def complete_out(request: AuthedRequest, pk: int) -> HttpResponse:
    """The outside org's 回执 came back: the member leaves the roll from that day."""
    transfer = get_transfer_for_user(request.user, pk)
    form = CompleteOutForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_out_complete(
                actor=actor_of(request),
                transfer=transfer,
                effective_on=form.cleaned_data["effective_on"],
                receipt=form.cleaned_data["receipt"],
            )
        except Refused as exc:
            form.add_error("effective_on" if exc.field else None, exc.message)
        else:
            messages.success(request, "已登记回执，该党员组织关系已转出")
            return redirect("transfers:detail", pk=transfer.pk)
    return _detail(request, transfer, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def register_in(request: AuthedRequest) -> HttpResponse:
    """登记从系统外转入: a branch receives someone's letter from outside the system."""
    orgs = orgs_managed_by(request.user, ROSTER_MANAGE_ROLES)
    if not holds_any(request.user, ROSTER_MANAGE_ROLES):
        raise PermissionDenied("您不能登记转入的党员")
    form = TransferInForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            transfer = services.transfer_in_register(
                actor=actor_of(request),
                to_org=d["org"],
                data=form.to_data(),
                outside_org=d["outside_org"],
                outside_number=d["outside_number"],
                effective_on=d["effective_on"],
                reason=d["reason"],
            )
        except MemberInvalid as exc:
            for field, message in exc.problems.items():
                form.add_error(field if field in form.fields else None, message)
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已登记转入，编号 {transfer.number}")
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "transfers/register_in.html",
        {"form": form},
        status=400 if form.errors else 200,
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
