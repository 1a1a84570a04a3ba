"""三会一课 compliance through the API: the overview, a branch's year, the ledger, the rules."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Schema

from xianfeng.common.apitools import PageNumber, Year, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.api._shared import (
    BINARY,
    XLSX,
    MeetingCard,
    _card,
    router,
)
from xianfeng.meetings.enums import (
    MeetingKind,
)
from xianfeng.meetings.selectors.compliance import branch_compliance, compliance_table
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for


class MonthOut(Schema):
    month: int
    branches: int
    met: int
    failed: int
    open: int
    rate: int | None


class ComplianceRowOut(Schema):
    code: str
    name: str
    parent: str
    rate: int | None
    met: int
    due: int
    failed: int
    months: list[str]


class OverviewOut(Schema):
    org_code: str
    org_name: str
    year: int
    branches: int
    failed_branches: int
    rate: int | None
    months: list[MonthOut]
    count: int
    page: int
    pages: int
    rows: list[ComplianceRowOut]


class OverviewQuery(Schema):
    org: str = ""
    year: Year | None = None
    kind: str = ""
    failed_first: bool = False
    page: PageNumber = 1
    page_size: PageNumber = 100


@router.get(
    "/compliance",
    response={200: OverviewOut, **errors(400, 404)},
    summary="下级支部三会一课完成情况（支部×月份）",
)
def compliance(request: HttpRequest, params: Query[OverviewQuery]) -> dict[str, Any]:
    today = timezone.localdate()
    if params.org:
        root = get_org_for_user(request.user, params.org, rules.LEDGER_ROLES)
    else:
        roots = org_roots_for(request.user, rules.LEDGER_ROLES)
        if not roots:
            raise Refused("您没有查看三会一课台账的权限")
        root = roots[0]
    year = params.year or today.year
    if params.kind and params.kind not in MeetingKind.values:
        raise Refused("会议类型不正确", field="kind")
    table = compliance_table(
        root, year=year, today=today, kinds=[params.kind] if params.kind else None
    )
    rows = table.rows
    if params.failed_first:
        rows = sorted(rows, key=lambda r: (-r.failed, r.info.path))
    paginator = Paginator(rows, max(1, min(params.page_size, 1000)))
    page = paginator.get_page(params.page)
    return {
        "org_code": root.code,
        "org_name": root.name,
        "year": year,
        "branches": len(rows),
        "failed_branches": table.failed_branches,
        "rate": table.rate,
        "months": [
            {
                "month": s.month,
                "branches": s.branches,
                "met": s.met,
                "failed": s.failed,
                "open": s.open,
                "rate": s.rate,
            }
            for s in table.summary
        ],
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "rows": [
            {
                "code": r.info.code,
                "name": r.info.name,
                "parent": r.info.parent_name,
                "rate": r.rate,
                "met": r.met,
                "due": r.due,
                "failed": r.failed,
                "months": r.month_statuses,
            }
            for r in page.object_list
        ],
    }


class ObligationOut(Schema):
    kind: str
    kind_label: str
    period: str
    period_label: str
    starts: datetime.date
    ends: datetime.date
    status: str
    status_label: str
    required: bool
    detail: str


class BranchOut(Schema):
    code: str
    name: str
    year: int
    rate: int | None
    met: int
    due: int
    failed: int
    obligations: list[ObligationOut]
    meetings: list[MeetingCard]


def _ledger_branch(request: HttpRequest, code: str) -> Org:
    org = get_org_for_user(request.user, code, rules.LEDGER_ROLES)
    if org.kind != OrgKind.BRANCH:
        from django.http import Http404

        raise Http404("找不到该党支部")
    return org


@router.get(
    "/compliance/{code}",
    response={200: BranchOut, **errors(404)},
    summary="一个支部全年的三会一课完成情况",
)
def branch(request: HttpRequest, code: str, year: Year | None = None) -> dict[str, Any]:
    org = _ledger_branch(request, code)
    today = timezone.localdate()
    year = year or today.year
    row, obligations = branch_compliance(org, year=year, today=today)
    return {
        "code": org.code,
        "name": org.name,
        "year": year,
        "rate": row.rate if row else None,
        "met": row.met if row else 0,
        "due": row.due if row else 0,
        "failed": row.failed if row else 0,
        "obligations": [
            {
                "kind": ob.kind,
                "kind_label": ob.kind_label,
                "period": ob.span.key,
                "period_label": ob.span.full_label,
                "starts": ob.span.start,
                "ends": ob.span.end,
                "status": ob.status,
                "status_label": ob.status_label,
                "required": ob.required,
                "detail": ob.detail,
            }
            for ob in obligations
        ],
        "meetings": [_card(m) for m in selectors.ledger_meetings(org, year)],
    }


@router.get(
    "/ledger/{code}/{year}",
    response={200: None, **errors(404)},
    summary="支部年度三会一课台账（.xlsx）",
    openapi_extra={
        "responses": {200: {"description": "xlsx", "content": {XLSX: {"schema": BINARY}}}}
    },
)
def ledger(request: HttpRequest, code: str, year: Year) -> HttpResponse:
    from xianfeng.meetings.exports import ledger_workbook

    return ledger_workbook(_ledger_branch(request, code), year, today=timezone.localdate())


class RuleOut(Schema):
    kind: str
    kind_label: str
    period: str
    period_label: str
    set_at: str | None


class RuleIn(Schema):
    kind: str = Field(..., max_length=16)
    period: str | None = Field(None, max_length=8)


@router.get(
    "/rules/{code}",
    response={200: list[RuleOut], **errors(404)},
    summary="组织的三会一课频次要求（含沿用）",
)
def rules_get(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    from xianfeng.meetings.enums import DEFAULT_PERIODS, MeetingKind, Period

    org = get_org_for_user(request.user, code, rules.LEDGER_ROLES)
    in_force = selectors.rules_of(org)
    out = []
    for kind, label in MeetingKind.choices:
        period, where = in_force.get(kind, (DEFAULT_PERIODS[kind], None))
        out.append(
            {
                "kind": kind,
                "kind_label": str(label),
                "period": period,
                "period_label": str(Period(period).label),
                "set_at": where.code if where is not None else None,
            }
        )
    return out


@router.put(
    "/rules/{code}",
    response={200: list[RuleOut], **errors(400, 403, 404)},
    summary="设置频次要求（period 为空：沿用上级）",
)
def rules_put(request: HttpRequest, code: str, body: RuleIn) -> list[dict[str, Any]]:
    org = get_org_for_user(request.user, code, rules.RULE_ROLES)
    services.rule_set(actor=actor_of(request), org=org, kind=body.kind, period=body.period)
    return rules_get(request, code)
