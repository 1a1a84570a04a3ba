"""Planning meetings: the list, planning, editing, cancelling, holding, attendees."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema, Status

from xianfeng.common.apitools import Id, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.api._shared import (
    MeetingDetail,
    MeetingListQuery,
    MeetingPage,
    _card,
    _detail,
    _meeting,
    router,
)
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user


@router.get(
    "/",
    response={200: MeetingPage, **errors(404)},
    summary="会议列表（我参加的，或我能查看台账的组织的）",
)
def meeting_list(request: HttpRequest, params: Query[MeetingListQuery]) -> dict[str, Any]:
    if params.mine:
        qs = selectors.my_meetings(request.user)
    else:
        org = get_org_for_user(request.user, params.org, rules.LEDGER_ROLES) if params.org else None
        qs = selectors.meeting_list(
            request.user,
            selectors.MeetingFilters(
                org=org, kind=params.kind, state=params.state, year=params.year
            ),
        )
    paginator = Paginator(qs, max(1, min(params.page_size, 100)))
    page = paginator.get_page(params.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_card(m) for m in page.object_list],
    }


class MeetingIn(Schema):
    kind: str = Field(..., max_length=16)
    topic: str = Field(..., max_length=100)
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str = Field(..., max_length=100)
    host_id: Id
    recorder_a_id: Id
    recorder_b_id: Id
    description: str = Field("", max_length=5000)
    speaker_id: Id | None = None
    speaker_name: str = Field("", max_length=50)
    lesson_id: Id | None = None


class MeetingPlanIn(MeetingIn):
    org: str = Field(..., max_length=32)
    attendee_ids: list[Id] | None = Field(None, max_length=5000)


def _data(body: MeetingIn, branch: Org, user: Any) -> services.MeetingData:
    from xianfeng.lessons.selectors import lessons_visible_to

    wanted = {body.host_id, body.recorder_a_id, body.recorder_b_id}
    if body.speaker_id:
        wanted.add(body.speaker_id)
    people = selectors.candidates_for(branch).in_bulk(list(wanted))
    missing = wanted - set(people)
    if missing:
        raise Refused("主持人、记录人和主讲人应为本支部党员或上级党组织的同志", field="host_id")
    lesson = None
    if body.lesson_id:
        lesson = lessons_visible_to(user).filter(pk=body.lesson_id).first()
        if lesson is None:
            raise Refused("找不到该微党课", field="lesson_id")
    starts, ends = body.starts_at, body.ends_at
    if timezone.is_naive(starts):
        starts = timezone.make_aware(starts)
    if timezone.is_naive(ends):
        ends = timezone.make_aware(ends)
    return services.MeetingData(
        kind=body.kind,
        topic=body.topic,
        starts_at=starts,
        ends_at=ends,
        place=body.place,
        host=people[body.host_id],
        recorder_a=people[body.recorder_a_id],
        recorder_b=people[body.recorder_b_id],
        description=body.description,
        speaker=people.get(body.speaker_id) if body.speaker_id else None,
        speaker_name=body.speaker_name,
        lesson=lesson,
    )


@router.post(
    "/",
    response={201: MeetingDetail, **errors(400, 403, 404)},
    summary="安排会议（通知应到人员）",
)
def plan(request: HttpRequest, body: MeetingPlanIn) -> Status[dict[str, Any]]:
    from xianfeng.meetings.services.planning import branch_of

    org = get_org_for_user(request.user, body.org, rules.LEDGER_ROLES | rules.PLAN_ROLES)
    meeting = services.meeting_plan(
        actor=actor_of(request),
        org=org,
        data=_data(body, branch_of(org, body.kind), request.user),
        attendee_ids=body.attendee_ids,
    )
    return Status(201, _detail(request, _meeting(request, meeting.pk)))


@router.get("/{int:meeting_id}", response={200: MeetingDetail, **errors(404)}, summary="会议详情")
def detail(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    return _detail(request, _meeting(request, meeting_id))


@router.put(
    "/{int:meeting_id}",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="修改会议安排（召开前）",
)
def update(request: HttpRequest, meeting_id: Id, body: MeetingIn) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    services.meeting_update(
        actor=actor_of(request), meeting=meeting, data=_data(body, meeting.branch, request.user)
    )
    return _detail(request, _meeting(request, meeting_id))


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


@router.post(
    "/{int:meeting_id}/cancel",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="取消会议",
)
def cancel(request: HttpRequest, meeting_id: Id, body: ReasonIn) -> dict[str, Any]:
    services.meeting_cancel(
        actor=actor_of(request), meeting=_meeting(request, meeting_id), reason=body.reason
    )
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{int:meeting_id}/held",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="标记会议已召开",
)
def held(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    services.meeting_mark_held(actor=actor_of(request), meeting=_meeting(request, meeting_id))
    return _detail(request, _meeting(request, meeting_id))


class AttendeesIn(Schema):
    add: list[Id] = Field([], max_length=5000)
    remove: list[Id] = Field([], max_length=5000)


@router.post(
    "/{int:meeting_id}/attendees",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="调整应到人员",
)
def attendees(request: HttpRequest, meeting_id: Id, body: AttendeesIn) -> dict[str, Any]:
    services.attendees_change(
        actor=actor_of(request),
        meeting=_meeting(request, meeting_id),
        add=body.add,
        remove=body.remove,
    )
    return _detail(request, _meeting(request, meeting_id))
