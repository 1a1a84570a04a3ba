"""The viewing loop's pages: plans (publish, summary, next plan), a viewing run from the
admin's phone (QR roll call, 代签, 群众, discussion, end), sign-in and feedback on the
attendee's phone."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.parse import ascii_int
from xianfeng.common.qr import qr_data_uri
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons.selectors import lessons_visible_to, published_lessons_for
from xianfeng.orgs.selectors import org_roots_for
from xianfeng.people.models import Member
from xianfeng.remote import rules, selectors, services
from xianfeng.remote.enums import AudienceGroup, PlanState, Topic, ViewingState
from xianfeng.remote.models import Feedback, OfflinePack, ViewingAttendance

LESSON_CHOICES = 60


def _error(request: AuthedRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


# --- plans ---------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request: AuthedRequest) -> HttpResponse:
    plans = (
        selectors.plans_visible_to(request.user).select_related("org").order_by("-starts_on", "-pk")
    )
    page = paginate(request, plans)
    return render(
        request,
        "remote/plans.html",
        {
            "page": page,
            "query": query_without_page(request),
            "can_plan": bool(org_roots_for(request.user, services.PLAN_ROLES)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: AuthedRequest) -> HttpResponse:
    roots = org_roots_for(request.user, services.PLAN_ROLES)
    if not roots:
        raise PermissionDenied("只有组织管理员可以发布收看计划")
    org = roots[0]
    sites = list(
        selectors.sites_visible_to(request.user)
        .filter(org__path__startswith=org.path)
        .select_related("org")
        .order_by("org__path", "code")
    )
    lessons = list(
        published_lessons_for(request.user).order_by("-published_at", "-pk")[:LESSON_CHOICES]
    )
    today = timezone.localdate()
    context: dict[str, Any] = {
        "org": org,
        "sites": sites,
        "lessons": lessons,
        "audiences": AudienceGroup.choices,
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=6)).isoformat(),
        "error": "",
    }
    if request.method == "POST":
        chosen_sites = [s for s in sites if s.code in request.POST.getlist("sites")]
        chosen_lessons = [x for x in lessons if str(x.pk) in request.POST.getlist("lessons")]
        starts_on = _date(request.POST.get("starts_on", ""))
        ends_on = _date(request.POST.get("ends_on", ""))
        if starts_on is None or ends_on is None:
            context["error"] = "请填写开始日期和截止日期"
        else:
            try:
                plan = services.plan_create(
                    actor=request.user,
                    org=org,
                    title=request.POST.get("title", ""),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    lessons=chosen_lessons,
                    sites=chosen_sites,
                    audience=request.POST.get("audience", AudienceGroup.ALL),
                    note=request.POST.get("note", ""),
                )
            except Refused as exc:
                context["error"] = exc.message
            else:
                return redirect("remote:plan", pk=plan.pk)
    return render(request, "remote/plan_new.html", context, status=400 if context["error"] else 200)


@login_required
@require_GET
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk)
    can_plan = services.can_plan(request.user, plan.org)
    my_sites = (
        list(selectors.sites_managed_by(request.user).filter(plans=plan).order_by("code"))
        if plan.state == PlanState.PUBLISHED
        else []
    )
    lessons = list(plan.lessons.order_by("pk"))
    # A plan may hold lessons published to another branch: their titles are listed, but
    # only the ones this person may open are links (the others would answer 404).
    openable = set(
        lessons_visible_to(request.user)
        .filter(pk__in=[lesson.pk for lesson in lessons])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "remote/plan.html",
        {
            "pack_sites": _pack_sites(request, plan, can_plan=can_plan, my_sites=my_sites),
            "plan": plan,
            "lessons": lessons,
            "openable": openable,
            "summary": services.plan_summary(plan) if can_plan else None,
            "can_plan": can_plan,
            "my_sites": my_sites,
            "next_plans": list(plan.next_plans.order_by("pk")) if can_plan else [],
        },
    )


def _pack_sites(
    request: AuthedRequest, plan: Any, *, can_plan: bool, my_sites: list[Any]
) -> list[tuple[Any, Any]]:
    """The sites of a published plan the person may pack for (all of them for its
    publisher, their own for a site admin), each with its newest offline pack."""
    if plan.state != PlanState.PUBLISHED:
        return []
    sites = list(plan.sites.order_by("code")) if can_plan else my_sites
    if not sites:
        return []
    newest: dict[int, Any] = {}
    for pack in OfflinePack.objects.filter(plan=plan, site__in=[s.pk for s in sites]).order_by(
        "-created_at", "-pk"
    ):
        newest.setdefault(pack.site_id, pack)
    return [(site, newest.get(site.pk)) for site in sites]


@login_required
@require_POST
def plan_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk)
    try:
        services.plan_publish(actor=request.user, plan=plan)
        messages.success(request, "收看计划已发布，已通知各站点管理员")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("remote:plan", pk=plan.pk)


@login_required
@require_POST
def plan_next(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk)
    try:
        draft = services.plan_draft_next(actor=request.user, plan=plan)
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
        return redirect("remote:plan", pk=plan.pk)
    messages.success(request, "已根据本期反馈拟定下期计划（草稿），核对后发布")
    return redirect("remote:plan", pk=draft.pk)


# --- viewings ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def viewing_new(request: AuthedRequest) -> HttpResponse:
    site = selectors.get_managed_site(request.user, request.GET.get("site", ""))
    plan = None
    plan_id = ascii_int(request.GET.get("plan", ""))
    if plan_id:
        plan = selectors.get_plan_for_user(request.user, plan_id)
    lessons = (
        list(plan.lessons.order_by("pk"))
        if plan
        else list(
            published_lessons_for(request.user).order_by("-published_at", "-pk")[:LESSON_CHOICES]
        )
    )
    context: dict[str, Any] = {
        "site": site,
        "plan": plan,
        "lessons": lessons,
        "audiences": AudienceGroup.choices,
        "error": "",
    }
    if request.method == "POST":
        chosen = [x for x in lessons if str(x.pk) in request.POST.getlist("lessons")]
        try:
            viewing = services.viewing_start(
                actor=request.user,
                site=site,
                plan=plan,
                title=request.POST.get("title", ""),
                lessons=chosen,
                place=request.POST.get("place", ""),
                audience=request.POST.get("audience", AudienceGroup.ALL),
            )
        except (Refused, PermissionDenied) as exc:
            context["error"] = getattr(exc, "message", None) or str(exc)
        else:
            return redirect("remote:viewing", pk=viewing.pk)
    return render(
        request, "remote/viewing_new.html", context, status=400 if context["error"] else 200
    )


def _viewing_context(request: AuthedRequest, viewing: Any) -> dict[str, Any]:
    code = services.viewing_code(viewing)
    url = request.build_absolute_uri(reverse("remote:checkin", args=[code]))
    return {"viewing": viewing, "qr": qr_data_uri(url), "url": url}


@login_required
@never_cache
@require_GET
def viewing_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    viewing = selectors.get_viewing_for_user(request.user, pk)
    can_run = rules.can_manage_site(request.user, viewing.site)
    if request.htmx and can_run and viewing.state == ViewingState.OPEN:
        return render(request, "remote/viewing.html#qr", _viewing_context(request, viewing))
    attendance = list(
        ViewingAttendance.objects.filter(viewing=viewing).select_related("user").order_by("at")
    )
    signed = {a.user_id for a in attendance}
    members = (
        list(
            Member.objects.filter(org__path__startswith=viewing.site.org.path)
            .exclude(user_id__in=signed)
            .select_related("user")
            .order_by("user__name")[:300]
        )
        if can_run and viewing.state != ViewingState.CANCELLED
        else []
    )
    context = {
        "viewing": viewing,
        "lessons": list(viewing.lessons.order_by("pk")),
        "attendance": attendance,
        "members_count": sum(1 for a in attendance if a.is_member),
        "feedback": list(
            Feedback.objects.filter(viewing=viewing).select_related("user").order_by("-updated_at")
        ),
        "photos": list(viewing.photos.order_by("created_at", "pk")),
        "can_run": can_run,
        "unsigned": members,
        "topics": Topic.choices,
        "stars": range(1, 6),
    }
    if can_run and viewing.state == ViewingState.OPEN:
        context.update(_viewing_context(request, viewing))
    return render(request, "remote/viewing.html", context)


@login_required
@require_POST
def viewing_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    viewing = selectors.get_viewing_for_user(request.user, pk)
    try:
        if action == "proxy":
            member = (
                Member.objects.select_related("org")
                .filter(pk=ascii_int(request.POST.get("member", "")) or 0)
                .first()
            )
            if member is None:
                raise Refused("请选择党员")
            services.viewing_proxy_sign(actor=request.user, viewing=viewing, member=member)
        elif action == "record":
            residents = ascii_int(request.POST.get("residents", "").strip() or "0")
            if residents is None:
                raise Refused("群众人数应为整数")
            services.viewing_record(
                actor=request.user,
                viewing=viewing,
                residents=residents,
                discussion=request.POST.get("discussion", ""),
            )
        elif action == "end":
            services.viewing_end(actor=request.user, viewing=viewing)
            messages.success(request, "本次收看已结束，参加者已计入集体收看")
        elif action == "cancel":
            services.viewing_cancel(actor=request.user, viewing=viewing)
        elif action == "feedback":
            attendee = (
                ViewingAttendance.objects.filter(
                    viewing=viewing, user_id=ascii_int(request.POST.get("user", "")) or 0
                )
                .select_related("user")
                .first()
            )
            if attendee is None:
                raise Refused("请选择参加者")
            services.feedback_give(
                user=attendee.user,
                viewing=viewing,
                rating=ascii_int(request.POST.get("rating", "")) or 0,
                comment=request.POST.get("comment", ""),
                wanted=request.POST.get("wanted", ""),
                proxy_by=request.user,
            )
        else:
            raise Refused("未知操作")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("remote:viewing", pk=viewing.pk)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request: AuthedRequest, token: str) -> HttpResponse:
    """Opened from the QR code on the screen with the attendee's own phone."""
    context: dict[str, Any] = {"token": token, "done": None, "error": ""}
    try:
        context["viewing"] = services.viewing_for_code(token)
        if request.method == "POST":
            context["done"] = services.viewing_checkin(user=request.user, token=token)
    except Refused as exc:
        context["error"] = exc.message
    return render(request, "remote/checkin.html", context, status=400 if context["error"] else 200)


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: AuthedRequest, pk: int) -> HttpResponse:
    viewing = selectors.get_attended_viewing(request.user, pk)
    mine = Feedback.objects.filter(viewing=viewing, user=request.user).first()
    context: dict[str, Any] = {
        "viewing": viewing,
        "mine": mine,
        "topics": Topic.choices,
        "stars": range(1, 6),
        "error": "",
        "saved": False,
    }
    if request.method == "POST":
        try:
            context["mine"] = services.feedback_give(
                user=request.user,
                viewing=viewing,
                rating=ascii_int(request.POST.get("rating", "")) or 0,
                comment=request.POST.get("comment", ""),
                wanted=request.POST.get("wanted", ""),
            )
            context["saved"] = True
        except Refused as exc:
            context["error"] = exc.message
    return render(request, "remote/feedback.html", context, status=400 if context["error"] else 200)
