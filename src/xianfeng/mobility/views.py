"""Pages of 流动党员: the home branch's list, registering a member away, one record with its
contacts and activities."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate
from xianfeng.common.types import AuthedRequest, actor_of
from xianfeng.mobility import services
from xianfeng.mobility.enums import quarter_label, quarter_of
from xianfeng.mobility.forms import ActivityForm, ContactForm, RegisterForm, ReturnForm
from xianfeng.mobility.models import (
    MobileActivity,
    MobileContact,
    MobileRecord,
    MobileRecordChange,
)
from xianfeng.mobility.selectors import get_record_for_user, home_list, host_list
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, ROSTER_MANAGE_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_manage_roster, holds_any
from xianfeng.people.selectors import get_member_for_user

SHOWS = [("", "外出中"), ("uncontacted", "本季度未联系"), ("returned", "已返回")]


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    if not holds_any(request.user, ROSTER_MANAGE_ROLES):
        raise PermissionDenied("只有支部书记、组织委员和组织管理员可以查看流动党员")
    show = request.GET.get("show", "")
    show = show if show in dict(SHOWS) else ""
    today = timezone.localdate()
    hosted: QuerySet[MobileRecord] = host_list(request.user)
    return render(
        request,
        "mobility/index.html",
        {
            "page": paginate(request, home_list(request.user, show=show, today=today)),
            "show": show,
            "shows": SHOWS,
            "quarter": quarter_label(quarter_of(today)),
            "hosted": list(hosted[:50]),
        },
    )


INCOMING_SHOWS = [("", "在本地"), ("returned", "已离开")]


@login_required
def incoming(request: AuthedRequest) -> HttpResponse:
    """流入党员: members of other branches registered to an org the person looks after."""
    if not holds_any(request.user, ROSTER_MANAGE_ROLES):
        raise PermissionDenied("只有支部书记、组织委员和组织管理员可以查看流动党员")
    show = request.GET.get("show", "")
    show = show if show in dict(INCOMING_SHOWS) else ""
    return render(
        request,
        "mobility/incoming.html",
        {
            "page": paginate(request, host_list(request.user, returned=show == "returned")),
            "show": show,
            "shows": INCOMING_SHOWS,
        },
    )


def _away(form: RegisterForm, host: Org | None) -> services.Away:
    d = form.cleaned_data
    return services.Away(
        place=d["place"], phone=d["phone"], left_on=d["left_on"], workplace=d["workplace"],
        host_org=host, host_name=d["host_name"], host_contact=d["host_contact"],
        card_number=d["card_number"], expected_back=d["expected_back"], note=d["note"],
    )  # fmt: skip


def _host_of(form: RegisterForm) -> tuple[bool, Org | None]:
    """The org named by its code in the form (in the system): (found or no code, org)."""
    code = form.cleaned_data["host_code"].strip()
    host = Org.objects.filter(code=code, kind__in=MEMBER_ORG_KINDS).first() if code else None
    if code and host is None:
        form.add_error("host_code", f"系统中没有代码为“{code}”的党组织，系统外的请填写名称")
        return False, None
    return True, host


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """The home branch edits a registration; each change is kept in its history."""
    record, side = get_record_for_user(request.user, pk)
    if side != "home":
        raise PermissionDenied("只有流出支部可以修改外出登记")
    initial = {
        name: getattr(record, name)
        for name in ("place", "workplace", "phone", "host_name", "host_contact", "card_number",
                     "left_on", "expected_back", "note")
    }  # fmt: skip
    initial["host_code"] = record.host_org.code if record.host_org else ""
    form = RegisterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, host = _host_of(form)
        if ok:
            try:
                change = services.mobile_update(
                    actor=actor_of(request), record=record, away=_away(form, host)
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "已保存修改" if change else "没有修改")
                return redirect("mobility:detail", pk=record.pk)
    return render(
        request,
        "mobility/edit.html",
        {"record": record, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def register(request: AuthedRequest, member_pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, member_pk)
    if not can_manage_roster(request.user, member.org):
        raise PermissionDenied("您不能为该党员办理外出登记")
    form = RegisterForm(request.POST or None, initial={"phone": member.user.phone or ""})
    if request.method == "POST" and form.is_valid():
        ok, host = _host_of(form)
        if ok:
            try:
                record = services.mobile_register(
                    actor=actor_of(request), member=member, away=_away(form, host)
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已登记{member.user.name}外出")
                return redirect("mobility:detail", pk=record.pk)
    return render(
        request,
        "mobility/register.html",
        {"member": member, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def for_member(request: AuthedRequest, member_pk: int) -> HttpResponse:
    """From the member page: their open registration (away), else the form to register one."""
    member = get_member_for_user(request.user, member_pk)
    if not can_manage_roster(request.user, member.org):
        raise PermissionDenied("您不能查看该党员的流动情况")
    record = MobileRecord.objects.filter(member=member, returned_on__isnull=True).only("pk").first()
    if record is None:
        return redirect("mobility:register", member_pk=member.pk)
    return redirect("mobility:detail", pk=record.pk)


def _detail(request: AuthedRequest, pk: int, **forms: Any) -> HttpResponse:
    record, side = get_record_for_user(request.user, pk)
    home = side == "home"
    open_ = record.returned_on is None
    return render(
        request,
        "mobility/detail.html",
        {
            "record": record,
            "side": side,
            # The home branch's notes about the member stay with the home branch.
            "contacts": list(
                MobileContact.objects.filter(record=record).select_related("recorded_by")
            )
            if home
            else [],
            "activities": list(
                MobileActivity.objects.filter(record=record).select_related("org", "recorded_by")
            ),
            # The edits show old phones and notes: the home branch's too.
            "changes": list(
                MobileRecordChange.objects.filter(record=record).select_related("changed_by")
            )
            if home
            else [],
            "contact_form": forms.get("contact_form") or ContactForm() if home and open_ else None,
            "activity_form": forms.get("activity_form") or ActivityForm()
            if side != "self" and (open_ or home)
            else None,
            "return_form": forms.get("return_form") or ReturnForm() if home and open_ else None,
        },
        status=400 if forms else 200,
    )


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@login_required
@require_POST
def contact(request: AuthedRequest, pk: int) -> HttpResponse:
    record, side = get_record_for_user(request.user, pk)
    if side != "home":
        raise PermissionDenied("只有流出支部可以记录联系情况")
    form = ContactForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.mobile_contact_add(
                actor=actor_of(request), record=record, on=d["on"], way=d["way"],
                summary=d["summary"],
            )  # fmt: skip
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已记录联系情况")
            return redirect("mobility:detail", pk=record.pk)
    return _detail(request, pk, contact_form=form)


@login_required
@require_POST
def activity(request: AuthedRequest, pk: int) -> HttpResponse:
    record, side = get_record_for_user(request.user, pk)
    if side == "self":
        raise PermissionDenied("您不能为该流动党员记录活动")
    form = ActivityForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.mobile_activity_add(
                actor=actor_of(request), record=record, on=d["on"], kind=d["kind"],
                title=d["title"],
            )  # fmt: skip
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已记录")
            return redirect("mobility:detail", pk=record.pk)
    return _detail(request, pk, activity_form=form)


@login_required
@require_POST
def came_back(request: AuthedRequest, pk: int) -> HttpResponse:
    record, side = get_record_for_user(request.user, pk)
    if side != "home":
        raise PermissionDenied("只有流出支部可以登记返回")
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.mobile_return(
                actor=actor_of(request), record=record, on=form.cleaned_data["returned_on"]
            )
        except Refused as exc:
            form.add_error("returned_on", exc.message)
        else:
            messages.success(request, f"已登记{record.member.user.name}返回")
            return redirect("mobility:detail", pk=record.pk)
    return _detail(request, pk, return_form=form)
