"""The 整改清单 of 组织生活会 for mobile clients: the items a person sees, one item with its
progress, reporting progress and closing (销号). Same selectors and services as the pages,
so the same refusals (404 for what the person may not see)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Schema

from xianfeng.common.apitools import Id, PageNumber, Year, errors
from xianfeng.common.types import actor_of
from xianfeng.meetings import rules
from xianfeng.meetings.api._shared import Person, _person, router
from xianfeng.meetings.models import Rectification
from xianfeng.meetings.selectors import life as life_sel
from xianfeng.meetings.services import life as life_svc
from xianfeng.orgs.selectors import get_org_for_user


class RectificationCard(Schema):
    id: int
    meeting_id: int
    branch_code: str
    branch_name: str
    problem: str
    owner: Person
    deadline: datetime.date
    state: str
    state_label: str
    overdue: bool
    closed_on: datetime.date | None
    on_time: bool | None


class RectificationPage(Schema):
    count: int
    page: int
    pages: int
    results: list[RectificationCard]


class RectificationUpdateOut(Schema):
    id: int
    author: Person
    note: str
    created_at: datetime.datetime
    file_name: str
    file_url: str | None


class RectificationDetail(RectificationCard):
    measures: str
    meeting_topic: str
    closed_by: Person | None
    close_note: str
    updates: list[RectificationUpdateOut]
    can_report: bool
    can_close: bool


class RectificationQuery(Schema):
    org: str = Field("", max_length=32)
    status: str = Field("", pattern=r"^(|open|closed|overdue)$")
    mine: bool = False
    year: Year | None = None
    page: PageNumber = 1
    page_size: PageNumber = 20


class ProgressIn(Schema):
    note: str = Field(..., max_length=5000)


class CloseIn(Schema):
    note: str = Field("", max_length=500)


def _card(item: Rectification, today: datetime.date) -> dict[str, Any]:
    return {
        "id": item.pk,
        "meeting_id": item.meeting_id,
        "branch_code": item.branch.code,
        "branch_name": item.branch.name,
        "problem": item.problem,
        "owner": _person(item.owner),
        "deadline": item.deadline,
        "state": item.state,
        "state_label": item.get_state_display(),
        "overdue": item.overdue_on(today),
        "closed_on": item.closed_on,
        "on_time": item.on_time,
    }


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    item = life_sel.get_rectification_for_user(request.user, pk)
    today = timezone.localdate()
    is_open = item.state == "open"
    return {
        **_card(item, today),
        "measures": item.measures,
        "meeting_topic": item.meeting.topic,
        "closed_by": _person(item.closed_by),
        "close_note": item.close_note,
        "updates": [
            {
                "id": u.pk,
                "author": _person(u.author),
                "note": u.note,
                "created_at": u.created_at,
                "file_name": u.original_name,
                "file_url": reverse("meetings:evidence", args=[item.pk, u.pk]) if u.file else None,
            }
            for u in life_sel.updates_of(item)
        ],
        "can_report": is_open and rules.can_report_progress(request.user, item),
        "can_close": is_open and rules.can_close_rectification(request.user, item),
    }


@router.get(
    "/rectifications",
    response={200: RectificationPage, **errors(404)},
    summary="整改清单（本支部的，或我能查看台账的组织的）",
)
def rectification_list(request: HttpRequest, params: Query[RectificationQuery]) -> dict[str, Any]:
    org = get_org_for_user(request.user, params.org, rules.LEDGER_ROLES) if params.org else None
    today = timezone.localdate()
    qs = life_sel.rectification_list(
        request.user,
        life_sel.RectificationFilters(
            org=org, status=params.status, mine=params.mine, year=params.year
        ),
        today=today,
    )
    paginator = Paginator(qs, max(1, min(params.page_size, 100)))
    page = paginator.get_page(params.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_card(i, today) for i in page.object_list],
    }


@router.get(
    "/rectifications/{int:item_id}",
    response={200: RectificationDetail, **errors(404)},
    summary="整改事项及其进展",
)
def rectification_detail(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    return _detail(request, item_id)


@router.post(
    "/rectifications/{int:item_id}/progress",
    response={200: RectificationDetail, **errors(400, 403, 404)},
    summary="报告整改进展（责任人、书记或组织委员）",
)
def rectification_progress(request: HttpRequest, item_id: Id, body: ProgressIn) -> dict[str, Any]:
    item = life_sel.get_rectification_for_user(request.user, item_id)
    life_svc.rectification_progress(actor=actor_of(request), item=item, note=body.note)
    return _detail(request, item_id)


@router.post(
    "/rectifications/{int:item_id}/close",
    response={200: RectificationDetail, **errors(400, 403, 404)},
    summary="整改事项销号（支部书记）",
)
def rectification_close(request: HttpRequest, item_id: Id, body: CloseIn) -> dict[str, Any]:
    item = life_sel.get_rectification_for_user(request.user, item_id)
    life_svc.rectification_close(actor=actor_of(request), item=item, note=body.note)
    return _detail(request, item_id)
