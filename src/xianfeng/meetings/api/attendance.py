"""Attendance: QR sign-in, recording attendance, leave requests, the current sign-in code."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from xianfeng.common.apitools import Id, errors
from xianfeng.common.types import actor_of
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.api._shared import (
    AttendanceOut,
    LeaveOut,
    _attendance,
    _meeting,
    _person,
    router,
)
from xianfeng.meetings.api.planning import (
    ReasonIn,
)
from xianfeng.meetings.enums import (
    CHECKIN_OPENS_BEFORE,
    QR_ACCEPTED_STEPS,
    MeetingState,
)
from xianfeng.meetings.models import Attendance
from xianfeng.meetings.tokens import checkin_token, step_at, step_starts


class MeetingCheckinIn(Schema):
    token: str = Field(..., max_length=200)


class MeetingCheckinOut(Schema):
    meeting_id: int
    topic: str
    status: str
    status_label: str
    signed_at: datetime.datetime | None


@router.post(
    "/checkin",
    response={200: MeetingCheckinOut, **errors(400, 403, 404)},
    summary="扫码签到（二维码中的令牌）",
)
def checkin(request: HttpRequest, body: MeetingCheckinIn) -> dict[str, Any]:
    row = services.checkin(user=request.user, token=body.token)
    meeting = row.meeting
    return {
        "meeting_id": meeting.pk,
        "topic": meeting.topic,
        "status": row.status,
        "status_label": row.get_status_display(),
        "signed_at": row.signed_at,
    }


class AttendanceRecordIn(Schema):
    user_id: Id
    status: str = Field(..., max_length=16)
    reason: str = Field(..., max_length=200)


@router.post(
    "/{int:meeting_id}/attendance",
    response={200: AttendanceOut, **errors(400, 403, 404)},
    summary="补录出勤（须写明原因）",
)
def record(request: HttpRequest, meeting_id: Id, body: AttendanceRecordIn) -> dict[str, Any]:
    row = services.attendance_record(
        actor=actor_of(request),
        meeting=_meeting(request, meeting_id),
        user_id=body.user_id,
        status=body.status,
        reason=body.reason,
    )
    return _attendance(Attendance.objects.select_related("user").get(pk=row.pk))


@router.post(
    "/{int:meeting_id}/leave", response={200: LeaveOut, **errors(400, 403, 404)}, summary="请假"
)
def leave(request: HttpRequest, meeting_id: Id, body: ReasonIn) -> dict[str, Any]:
    lv = services.leave_request(
        user=request.user, meeting=_meeting(request, meeting_id), reason=body.reason
    )
    return {
        "id": lv.pk,
        "user": _person(request.user),
        "reason": lv.reason,
        "status": lv.status,
        "decision_note": lv.decision_note,
        "created_at": lv.created_at,
    }


class LeaveDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


@router.post(
    "/{int:meeting_id}/leave/{int:leave_id}",
    response={200: LeaveOut, **errors(400, 403, 404)},
    summary="审批请假（书记）",
)
def leave_decide(
    request: HttpRequest, meeting_id: Id, leave_id: Id, body: LeaveDecisionIn
) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    target = next((lv for lv in selectors.leave_requests_of(meeting) if lv.pk == leave_id), None)
    if target is None:
        from django.http import Http404

        raise Http404("找不到该请假申请")
    target.meeting = meeting
    lv = services.leave_decide(
        actor=actor_of(request), leave=target, approve=body.approve, note=body.note
    )
    return {
        "id": lv.pk,
        "user": _person(lv.user),
        "reason": lv.reason,
        "status": lv.status,
        "decision_note": lv.decision_note,
        "created_at": lv.created_at,
    }


class CodeOut(Schema):
    token: str
    url: str
    valid_until: datetime.datetime
    refresh_after: datetime.datetime
    open: bool


@router.get(
    "/{int:meeting_id}/checkin-code",
    response={200: CodeOut, **errors(403, 404)},
    summary="当前签到二维码（每 30 秒更换）",
)
def checkin_code(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    if not rules.can_show_qr(request.user, meeting):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有书记、组织委员、主持人或记录人可以出示签到二维码")
    now = timezone.now()
    step = step_at(now)
    token = checkin_token(meeting.pk, meeting.checkin_key, step)
    return {
        "token": token,
        "url": request.build_absolute_uri(reverse("meetings:checkin", args=[token])),
        "valid_until": step_starts(step + QR_ACCEPTED_STEPS),
        "refresh_after": step_starts(step + 1),
        "open": meeting.state in (MeetingState.PLANNED, MeetingState.HELD)
        and meeting.starts_at - CHECKIN_OPENS_BEFORE <= now <= meeting.ends_at,
    }
