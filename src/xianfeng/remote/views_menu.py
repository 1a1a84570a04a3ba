"""点菜式 weekly menu pages: the phone page where members and residents order, the site
admin's page (offers, orders by audience group, fixing the menu, starting an item), and
the county's festival calendar for 户外示范点."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.parse import ascii_int
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.orgs.enums import Region
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for
from xianfeng.remote import rules, selectors, services
from xianfeng.remote.enums import AudienceGroup
from xianfeng.remote.models import MenuOrder, MenuSlot
from xianfeng.remote.services.admin import ORG_ADMIN

LESSON_CHOICES = 60


def _error(request: AuthedRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


def _week(request: HttpRequest) -> datetime.date:
    """The Monday of `?week=` (any day of it), else of this week."""
    text = request.GET.get("week", "") or request.POST.get("week", "")
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        day = timezone.localdate()
    return services.week_of(day)


def _week_nav(week: datetime.date) -> dict[str, Any]:
    return {
        "week": week,
        "week_end": week + datetime.timedelta(days=6),
        "prev_week": (week - datetime.timedelta(days=7)).isoformat(),
        "next_week": (week + datetime.timedelta(days=7)).isoformat(),
    }


# --- members and residents ------------------------------------------------------------------


@login_required
@require_GET
def menu(request: AuthedRequest) -> HttpResponse:
    """This week's offers of the person's community, with their own orders."""
    week = _week(request)
    offers = list(
        selectors.menu_offers_for_person(request.user, week)
        .select_related("lesson", "site", "org")
        .order_by("deadline", "pk")
    )
    mine = dict(
        MenuOrder.objects.filter(user=request.user, offer__in=[o.pk for o in offers]).values_list(
            "offer_id", "audience"
        )
    )
    now = timezone.now()
    rows = [{"offer": o, "ordered": mine.get(o.pk), "open": now < o.deadline} for o in offers]
    return render(
        request,
        "remote/menu.html",
        {
            "rows": rows,
            "audiences": AudienceGroup.choices,
            "has_community": bool(selectors.community_paths(request.user)),
            **_week_nav(week),
        },
    )


@login_required
@require_POST
def menu_order(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = selectors.get_menu_offer_for_person(request.user, pk)
    try:
        if request.POST.get("action") == "cancel":
            services.menu_order_cancel(user=request.user, offer=offer)
            messages.success(request, "已取消点单")
        else:
            services.menu_order_set(
                user=request.user,
                offer=offer,
                audience=request.POST.get("audience", AudienceGroup.ALL),
            )
            messages.success(request, "已点单")
    except Refused as exc:
        _error(request, exc)
    return redirect(f"/remote/menu/?week={offer.week.isoformat()}#offer-{offer.pk}")


# --- the site admin ----------------------------------------------------------------------


def _local_datetime(text: str) -> datetime.datetime | None:
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
@require_http_methods(["GET", "POST"])
def site_menu(request: AuthedRequest, code: str) -> HttpResponse:
    site = selectors.get_managed_site(request.user, code)
    week = _week(request)
    town = services.site_town(site)
    can_town = town is not None and rules.can_admin_org(request.user, town)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add":
                _add_offer(request, site=site, week=week, town=town if can_town else None)
                messages.success(request, "已加入本周点单")
            elif request.POST.get("action") == "prefill":
                added = services.menu_prefill(actor=request.user, site=site, week=week)
                messages.success(
                    request,
                    f"已根据上周的点单和反馈拟定 {len(added)} 个点单课件，请核对后再通知群众"
                    if added
                    else "上周没有可沿用的点单或反馈",
                )
            elif request.POST.get("action") == "fix":
                slots = _fix(request, site=site, week=week)
                messages.success(request, f"本周菜单已确定：{len(slots)} 项")
        except (Refused, PermissionDenied) as exc:
            _error(request, exc)
        return redirect(f"{request.path}?week={week.isoformat()}")
    offers = list(
        selectors.menu_offers_for_site(site, week)
        .select_related("lesson", "org")
        .order_by("deadline", "pk")
    )
    counts = selectors.order_counts([o.pk for o in offers])
    slots = list(
        MenuSlot.objects.filter(site=site, offer__week=week)
        .select_related("offer__lesson", "viewing")
        .order_by("starts_at")
    )
    fixed = {s.offer_id: s for s in slots}
    labels = dict(AudienceGroup.choices)
    offers.sort(key=lambda o: -sum(counts[o.pk].values()))
    rows = [
        {
            "offer": o,
            "total": sum(counts[o.pk].values()),
            "groups": [(labels[a], n) for a, n in sorted(counts[o.pk].items())],
            "slot": fixed.get(o.pk),
        }
        for o in offers
    ]
    lessons = list(
        published_lessons_for(request.user).order_by("-published_at", "-pk")[:LESSON_CHOICES]
    )
    return render(
        request,
        "remote/site_menu.html",
        {
            "site": site,
            "rows": rows,
            "slots": slots,
            "lessons": lessons,
            "town": town if can_town else None,
            "audiences": AudienceGroup.choices,
            "full": sum(1 for o in offers if o.site_id == site.pk) >= services.MENU_SIZE,
            **_week_nav(week),
        },
    )


def _add_offer(request: AuthedRequest, *, site: Any, week: datetime.date, town: Any) -> None:
    lesson = (
        published_lessons_for(request.user)
        .filter(pk=ascii_int(request.POST.get("lesson", "")) or 0)
        .first()
    )
    if lesson is None:
        raise Refused("请选择课件")
    to_town = request.POST.get("scope") == "town" and town is not None
    services.menu_offer_add(
        actor=request.user,
        week=week,
        lesson=lesson,
        pitch=request.POST.get("pitch", ""),
        site=None if to_town else site,
        org=town if to_town else None,
    )


def _fix(request: AuthedRequest, *, site: Any, week: datetime.date) -> list[MenuSlot]:
    offers = {o.pk: o for o in selectors.menu_offers_for_site(site, week).select_related("lesson")}
    choices = []
    for raw in request.POST.getlist("offer"):
        offer = offers.get(ascii_int(raw) or 0)
        if offer is None:
            raise Refused("所选课件不在本站点本周的点单里")
        starts_at = _local_datetime(request.POST.get(f"at-{offer.pk}", ""))
        if starts_at is None:
            raise Refused(f"请为“{offer.pitch or offer.lesson.title}”填写收看时间")
        choices.append(
            services.MenuChoice(
                offer=offer,
                starts_at=starts_at,
                audience=request.POST.get(f"audience-{offer.pk}", AudienceGroup.ALL),
            )
        )
    return services.menu_fix(actor=request.user, site=site, week=week, choices=choices)


@login_required
@require_POST
def offer_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = selectors.get_managed_offer(request.user, pk)
    try:
        services.menu_offer_remove(actor=request.user, offer=offer)
        messages.success(request, "已撤下")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    back = request.POST.get("site", "")
    if back and selectors.sites_managed_by(request.user).filter(code=back).exists():
        return redirect(f"/remote/sites/{back}/menu/?week={offer.week.isoformat()}")
    return redirect("remote:menu")


@login_required
@require_POST
def slot_start(request: AuthedRequest, pk: int) -> HttpResponse:
    slot = selectors.get_managed_slot(request.user, pk)
    try:
        viewing = services.menu_slot_start(actor=request.user, slot=slot)
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
        return redirect(f"/remote/sites/{slot.site.code}/menu/")
    return redirect("remote:viewing", pk=viewing.pk)


# --- the festival calendar -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def festivals(request: AuthedRequest) -> HttpResponse:
    """A county's festival calendar for 户外示范点 (starts from the default list)."""
    code = request.GET.get("org", "") or request.POST.get("org", "")
    if code:
        org = get_org_for_user(request.user, code, ORG_ADMIN)
    else:
        roots = [o for o in org_roots_for(request.user, ORG_ADMIN)]
        if not roots:
            raise PermissionDenied("只有组织管理员可以编辑节日放映表")
        org = roots[0]
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "seed":
                services.festivals_seed(actor=request.user, org=org)
            elif action == "remove":
                festival = (
                    selectors.festivals_of(org)
                    .filter(pk=ascii_int(request.POST.get("festival", "")) or 0)
                    .first()
                )
                if festival is not None:
                    services.festival_remove(actor=request.user, festival=festival)
            else:
                month = ascii_int(request.POST.get("month", "")) or 0
                day = ascii_int(request.POST.get("day", "")) or 0
                services.festival_add(
                    actor=request.user,
                    org=org,
                    name=request.POST.get("name", ""),
                    month=month,
                    day=day,
                    programme=request.POST.get("programme", ""),
                )
            messages.success(request, "已保存")
        except Refused as exc:
            _error(request, exc)
        return redirect(f"{request.path}?org={org.code}")
    rows = list(selectors.festivals_of(org))
    return render(
        request,
        "remote/festivals.html",
        {
            "org": org,
            "rows": rows,
            "defaults": services.DEFAULT_FESTIVALS if not rows else (),
            "is_county": org.region == Region.COUNTY,
        },
    )
