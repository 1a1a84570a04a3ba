"""Dashboards: an org's figures as charts, the county hall's big screen, Excel exports."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache

from xianfeng.assessment.selectors import get_org_for_figures, indicator_roots
from xianfeng.assessment.views import month_param
from xianfeng.common import indicators
from xianfeng.common.indicators import Month
from xianfeng.common.parse import int_param
from xianfeng.dashboards import boards, exports, selectors
from xianfeng.orgs.models import Org


def _roots(request: HttpRequest) -> list[Org]:
    roots = indicator_roots(request.user)
    if not roots:
        raise PermissionDenied("您没有查看数据看板的权限")
    return roots


@login_required
def index(request: HttpRequest) -> HttpResponse:
    roots = _roots(request)
    query = request.GET.urlencode()
    target = reverse("dashboards:org", kwargs={"code": roots[0].code})
    return redirect(f"{target}?{query}" if query else target)


@login_required
def org_page(request: HttpRequest, code: str) -> HttpResponse:
    org = get_org_for_figures(request.user, code)
    month = month_param(request)
    chosen = request.GET.get("i", "")
    if request.GET.get("format") == "xlsx":
        return exports.dashboard_workbook(selectors.dashboard(org, month, chosen))
    if chosen not in {i.code for i in indicators.registered()}:
        chosen = ""
    # What comes from the fact table: rendered once per version of the table (boards.py).
    board_html = boards.board_html(org, month, chosen)
    this_month = Month.of(timezone.localdate())
    roots = indicator_roots(request.user)
    return render(
        request,
        "dashboards/org.html",
        {
            "org": org,
            "board_html": mark_safe(board_html),  # noqa: S308 - our own template's output
            "month": month,
            "previous": month.previous(),
            "following": month.next() if month < this_month else None,
            "up": org.parent if org.parent_id and org not in roots else None,
            "chosen": chosen,
            "counters": selectors.live_counters(org),
        },
    )


def _seconds(request: HttpRequest, name: str, default: int, label: str, minimum: int) -> int:
    value = int_param(
        request.GET.get(name), default=default, minimum=minimum, maximum=3600, label=label
    )
    assert value is not None
    return value


@login_required
def screen(request: HttpRequest, code: str) -> HttpResponse:
    """数据大屏: 1920×1080, dark, no scrolling; the page fetches its figures again every
    `refresh` seconds and turns to the next indicator every `rotate` seconds."""
    org = get_org_for_figures(request.user, code)
    return render(
        request,
        "dashboards/screen.html",
        {
            "org": org,
            "refresh": _seconds(request, "refresh", 60, "刷新间隔（秒）", 2),
            "rotate": _seconds(request, "rotate", 15, "轮换间隔（秒）", 1),
            "time_zone": settings.TIME_ZONE,
            "data_url": reverse("dashboards:screen_data", kwargs={"code": org.code}),
        },
    )


@never_cache
@login_required
def screen_data(request: HttpRequest, code: str) -> JsonResponse:
    org = get_org_for_figures(request.user, code)
    month = Month.of(timezone.localdate())
    data = selectors.screen_data(org, month)
    data["now"] = timezone.localtime().strftime("%H:%M:%S")
    return JsonResponse(data)
