"""Pages of 点课, 轮番主讲 and 每人讲一课 (thin: parse, check, call a service)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice import services
from xianfeng.lessons.practice.coverage import coverage_of, current_year, member_lectures
from xianfeng.lessons.practice.enums import RequestState, SlotStatus
from xianfeng.lessons.practice.exports import coverage_workbook
from xianfeng.lessons.practice.forms import RequestForm, RotaForm, SlotForm
from xianfeng.lessons.practice.rules import (
    PRACTICE_ROLES,
    can_close_request,
    can_edit_rota,
    can_give_request,
    is_slot_speaker,
)
from xianfeng.lessons.practice.selectors import (
    get_request_for_user,
    get_rota_for_user,
    get_slot_for_user,
    my_slots,
    request_list,
    rota_slots,
    rotas_visible_to,
    secretaries_without_a_turn,
)
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for, orgs_managed_by

TABS = {
    RequestState.OPEN: "征集中",
    RequestState.TAKEN: "已认领",
    RequestState.GIVEN: "已开讲",
}


@login_required
@require_http_methods(["GET", "POST"])
def requests(request: AuthedRequest) -> HttpResponse:
    """点课: open requests by votes (or taken / given ones), and asking for a topic."""
    orgs = services.request_orgs(request.user)
    form = RequestForm(request.POST or None, orgs=orgs)
    if request.method == "POST":
        if not orgs:
            raise PermissionDenied("只有党员可以点课")
        if form.is_valid():
            try:
                created = services.lesson_request_create(
                    actor=request.user,
                    org=form.orgs[form.cleaned_data["org"]],
                    topic=form.cleaned_data["topic"],
                    reason=form.cleaned_data["reason"],
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "点课已发出，等大家附议")
                return redirect("lessons:request", pk=created.pk)
    state = request.GET.get("state", RequestState.OPEN)
    if state not in TABS:
        state = RequestState.OPEN
    return render(
        request,
        "lessons/practice/requests.html",
        {
            "items": list(request_list(request.user, state=state)[:100]),
            "form": form if orgs else None,
            "tabs": TABS,
            "state": state,
        },
    )


@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_request_for_user(request.user, pk)
    user = request.user
    lessons: list[Lesson] = []
    if item.state == RequestState.TAKEN and can_give_request(user, item):
        lessons = list(
            published_lessons_for(user)
            .filter(author_id=item.taken_by_id)
            .order_by("-published_at")[:20]
        )
    return render(
        request,
        "lessons/practice/request.html",
        {
            "item": item,
            "may_second": item.state == RequestState.OPEN and item.requested_by_id != user.pk,
            "may_take": item.state == RequestState.OPEN,
            "may_give": item.state == RequestState.TAKEN and can_give_request(user, item),
            "may_close": item.state in (RequestState.OPEN, RequestState.TAKEN)
            and can_close_request(user, item),
            "lessons": lessons,
        },
    )


@login_required
@require_POST
def request_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    item = get_request_for_user(request.user, pk)
    actor = request.user
    try:
        if action == "second":
            services.lesson_request_second(actor=actor, request=item)
        elif action == "unsecond":
            services.lesson_request_unsecond(actor=actor, request=item)
        elif action == "take":
            services.lesson_request_take(actor=actor, request=item)
            messages.success(request, "已认领，讲完后请关联微党课")
        elif action == "release":
            services.lesson_request_release(actor=actor, request=item)
        elif action == "give":
            lesson_id = int_param(request.POST.get("lesson"), label="微党课", field="lesson")
            lesson = published_lessons_for(actor).filter(pk=lesson_id or 0).first()
            if lesson is None:
                raise Refused("请选择一节已发布的微党课", field="lesson")
            services.lesson_request_give(actor=actor, request=item, lesson=lesson)
            messages.success(request, "已关联微党课，点课人和附议的同志会收到通知")
        elif action == "close":
            services.lesson_request_close(actor=actor, request=item)
        else:
            raise Http404("未知操作")
    except Refused as exc:
        messages.error(request, exc.message)
    if action in ("second", "unsecond") and request.POST.get("next") == "list":
        return redirect("lessons:requests")
    return redirect("lessons:request", pk=item.pk)


@login_required
@require_http_methods(["GET", "POST"])
def rotas(request: AuthedRequest) -> HttpResponse:
    """The rotas the person takes part in or runs, their own turns, and a new rota."""
    branches = list(
        orgs_managed_by(request.user, PRACTICE_ROLES)
        .filter(kind=OrgKind.BRANCH)
        .order_by("path")[:300]
    )
    form = RotaForm(
        request.POST or None, orgs=branches, initial={"year": timezone.localdate().year}
    )
    if request.method == "POST":
        if not branches:
            raise PermissionDenied("只有书记、委员或组织管理员可以安排轮番主讲")
        if form.is_valid():
            try:
                rota = services.rota_create(
                    actor=request.user,
                    org=form.orgs[form.cleaned_data["org"]],
                    year=form.cleaned_data["year"],
                    title=form.cleaned_data["title"],
                )
            except Refused as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("lessons:rota", pk=rota.pk)
    today = timezone.localdate()
    mine = [(s, s.status_on(today)) for s in my_slots(request.user).filter(rota__year=today.year)]
    return render(
        request,
        "lessons/practice/rotas.html",
        {
            "rotas": list(rotas_visible_to(request.user).select_related("org")[:100]),
            "mine": mine,
            "form": form if branches else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rota(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_rota_for_user(request.user, pk)
    editable = can_edit_rota(request.user, item)
    form = SlotForm(request.POST or None, org=item.org) if editable else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有本支部的书记、委员或上级管理员可以安排轮番主讲")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.rota_slot_add(
                    actor=request.user,
                    rota=item,
                    speaker=data["speaker"],
                    category=data["category"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    topic=data["topic"],
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "已加入轮次")
                return redirect("lessons:rota", pk=item.pk)
    today = timezone.localdate()
    slots = rota_slots(item)
    rows = [(s, s.status_on(today)) for s in slots]
    counts = {key: sum(1 for _, st in rows if st == key) for key in SlotStatus.values}
    upcoming = [s for s, st in rows if st == SlotStatus.UPCOMING]
    return render(
        request,
        "lessons/practice/rota.html",
        {
            "rota": item,
            "rows": rows,
            "counts": counts,
            "labels": dict(SlotStatus.choices),
            "editable": editable,
            "form": form,
            "upcoming": upcoming,
            "me": request.user.pk,
            # Shown to those who arrange the rota (the rules: 书记 at least once a year).
            "secretaries_missing": secretaries_without_a_turn(item) if editable else [],
        },
    )


@login_required
@require_POST
def slot_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    slot = get_slot_for_user(request.user, pk)
    actor = request.user
    try:
        if action == "remove":
            services.rota_slot_remove(actor=actor, slot=slot)
        elif action == "swap":
            other_id = int_param(request.POST.get("other"), label="轮次", field="other")
            other = get_slot_for_user(actor, other_id or 0)
            if not (is_slot_speaker(actor, slot) or can_edit_rota(actor, slot.rota)):
                raise PermissionDenied("只有本轮主讲人可以申请对调")
            services.rota_swap_propose(actor=actor, slot=slot, other=other)
            messages.success(request, "已发出对调申请，等对方同意")
        elif action == "accept":
            services.rota_swap_accept(actor=actor, slot=slot)
            messages.success(request, "已对调")
        else:
            raise Http404("未知操作")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("lessons:rota", pk=slot.rota_id)


@login_required
def coverage(request: AuthedRequest) -> HttpResponse:
    """每人至少讲过一次: an org's subtree in a year, with drill-down and Excel export."""
    user = request.user
    code = request.GET.get("org", "")
    if code:
        org = get_org_for_user(user, code, PRACTICE_ROLES)
    else:
        roots = org_roots_for(user, PRACTICE_ROLES)
        if not roots:
            raise Http404("找不到该组织")
        org = roots[0]
    year = int_param(
        request.GET.get("year"), default=current_year(), minimum=2000, maximum=2100, label="年度"
    )
    assert year is not None
    data = coverage_of(org, year)
    people = member_lectures(org, year) if org.kind == OrgKind.BRANCH else []
    if request.GET.get("format") == "xlsx":
        return coverage_workbook(data, people)
    return render(
        request,
        "lessons/practice/coverage.html",
        {"data": data, "people": people, "years": range(current_year(), current_year() - 5, -1)},
    )
