"""远程教育 pages: the sites a person runs (online status, devices), pairing a TV from the
phone, the 开机通报 drill-down, and the TV's own pages (no login: a device token)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.parse import json_object
from xianfeng.common.qr import qr_data_uri
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for
from xianfeng.remote import bulletin as bulletins
from xianfeng.remote import pdf as remote_pdf
from xianfeng.remote import rules, selectors, services
from xianfeng.remote.enums import BULLETIN_ROLES, SiteKind
from xianfeng.remote.report import report_card

ONLINE_MINUTES = 11  # two missed five-minute beats and a bit


def _online(site: Any, now: datetime.datetime) -> bool:
    return site.last_beat_at is not None and now - site.last_beat_at <= datetime.timedelta(
        minutes=ONLINE_MINUTES
    )


# --- the site admin's pages ---------------------------------------------------------------


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    """The sites the person sees, with online / last seen."""
    if not rules.sees_sites_anywhere(request.user):
        raise PermissionDenied("您没有管理远程教育站点的权限")
    sites = selectors.sites_visible_to(request.user).select_related("org").order_by("code")
    page = paginate(request, sites)
    now = timezone.now()
    rows = [{"site": s, "online": _online(s, now)} for s in page.object_list]
    return render(
        request,
        "remote/index.html",
        {
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "can_pair": rules.manages_sites_anywhere(request.user),
            "can_bulletin": rules.reads_bulletins_anywhere(request.user),
        },
    )


@login_required
@require_GET
def site_detail(request: AuthedRequest, code: str) -> HttpResponse:
    site = selectors.get_site_for_user(request.user, code)
    now = timezone.now()
    local = timezone.localtime(now)
    month = bulletins.site_month(site, local.year, local.month, now=now)
    return render(
        request,
        "remote/site.html",
        {
            "site": site,
            "online": _online(site, now),
            "devices": list(selectors.devices_of(site)),
            "suspensions": list(site.suspensions.all()),
            "month": month,
            "can_manage": rules.can_manage_site(request.user, site),
            "household": list(selectors.household_of(site))
            if site.kind == SiteKind.HOUSEHOLD
            else None,
        },
    )


@login_required
@require_GET
def site_report(request: AuthedRequest, code: str) -> HttpResponse:
    """A site's report card for a month: figures against targets, attendance, feedback,
    rank in its town and county."""
    site = selectors.get_site_for_user(request.user, code)
    year, month = _month_param(request)
    card = report_card(site, year, month, now=timezone.now())
    first = datetime.date(year, month, 1)
    return render(
        request,
        "remote/report.html",
        {
            "card": card,
            "site": site,
            "month_param": f"{year}-{month:02d}",
            "prev_month": (first - datetime.timedelta(days=1)).strftime("%Y-%m"),
            "next_month": (first + datetime.timedelta(days=32)).strftime("%Y-%m"),
        },
    )


@login_required
@require_POST
def device_revoke(request: AuthedRequest, device_id: int) -> HttpResponse:
    device = selectors.get_device_for_user(request.user, device_id)
    services.device_token_revoke(actor=request.user, device=device)
    messages.success(request, f"已撤销设备“{device.label}”，它将不能再上报心跳")
    return redirect("remote:site", code=device.site.code)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def pair(request: AuthedRequest) -> HttpResponse:
    """The site admin's phone: type (or scan) the code the TV shows, choose the site."""
    sites = list(selectors.sites_managed_by(request.user).order_by("code"))
    if not sites:
        raise PermissionDenied("您没有管理远程教育站点的权限")
    code = request.POST.get("code") or request.GET.get("code", "")
    context: dict[str, Any] = {"sites": sites, "code": code, "error": "", "done": None}
    if request.method == "POST":
        chosen = next((s for s in sites if s.code == request.POST.get("site", "")), None)
        if chosen is None:
            context["error"] = "请选择站点"
        else:
            try:
                context["done"] = services.pairing_approve(
                    actor=request.user,
                    user_code=code,
                    site=chosen,
                    label=request.POST.get("label", ""),
                )
            except Refused as exc:
                context["error"] = exc.message
    status = 400 if context["error"] else 200
    return render(request, "remote/pair.html", context, status=status)


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _month_param(request: HttpRequest) -> tuple[int, int]:
    match = _MONTH.match(request.GET.get("month", ""))
    if match and 2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    today = timezone.localdate()
    return today.year, today.month


def _bulletin_org(request: AuthedRequest) -> Org:
    code = request.GET.get("org", "")
    if code:
        return get_org_for_user(request.user, code, BULLETIN_ROLES)
    roots = org_roots_for(request.user, BULLETIN_ROLES)
    if not roots:
        raise PermissionDenied("只有组织管理员可以查看开机通报")
    return roots[0]


@login_required
@require_GET
def bulletin(request: AuthedRequest) -> HttpResponse:
    """开机通报: the org's towns (children) ranked by 开机率, drill down to the sites."""
    org = _bulletin_org(request)
    year, month = _month_param(request)
    now = timezone.now()
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx", "pdf"):
        figures = bulletins.month_bulletin(org, year, month, now=now)
    if fmt == "csv":
        response = HttpResponse(
            "\ufeff" + bulletins.bulletin_csv(figures), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="bulletin-{org.code}-{year}-{month:02d}.csv"'
        )
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            bulletins.bulletin_xlsx(figures),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="bulletin-{org.code}-{year}-{month:02d}.xlsx"'
        )
        return response
    first = datetime.date(year, month, 1)
    if fmt == "pdf":
        # Site by site, so the month before in full (the page only needs its rates).
        before_day = first - datetime.timedelta(days=1)
        before = bulletins.month_bulletin(org, before_day.year, before_day.month, now=now)
        response = HttpResponse(
            remote_pdf.bulletin_pdf(figures, before), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'inline; filename="bulletin-{org.code}-{year}-{month:02d}.pdf"'
        )
        return response
    # The towns and the total summed in SQL (30,000 sites: no row per site in Python);
    # the sites themselves only where the page lists them (a village's own sites).
    rollup = bulletins.month_rollup(org, year, month, now=now)
    previous = bulletins.previous_rates(org, year, month, now=now)
    groups = sorted(rollup.groups, key=lambda g: (g.rate is None, -(g.rate or 0), g.org.path))
    prev_month = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    next_month = (first + datetime.timedelta(days=32)).strftime("%Y-%m")
    single_group = len(groups) == 1 and groups[0].org == org
    show_sites = single_group or not groups
    sites = (
        sorted(
            bulletins.month_bulletin(org, year, month, now=now).sites,
            key=lambda s: (s.rate is None, -(s.rate or 0), s.site.code),
        )
        if show_sites
        else []
    )
    up = org.parent if org.parent_id else None
    if up is not None and not has_role_over(request.user, up, BULLETIN_ROLES):
        up = None
    return render(
        request,
        "remote/bulletin.html",
        {
            "org": org,
            "up": up,
            "year": year,
            "month": month,
            "month_param": f"{year}-{month:02d}",
            "prev_month": prev_month,
            "next_month": next_month,
            "total": rollup.total,
            "groups": groups,
            "previous": previous,
            "change": bulletins.change(rollup.total.rate, previous.get(org.path)),
            "show_sites": show_sites,
            "sites": sites,
        },
    )


# --- the TV's pages (no login; the device token lives in the TV's browser) ---------------


@require_GET
def tv(request: HttpRequest) -> HttpResponse:
    """The player shell: tv.js reads the device token, loads the site's day and beats."""
    return render(request, "remote/tv.html", {})


@require_GET
def tv_pair(request: HttpRequest) -> HttpResponse:
    """The pairing screen: tv.js asks for a code and polls until the admin confirms."""
    return render(request, "remote/tv_pair.html", {})


@csrf_exempt  # no ambient credentials: the TV proves itself with the secret device code
@require_POST
def tv_pair_start(request: HttpRequest) -> JsonResponse:
    pairing, device_code = services.pairing_start()
    url = request.build_absolute_uri(reverse("remote:pair")) + f"?code={pairing.user_code}"
    return JsonResponse(
        {
            "user_code": services.format_user_code(pairing.user_code),
            "device_code": device_code,
            "qr": qr_data_uri(url, box_size=6),
            "url": url,
            "expires_in": services.PAIRING_MINUTES * 60,
        }
    )


@csrf_exempt
@require_POST
def tv_pair_poll(request: HttpRequest) -> JsonResponse:
    try:
        body = json_object(request.body)
    except Exception:
        return JsonResponse({"detail": "请求体不是合法的 JSON", "field": None}, status=400)
    device_code = body.get("device_code")
    if not isinstance(device_code, str):
        return JsonResponse({"detail": "缺少 device_code", "field": "device_code"}, status=400)
    poll = services.pairing_claim(device_code=device_code)
    return JsonResponse(
        {
            "status": poll.status,
            "token": poll.key or None,
            "site": {"code": poll.site_code, "name": poll.site_name} if poll.key else None,
        }
    )
