"""The 量化考评 API: monthly self-checks (list, one, submit, return) and 通报 (list, one),
through the same selectors and services as the pages, with the same refusals: a
self-check or a draft 通报 outside the person's reach is a 404."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Query, Schema

from xianfeng.assessment import selectors
from xianfeng.assessment.enums import CheckState
from xianfeng.assessment.models import Bulletin, CheckLine, Evidence, SelfCheck
from xianfeng.assessment.rules import may_fill
from xianfeng.assessment.services import checks as services
from xianfeng.common.apitools import ApiRouter, Id, PageNumber, errors
from xianfeng.common.errors import BadInput
from xianfeng.common.indicators import Month
from xianfeng.common.types import actor_of

router = ApiRouter(tags=["量化考评"])


class SelfCheckCard(Schema):
    id: int
    org_code: str
    org_name: str
    month: str = Field(..., description="YYYY-MM")
    state: str
    state_label: str
    score: float | None = Field(None, description="百分制得分；尚未计分为 null")
    submitted_at: datetime.datetime | None
    spot_checked: bool = Field(..., description="是否被抽中")


class EvidenceOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="file、link 或 record（平台记录）")
    url: str
    record_kind: str = Field("", description="平台记录的类型，如 meetings.meeting")


class AdjustmentOut(Schema):
    before: float | None
    after: float
    reason: str
    adjusted_by: str
    adjusted_at: datetime.datetime


class LineOut(Schema):
    id: int
    heading: str
    name: str
    rule: str
    points: float
    value: float | None
    self_score: float | None
    adjusted: float | None
    final: float | None
    cases: int
    note: str
    records_url: str
    evidence: list[EvidenceOut]
    adjustments: list[AdjustmentOut]


class ReturnOut(Schema):
    reason: str
    returned_by: str
    returned_at: datetime.datetime
    resubmitted_at: datetime.datetime | None


class SelfCheckDetail(SelfCheckCard):
    scheme: str
    lines: list[LineOut]
    returns: list[ReturnOut] = Field(..., description="退回记录，按时间先后")
    actions: list[str] = Field(..., description="当前用户可以做的操作：submit、return")


class SelfCheckPage(Schema):
    count: int
    page: int
    pages: int
    results: list[SelfCheckCard]


class BulletinCard(Schema):
    id: int
    title: str
    org_code: str
    org_name: str
    year: int
    quarter: int = Field(..., description="1–4；0 为年度考评结果")
    state: str
    state_label: str
    published_at: datetime.datetime | None


class AssessmentBulletinRowOut(Schema):
    rank: int
    org_code: str
    org_name: str
    score: float
    periods: int
    comment: str
    grade: str
    meets: bool
    benchmark: bool


class BulletinDetail(BulletinCard):
    comment: str
    rows: list[AssessmentBulletinRowOut]
    meeting_share: float | None = Field(None, description="达标率（%），年度通报")


class BulletinPage(Schema):
    count: int
    page: int
    pages: int
    results: list[BulletinCard]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _card(check: SelfCheck) -> dict[str, Any]:
    return {
        "id": check.pk,
        "org_code": check.org.code,
        "org_name": check.org.name,
        "month": f"{check.month:%Y-%m}",
        "state": check.state,
        "state_label": check.get_state_display(),
        "score": _num(check.score),
        "submitted_at": check.submitted_at,
        "spot_checked": check.spot_check_id is not None,
    }


def _evidence(check: SelfCheck, e: Evidence) -> dict[str, Any]:
    from django.urls import reverse

    if e.record_kind:
        kind, url = "record", e.record_url
    elif e.link:
        kind, url = "link", e.link
    else:
        kind, url = "file", reverse("assessment:evidence", args=[check.pk, e.pk])
    return {"id": e.pk, "name": e.name, "kind": kind, "url": url, "record_kind": e.record_kind}


def _line(check: SelfCheck, line: CheckLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "heading": line.item.heading,
        "name": line.item.name,
        "rule": line.item.rule,
        "points": float(line.item.points),
        "value": line.value,
        "self_score": _num(line.self_score),
        "adjusted": _num(line.adjusted),
        "final": _num(line.final),
        "cases": line.cases,
        "note": line.note,
        "records_url": line.records_url,
        "evidence": [_evidence(check, e) for e in line.evidence.all()],
        "adjustments": [
            {
                "before": _num(a.before),
                "after": float(a.after),
                "reason": a.reason,
                "adjusted_by": a.adjusted_by.name,
                "adjusted_at": a.adjusted_at,
            }
            for a in line.adjustments.all()
        ],
    }


def _detail(user: Any, check: SelfCheck) -> dict[str, Any]:
    page = selectors.check_page(user, check, with_choices=False)
    actions = []
    if check.editable and may_fill(user, check.org):
        actions.append("submit")
    if page.can_return:
        actions.append("return")
    return {
        **_card(check),
        "scheme": check.scheme.name,
        "lines": [_line(check, line) for line in page.lines],
        "returns": [
            {
                "reason": r.reason,
                "returned_by": r.returned_by.name,
                "returned_at": r.returned_at,
                "resubmitted_at": r.resubmitted_at,
            }
            for r in page.returns
        ],
        "actions": actions,
    }


class CheckQuery(Schema):
    month: str = Field("", max_length=7, description="YYYY-MM；不填为全部月份")
    state: str = Field("", max_length=16, description="draft、submitted、returned、checked、locked")
    page: PageNumber = 1
    page_size: PageNumber = 20


@router.get(
    "/selfchecks",
    response={200: SelfCheckPage, **errors(400)},
    summary="月度自查列表（本人权限范围内的支部，最近的月份在前）",
)
def selfcheck_list(request: HttpRequest, params: Query[CheckQuery]) -> dict[str, Any]:
    qs = selectors.selfchecks_visible_to(request.user)
    if params.month:
        try:
            qs = qs.filter(month=Month.parse(params.month).first)
        except ValueError:
            raise BadInput("月份应写作 YYYY-MM，如 2025-03", field="month") from None
    if params.state:
        if params.state not in CheckState.values:
            raise BadInput("未知的自查状态", field="state")
        qs = qs.filter(state=params.state)
    paginator = Paginator(qs.order_by("-month", "org__path", "pk"), min(params.page_size, 50))
    page = paginator.get_page(params.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_card(c) for c in page.object_list],
    }


@router.get(
    "/selfchecks/{int:check_id}",
    response={200: SelfCheckDetail, **errors(404)},
    summary="一份月度自查：各项得分、佐证材料、抽查调整和退回记录",
)
def selfcheck_detail(request: HttpRequest, check_id: Id) -> dict[str, Any]:
    return _detail(request.user, selectors.get_selfcheck_for_user(request.user, check_id))


@router.post(
    "/selfchecks/{int:check_id}/submit",
    response={200: SelfCheckDetail, **errors(400, 403, 404)},
    summary="提交（或退回后重新提交）月度自查",
)
def selfcheck_submit(request: HttpRequest, check_id: Id) -> dict[str, Any]:
    check = selectors.get_selfcheck_for_user(request.user, check_id)
    services.selfcheck_submit(actor=actor_of(request), check=check)
    return _detail(request.user, selectors.get_selfcheck_for_user(request.user, check_id))


class ReturnIn(Schema):
    reason: str = Field(..., max_length=300, description="退回理由（至少 4 个字）")


@router.post(
    "/selfchecks/{int:check_id}/return",
    response={200: SelfCheckDetail, **errors(400, 403, 404)},
    summary="退回月度自查（上级党委，须写明理由；支部会收到通知）",
)
def selfcheck_return(request: HttpRequest, check_id: Id, body: ReturnIn) -> dict[str, Any]:
    check = selectors.get_selfcheck_for_user(request.user, check_id)
    services.selfcheck_return(actor=actor_of(request), check=check, reason=body.reason)
    return _detail(request.user, selectors.get_selfcheck_for_user(request.user, check_id))


def _bulletin_card(bulletin: Bulletin) -> dict[str, Any]:
    return {
        "id": bulletin.pk,
        "title": bulletin.title,
        "org_code": bulletin.org.code,
        "org_name": bulletin.org.name,
        "year": bulletin.year,
        "quarter": bulletin.quarter,
        "state": bulletin.state,
        "state_label": bulletin.get_state_display(),
        "published_at": bulletin.published_at,
    }


class AssessmentBulletinQuery(Schema):
    page: PageNumber = 1
    page_size: PageNumber = 20


@router.get(
    "/bulletins",
    response={200: BulletinPage},
    summary="考评通报列表（已发布的本级及上级通报；草稿仅发布组织可见）",
)
def bulletin_list(request: HttpRequest, params: Query[AssessmentBulletinQuery]) -> dict[str, Any]:
    qs = selectors.bulletins_visible_to(request.user).order_by(
        "-year", "-quarter", "org__path", "pk"
    )
    paginator = Paginator(qs, min(params.page_size, 50))
    page = paginator.get_page(params.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_bulletin_card(b) for b in page.object_list],
    }


@router.get(
    "/bulletins/{int:bulletin_id}",
    response={200: BulletinDetail, **errors(404)},
    summary="一份考评通报：排名、得分、点评（年度通报含等次、达标和标杆支部）",
)
def bulletin_detail(request: HttpRequest, bulletin_id: Id) -> dict[str, Any]:
    bulletin = selectors.get_bulletin_for_user(request.user, bulletin_id)
    page = selectors.bulletin_page(request.user, bulletin)
    return {
        **_bulletin_card(bulletin),
        "comment": bulletin.comment,
        "rows": [
            {
                "rank": r.row.rank,
                "org_code": r.row.org.code,
                "org_name": r.row.org.name,
                "score": float(r.row.score),
                "periods": r.row.periods,
                "comment": r.row.comment,
                "grade": r.row.grade,
                "meets": r.row.meets,
                "benchmark": r.row.benchmark,
            }
            for r in page.rows
        ],
        "meeting_share": page.meeting_share if bulletin.annual else None,
    }


__all__ = ["router"]
