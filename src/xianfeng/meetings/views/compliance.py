"""三会一课 compliance: the overview and heat map, a branch's year, the ledger, the rules."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import query_without_page
from xianfeng.common.parse import check_year, year_param
from xianfeng.common.types import AuthedRequest
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.enums import (
    DEFAULT_PERIODS,
    ComplianceStatus,
    MeetingKind,
    Period,
)
from xianfeng.meetings.forms import (
    OverviewForm,
    RuleForm,
)
from xianfeng.meetings.selectors.compliance import (
    branch_compliance,
    compliance_table,
    month_titles,
)
from xianfeng.meetings.views._shared import (
    OVERVIEW_PAGE,
    _error,
    _reads_ledger_anywhere,
)
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for


def _year(value: Any, today: datetime.date) -> int:
    return value if isinstance(value, int) and 2000 <= value <= 2100 else today.year


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    """Branches × months of the subtree the person reads: the worst status of what is due
    each month, worst branches first on request."""
    if not _reads_ledger_anywhere(request.user):
        raise PermissionDenied("您没有查看三会一课台账的权限")
    form = OverviewForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    year = _year(d.get("year"), today)
    roots = org_roots_for(request.user, rules.LEDGER_ROLES)
    if d.get("org"):
        root = get_org_for_user(request.user, d["org"], rules.LEDGER_ROLES)
    elif roots:
        root = roots[0]
    else:
        raise PermissionDenied("您没有查看三会一课台账的权限")
    if root.kind == OrgKind.BRANCH:
        return redirect("meetings:branch", code=root.code)
    kind = d.get("kind") or ""
    table = compliance_table(root, year=year, today=today, kinds=[kind] if kind else None)
    rows = table.rows
    if d.get("sort") == "failed":
        rows = sorted(rows, key=lambda r: (-r.failed, r.info.path))
    page = Paginator(rows, OVERVIEW_PAGE).get_page(request.GET.get("page"))
    shown = _heatmap_rows(page.object_list, year=year, today=today)
    children = list(
        Org.objects.filter(parent=root)
        .exclude(kind=OrgKind.GROUP)
        .order_by("sort_order", "path")[:100]
    )
    return render(
        request,
        "meetings/overview.html",
        {
            "table": table,
            "page": page,
            "shown": shown,
            "root": root,
            "roots": roots,
            "children": children,
            "year": year,
            "kind": kind,
            "sort": d.get("sort") or "",
            "months": range(1, 13),
            "kinds": MeetingKind.choices,
            "query": query_without_page(request),
            "legend": [
                (s, ComplianceStatus(s).label, STATUS_SIGNS[s])
                for s in (
                    ComplianceStatus.HELD,
                    ComplianceStatus.PENDING,
                    ComplianceStatus.PLANNED,
                    ComplianceStatus.DUE,
                    ComplianceStatus.UNAPPROVED,
                    ComplianceStatus.OVERDUE,
                    ComplianceStatus.FUTURE,
                )
            ],
        },
    )


# Each cell says its status in a sign as well as a colour (colour alone says nothing to a
# colour-blind secretary or on a washed-out phone screen); the full text is its label.
STATUS_SIGNS = {
    ComplianceStatus.HELD: "✓",
    ComplianceStatus.PENDING: "审",
    ComplianceStatus.UNAPPROVED: "审",
    ComplianceStatus.PLANNED: "排",
    ComplianceStatus.DUE: "!",
    ComplianceStatus.OVERDUE: "✗",
    ComplianceStatus.FUTURE: "·",
    ComplianceStatus.EXEMPT: "—",
}


def _heatmap_rows(rows: Any, *, year: int, today: datetime.date) -> list[SafeString]:
    """The heat map's rows as HTML, built here: a hundred rows of twelve cells cost a
    template loop ten times what format_html does."""
    from django.utils.html import format_html, format_html_join

    url = reverse("meetings:branch", args=["__code__"])
    out: list[SafeString] = []
    for row in rows:
        branch_url = url.replace("__code__", row.info.code)
        # A tap on a cell opens the branch's ledger for the year (the details on a phone,
        # where a title tooltip never shows); the text is there for screen readers too.
        cells = format_html_join(
            "",
            '<td class="hm-{}"><a href="{}?year={}" title="{}" aria-label="{}">{}</a></td>',
            (
                (status, branch_url, year, title, title, STATUS_SIGNS.get(status, ""))
                for status, title in zip(
                    row.month_statuses, month_titles(row, year=year, today=today), strict=True
                )
            ),
        )
        out.append(
            format_html(
                '<tr><td class="org"><a href="{}?year={}" title="{}">{}</a></td>{}'
                '<td class="rate">{}</td></tr>',
                branch_url,
                year,
                row.info.parent_name,
                row.info.name,
                cells,
                f"{row.rate}%" if row.rate is not None else "—",
            )
        )
    return out


def _ledger_branch(request: AuthedRequest, code: str) -> Org:
    org = get_org_for_user(request.user, code, rules.LEDGER_ROLES)
    if org.kind != OrgKind.BRANCH:
        raise Http404("找不到该党支部")
    return org


@login_required
def branch(request: AuthedRequest, code: str) -> HttpResponse:
    """One branch's year: every required meeting per period, and the meetings held."""
    org = _ledger_branch(request, code)
    today = timezone.localdate()
    year = year_param(request.GET.get("year"), default=today.year)
    row, obligations = branch_compliance(org, year=year, today=today)
    by_kind: dict[str, list[Any]] = {}
    for ob in obligations:
        by_kind.setdefault(ob.kind_label, []).append(ob)
    meetings = list(selectors.ledger_meetings(org, year))
    counts = selectors.attendance_counts([m.pk for m in meetings])
    return render(
        request,
        "meetings/branch.html",
        {
            "org": org,
            "year": year,
            "row": row,
            "by_kind": by_kind,
            "meetings": [(m, counts[m.pk]) for m in meetings],
            "can_plan": rules.can_plan(request.user, org),
            "can_set_rules": rules.can_set_rules(request.user, org),
            "years": range(today.year, today.year - 5, -1),
        },
    )


@login_required
@require_GET
def ledger(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    from xianfeng.meetings.exports import ledger_workbook

    org = _ledger_branch(request, code)
    return ledger_workbook(org, check_year(year), today=timezone.localdate())


@login_required
@require_http_methods(["GET", "POST"])
def rules_page(request: AuthedRequest, code: str) -> HttpResponse:
    """How often each kind is required in an org's subtree (org admins)."""
    org = get_org_for_user(request.user, code, rules.RULE_ROLES)
    in_force = selectors.rules_of(org)
    own = {kind: period for kind, (period, where) in in_force.items() if where.pk == org.pk}
    form = RuleForm(request.POST or None, initial=own)
    if request.method == "POST" and form.is_valid():
        changed = {
            kind: form.cleaned_data.get(kind) or None
            for kind in MeetingKind.values
            if (form.cleaned_data.get(kind) or None) != own.get(kind)
        }
        try:
            services.rules_set(actor=request.user, org=org, periods=changed)
            messages.success(request, "频次要求已保存，对本组织及下级组织生效")
            return redirect("meetings:rules", code=code)
        except (Refused, PermissionDenied) as exc:
            _error(request, exc)
    effective = []
    for kind, label in MeetingKind.choices:
        period, where = in_force.get(kind, (DEFAULT_PERIODS[kind], None))
        effective.append(
            {
                "field": form[kind],
                "label": label,
                "period": Period(period).label,
                "source": where.name if where is not None else "默认（三会一课规定）",
            }
        )
    return render(request, "meetings/rules.html", {"org": org, "form": form, "rows": effective})


# --- settings, calendar -------------------------------------------------------------------
# Notices about meetings are notify's notifications: its inbox, panel and e-mail settings.
