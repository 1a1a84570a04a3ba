"""Indicator pages: an org's figures for a month, its children ranked, drill-down."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from xianfeng.assessment import selectors
from xianfeng.common.errors import BadInput
from xianfeng.common.indicators import Month


def month_param(request: HttpRequest) -> Month:
    """`?month=YYYY-MM`, this month when absent; a Chinese 400 when malformed."""
    text = request.GET.get("month", "")
    if not text.strip():
        return Month.of(timezone.localdate())
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise BadInput(str(exc), field="month") from None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    roots = selectors.indicator_roots(request.user)
    if not roots:
        raise PermissionDenied("您没有查看考评指标的权限")
    query = request.GET.urlencode()
    target = reverse("assessment:org", kwargs={"code": roots[0].code})
    return redirect(f"{target}?{query}" if query else target)


@login_required
def org_page(request: HttpRequest, code: str) -> HttpResponse:
    org = selectors.get_org_for_figures(request.user, code)
    month = month_param(request)
    figures = selectors.org_figures(org, month, request.GET.get("i", ""))
    this_month = Month.of(timezone.localdate())
    roots = selectors.indicator_roots(request.user)
    # Below the top of the person's reach the parent is within it too.
    up = org.parent if org.parent_id and org not in roots else None
    return render(
        request,
        "assessment/org.html",
        {
            "org": org,
            "month": month,
            "previous": month.previous(),
            "following": month.next() if month < this_month else None,
            "figures": figures,
            "up": up,
        },
    )
