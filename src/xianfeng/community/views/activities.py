"""微行动 pages: the activity list, an activity (sign up, waiting list, roster, hours),
posting, the QR screen at the place and the scan, a person's hours, an org's members'
hours. Thin: parse, select, call."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import keyset_page_by, query_without
from xianfeng.common.parse import ascii_int
from xianfeng.common.qr import qr_data_uri
from xianfeng.common.types import AuthedRequest
from xianfeng.community import rules
from xianfeng.community.enums import (
    ACTIVITY_QR_STEP_SECONDS,
    REVIEW_ROLES,
    ActivityKind,
    ActivityState,
    SignupState,
)
from xianfeng.community.forms import ActivityForm
from xianfeng.community.models import Signup
from xianfeng.community.selectors import activities as selectors
from xianfeng.community.selectors.honors import honors_of_person
from xianfeng.community.services import activities as services
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for, orgs_managed_by


def _error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


@require_GET
def activities(request: HttpRequest) -> HttpResponse:
    """Activities by time, the person's own community first; members can pick 组织生活."""
    user: Any = request.user
    when = request.GET.get("when", "upcoming")
    when = when if when in selectors.WHEN_CHOICES else "upcoming"
    kind = request.GET.get("kind", "")
    filters = selectors.ActivityFilters(
        when=when,
        org_life=request.GET.get("menu") == "1",
        kind=kind if kind in ActivityKind.values else "",
    )
    page = keyset_page_by(
        request, selectors.activity_list(user, filters), selectors.activity_keys(filters)
    )
    return render(
        request,
        "community/activities.html",
        {
            "page": page,
            "query": query_without(request, "after", "page"),
            "filters": filters,
            "whens": selectors.WHEN_CHOICES.items(),
            "kinds": ActivityKind.choices,
            "is_member": rules.is_member(user),
            "can_post": bool(getattr(user, "is_authenticated", False))
            and orgs_managed_by(user, REVIEW_ROLES).exists(),
        },
    )


@require_GET
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    item = selectors.get_activity(pk)
    mine = selectors.my_signup(user, item)
    organiser = rules.manages(user, item.org)
    now = timezone.now()
    return render(
        request,
        "community/activity.html",
        {
            "activity": item,
            "mine": mine if mine is not None and mine.state != SignupState.CANCELLED else None,
            "place": selectors.waiting_place(mine)
            if mine is not None and mine.state == SignupState.WAITING
            else 0,
            "can_join": item.state == ActivityState.PUBLISHED and now <= item.signup_deadline,
            "can_leave": now < item.starts_at,
            "organiser": organiser,
            "roster": selectors.signups_of(item) if organiser else [],
            "members_only_refused": item.audience == "members" and not rules.is_member(user),
            "signed_in": bool(getattr(user, "is_authenticated", False)),
            "map_query": item.place,
        },
    )


ACTIVITY_ACTIONS = {"join", "leave", "cancel", "hours"}


@login_required
@require_POST
def activity_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIVITY_ACTIONS:
        raise Http404("没有这个操作")
    item = selectors.get_activity(pk)
    actor, post = request.user, request.POST
    try:
        if action == "join":
            row = services.signup_join(actor=actor, activity=item)
            messages.success(
                request,
                "报名成功" if row.state == SignupState.CONFIRMED else "名额已满，您已在候补名单中",
            )
        elif action == "leave":
            services.signup_cancel(actor=actor, activity=item)
            messages.success(request, "已取消报名")
        elif action == "cancel":
            services.activity_cancel(actor=actor, activity=item, reason=post.get("reason", ""))
            messages.success(request, "活动已取消，已通知报名的人")
        else:
            target = Signup.objects.filter(
                activity=item, pk=ascii_int(post.get("signup", "")) or 0
            ).first()
            if target is None or not rules.manages(actor, item.org):
                raise Http404("找不到该报名")
            try:
                hours = Decimal(post.get("hours", "").strip()[:8])
            except InvalidOperation as exc:
                raise Refused("请填写正确的时长，例如 2.5") from exc
            services.hours_correct(
                actor=actor, signup=target, hours=hours, reason=post.get("reason", "")
            )
            messages.success(request, "时长已更正")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("community:activity", pk=item.pk)


def _post_orgs(user: Any) -> Any:
    return Org.objects.filter(
        pk__in=list(orgs_managed_by(user, REVIEW_ROLES).values_list("pk", flat=True)[:500])
    ).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: AuthedRequest) -> HttpResponse:
    orgs = _post_orgs(request.user)
    if not orgs.exists():
        raise PermissionDenied("只有党组织的书记、支委或管理员可以发布活动")
    form = ActivityForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.activity_create(
                actor=request.user,
                org=d["org"],
                kind=d["kind"],
                title=d["title"],
                description=d["description"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                place=d["place"],
                capacity=d["capacity"],
                audience=d["audience"],
                signup_deadline=d["signup_deadline"],
                tags=d["tags"],
                org_life=d["org_life"],
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "活动已发布")
            return redirect("community:activity", pk=item.pk)
    return render(request, "community/activity_new.html", {"form": form})


@login_required
@never_cache
def activity_qr(request: AuthedRequest, pk: int) -> HttpResponse:
    """The code shown at the place (a phone or a screen); it changes every 30 s."""
    item = selectors.get_activity(pk)
    if not rules.manages(request.user, item.org):
        raise Http404("找不到该活动")
    now = timezone.now()
    url = request.build_absolute_uri(
        reverse("community:activity_scan", args=[services.checkin_token(item, now)])
    )
    context = {
        "activity": item,
        "url": url,
        "qr": qr_data_uri(url, box_size=8),
        "seconds_left": ACTIVITY_QR_STEP_SECONDS - int(now.timestamp()) % ACTIVITY_QR_STEP_SECONDS,
        "checked_in": Signup.objects.filter(activity=item, checked_in_at__isnull=False).count(),
    }
    template = "community/activity_qr.html#code" if request.htmx else "community/activity_qr.html"
    return render(request, template, context)


@never_cache
@require_http_methods(["GET", "POST"])
def activity_scan(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the QR code: confirm, then check in (or out). Logged out: log in first
    (the code lives a minute; a fresh scan after logging in is needed)."""
    context: dict[str, Any] = {"token": token, "done": None, "error": ""}
    try:
        context["activity"], _ = services.activity_for_token(token)
    except Refused as exc:
        context["error"] = exc.message
        return render(request, "community/activity_scan.html", context, status=400)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        try:
            context["done"] = services.signup_scan(actor=request.user, token=token)
        except (Refused, PermissionDenied) as exc:
            context["error"] = getattr(exc, "message", None) or str(exc)
    return render(request, "community/activity_scan.html", context)


@login_required
@require_GET
def my_hours(request: AuthedRequest) -> HttpResponse:
    """The person's activities and service hours this year, and what they signed up for."""
    year = timezone.localdate().year
    return render(
        request,
        "community/hours.html",
        {
            "year": year,
            "record": selectors.hours_of(request.user, year),
            "honors": honors_of_person(request.user.pk),
            "upcoming": list(selectors.my_signups(request.user, upcoming_only=True)[:20]),
        },
    )


@login_required
@require_GET
def org_hours(request: AuthedRequest) -> HttpResponse:
    """An org's members' service hours this year (their 双报道 hours included)."""
    code = request.GET.get("org", "")[:32]
    if code:
        org = get_org_for_user(request.user, code, REVIEW_ROLES)
    else:
        roots = org_roots_for(request.user, REVIEW_ROLES)
        if not roots:
            raise PermissionDenied("只有党组织的书记、支委或管理员可以查看党员服务时长")
        org = roots[0]
    year = timezone.localdate().year
    rows = selectors.members_hours(org, year)
    return render(
        request,
        "community/org_hours.html",
        {
            "org": org,
            "year": year,
            "rows": rows,
            "total": sum((r["hours"] for r in rows), Decimal(0)),
        },
    )
