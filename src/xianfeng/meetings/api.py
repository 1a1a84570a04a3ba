"""三会一课 for mobile clients: plan, leave, QR sign-in, AB minutes, compliance,
ledger and minutes exports, the calendar address."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Query, Schema, Status
from ninja.files import UploadedFile

from xianfeng.common.apitools import ApiRouter, Id, PageNumber, Year, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.enums import (
    CHECKIN_OPENS_BEFORE,
    QR_ACCEPTED_STEPS,
    AttendanceStatus,
    MeetingKind,
    MeetingState,
)
from xianfeng.meetings.models import Attachment, Attendance, Meeting, Minutes
from xianfeng.meetings.selectors.compliance import branch_compliance, compliance_table
from xianfeng.meetings.tokens import calendar_token, checkin_token, step_at, step_starts
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for

router = ApiRouter(tags=["三会一课"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}


class Person(Schema):
    id: int
    name: str


class MeetingCard(Schema):
    id: int
    kind: str
    kind_label: str
    topic: str
    org_code: str
    org_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    state: str
    state_label: str


class AttendanceOut(Schema):
    user: Person
    status: str
    status_label: str
    source: str
    signed_at: datetime.datetime | None
    reason: str


class QuorumOut(Schema):
    rule: str
    label: str
    base: int
    present: int
    needed: int
    met: bool
    frozen: bool


class MinutesOut(Schema):
    agenda: str
    discussion: str
    resolutions: str
    film: str
    practice: str
    written_by: Person | None
    submitted_at: datetime.datetime | None
    approved_by: Person | None
    approved_at: datetime.datetime | None
    returned_note: str


class AttachmentOut(Schema):
    id: int
    kind: str
    width: int
    height: int
    url: str
    thumb_url: str


class AmendmentOut(Schema):
    field: str
    before: str
    after: str
    note: str
    amended_by: Person
    created_at: datetime.datetime


class LeaveOut(Schema):
    id: int
    user: Person
    reason: str
    status: str
    decision_note: str
    created_at: datetime.datetime


class MeetingDetail(MeetingCard):
    description: str
    host: Person
    recorder_a: Person
    recorder_b: Person
    speaker_name: str
    lesson_id: int | None
    my_status: str | None
    counts: dict[str, int]
    attendance: list[AttendanceOut]
    quorum: QuorumOut | None
    minutes: MinutesOut | None
    attachments: list[AttachmentOut]
    amendments: list[AmendmentOut]
    leave_requests: list[LeaveOut]
    pdf_url: str | None


class MeetingPage(Schema):
    count: int
    page: int
    pages: int
    results: list[MeetingCard]


class ListQuery(Schema):
    org: str = ""
    kind: str = ""
    state: str = ""
    year: Year | None = None
    mine: bool = False
    page: PageNumber = 1
    page_size: PageNumber = 20


def _person(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.name} if user is not None else None


def _card(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "topic": m.topic,
        "org_code": m.org.code,
        "org_name": m.org.name,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "place": m.place,
        "state": m.state,
        "state_label": m.get_state_display(),
    }


def _minutes(minutes: Minutes | None) -> dict[str, Any] | None:
    if minutes is None:
        return None
    return {
        "agenda": minutes.agenda,
        "discussion": minutes.discussion,
        "resolutions": minutes.resolutions,
        "film": minutes.film,
        "practice": minutes.practice,
        "written_by": _person(minutes.written_by),
        "submitted_at": minutes.submitted_at,
        "approved_by": _person(minutes.approved_by),
        "approved_at": minutes.approved_at,
        "returned_note": minutes.returned_note,
    }


def _attendance(row: Attendance) -> dict[str, Any]:
    return {
        "user": _person(row.user),
        "status": row.status,
        "status_label": row.get_status_display(),
        "source": row.source,
        "signed_at": row.signed_at,
        "reason": row.reason,
    }


def _detail(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    user: Any = request.user
    rows = selectors.attendance_rows(meeting)
    reads = rules.can_read_minutes(user, meeting)
    sees_list = reads or rules.can_manage(user, meeting)
    counts = {status: 0 for status in AttendanceStatus.values}
    for r in rows:
        counts[r.status] += 1
    mine = next((r for r in rows if r.user_id == user.pk), None)
    quorum = selectors.quorum_of(meeting, rows) if sees_list else None
    attachments = selectors.attachments_of(meeting) if reads else []
    return {
        **_card(meeting),
        "description": meeting.description,
        "host": _person(meeting.host),
        "recorder_a": _person(meeting.recorder_a),
        "recorder_b": _person(meeting.recorder_b),
        "speaker_name": meeting.speaker_name,
        "lesson_id": meeting.lesson_id,
        "my_status": mine.status if mine else None,
        "counts": counts,
        "attendance": [_attendance(r) for r in rows] if sees_list else [],
        "quorum": {
            "rule": quorum.rule,
            "label": quorum.label,
            "base": quorum.base,
            "present": quorum.present,
            "needed": quorum.needed,
            "met": quorum.met,
            "frozen": quorum.frozen,
        }
        if quorum
        else None,
        "minutes": _minutes(selectors.minutes_of(meeting)) if reads else None,
        "attachments": [_attachment(a) for a in attachments],
        "amendments": [
            {
                "field": a.field,
                "before": a.before,
                "after": a.after,
                "note": a.note,
                "amended_by": _person(a.amended_by),
                "created_at": a.created_at,
            }
            for a in (selectors.amendments_of(meeting) if reads else [])
        ],
        "leave_requests": [
            {
                "id": lv.pk,
                "user": _person(lv.user),
                "reason": lv.reason,
                "status": lv.status,
                "decision_note": lv.decision_note,
                "created_at": lv.created_at,
            }
            for lv in selectors.leave_requests_of(meeting)
            if sees_list or lv.user_id == user.pk
        ],
        "pdf_url": reverse("api:meeting_pdf", args=[meeting.pk]) if reads else None,
    }


def _attachment(a: Attachment) -> dict[str, Any]:
    url = reverse("api:meeting_attachment", args=[a.meeting_id, a.pk])
    return {
        "id": a.pk,
        "kind": a.kind,
        "width": a.width,
        "height": a.height,
        "url": url,
        "thumb_url": f"{url}?size=thumb",
    }


def _meeting(request: HttpRequest, meeting_id: Id) -> Meeting:
    return selectors.get_meeting_for_user(request.user, meeting_id)


# --- fixed paths first (before /{meeting_id}) --------------------------------------------------


class CheckinIn(Schema):
    token: str = Field(..., max_length=200)


class CheckinOut(Schema):
    meeting_id: int
    topic: str
    status: str
    status_label: str
    signed_at: datetime.datetime | None


@router.post(
    "/checkin",
    response={200: CheckinOut, **errors(400, 403, 404)},
    summary="扫码签到（二维码中的令牌）",
)
def checkin(request: HttpRequest, body: CheckinIn) -> dict[str, Any]:
    row = services.checkin(user=request.user, token=body.token)
    meeting = row.meeting
    return {
        "meeting_id": meeting.pk,
        "topic": meeting.topic,
        "status": row.status,
        "status_label": row.get_status_display(),
        "signed_at": row.signed_at,
    }


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


class CalendarOut(Schema):
    enabled: bool
    url: str | None


class CalendarIn(Schema):
    action: str = Field(..., max_length=10, description="enable、reset 或 disable")


def _calendar(request: HttpRequest) -> dict[str, Any]:
    prefs = selectors.prefs_of(request.user)
    url = None
    if prefs.calendar_enabled:
        token = calendar_token(prefs.user_id, prefs.calendar_version)
        url = request.build_absolute_uri(reverse("meetings:calendar", args=[token]))
    return {"enabled": prefs.calendar_enabled, "url": url}


@router.get("/calendar", response=CalendarOut, summary="我的日历订阅地址")
def calendar_get(request: HttpRequest) -> dict[str, Any]:
    return _calendar(request)


@router.post(
    "/calendar",
    response={200: CalendarOut, **errors(400)},
    summary="启用、更换或停用日历订阅地址",
)
def calendar_post(request: HttpRequest, body: CalendarIn) -> dict[str, Any]:
    if body.action == "enable":
        services.calendar_enable(user=request.user)
    elif body.action == "reset":
        services.calendar_reset(user=request.user)
    elif body.action == "disable":
        services.calendar_reset(user=request.user, enabled=False)
    else:
        raise Refused("action 应为 enable、reset 或 disable", field="action")
    return _calendar(request)


# --- meetings --------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: MeetingPage, **errors(404)},
    summary="会议列表（我参加的，或我能查看台账的组织的）",
)
def meeting_list(request: HttpRequest, params: Query[ListQuery]) -> dict[str, Any]:
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


class PlanIn(MeetingIn):
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
def plan(request: HttpRequest, body: PlanIn) -> Status[dict[str, Any]]:
    from xianfeng.meetings.services.planning import branch_of

    org = get_org_for_user(request.user, body.org, rules.LEDGER_ROLES | rules.PLAN_ROLES)
    meeting = services.meeting_plan(
        actor=actor_of(request),
        org=org,
        data=_data(body, branch_of(org, body.kind), request.user),
        attendee_ids=body.attendee_ids,
    )
    return Status(201, _detail(request, _meeting(request, meeting.pk)))


@router.get("/{meeting_id}", response={200: MeetingDetail, **errors(404)}, summary="会议详情")
def detail(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    return _detail(request, _meeting(request, meeting_id))


@router.put(
    "/{meeting_id}",
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
    "/{meeting_id}/cancel",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="取消会议",
)
def cancel(request: HttpRequest, meeting_id: Id, body: ReasonIn) -> dict[str, Any]:
    services.meeting_cancel(
        actor=actor_of(request), meeting=_meeting(request, meeting_id), reason=body.reason
    )
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{meeting_id}/held",
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
    "/{meeting_id}/attendees",
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


class RecordIn(Schema):
    user_id: Id
    status: str = Field(..., max_length=16)
    reason: str = Field(..., max_length=200)


@router.post(
    "/{meeting_id}/attendance",
    response={200: AttendanceOut, **errors(400, 403, 404)},
    summary="补录出勤（须写明原因）",
)
def record(request: HttpRequest, meeting_id: Id, body: RecordIn) -> dict[str, Any]:
    row = services.attendance_record(
        actor=actor_of(request),
        meeting=_meeting(request, meeting_id),
        user_id=body.user_id,
        status=body.status,
        reason=body.reason,
    )
    return _attendance(Attendance.objects.select_related("user").get(pk=row.pk))


@router.post(
    "/{meeting_id}/leave", response={200: LeaveOut, **errors(400, 403, 404)}, summary="请假"
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


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


@router.post(
    "/{meeting_id}/leave/{leave_id}",
    response={200: LeaveOut, **errors(400, 403, 404)},
    summary="审批请假（书记）",
)
def leave_decide(
    request: HttpRequest, meeting_id: Id, leave_id: Id, body: DecisionIn
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
    "/{meeting_id}/checkin-code",
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


class MinutesIn(Schema):
    agenda: str = Field("", max_length=20000)
    discussion: str = Field("", max_length=20000)
    resolutions: str = Field("", max_length=20000)
    film: str = Field("", max_length=100)
    practice: str = Field("", max_length=20000)


@router.put(
    "/{meeting_id}/minutes",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="填写会议记录（记录人A，或代记的B）",
)
def minutes_put(request: HttpRequest, meeting_id: Id, body: MinutesIn) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    if not rules.can_read_minutes(request.user, meeting):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有记录人可以填写会议记录")
    services.minutes_save(
        actor=actor_of(request), meeting=meeting, data=services.MinutesData(**body.dict())
    )
    return _detail(request, _meeting(request, meeting_id))


class NoteIn(Schema):
    note: str = Field(..., max_length=500)


@router.post(
    "/{meeting_id}/minutes/submit",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="提交记录审核",
)
def minutes_submit(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    services.minutes_submit(actor=actor_of(request), meeting=_meeting(request, meeting_id))
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{meeting_id}/minutes/approve",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="审核通过（记录人B）",
)
def minutes_approve(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    services.minutes_approve(actor=actor_of(request), meeting=_meeting(request, meeting_id))
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{meeting_id}/minutes/return",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="退回修改",
)
def minutes_return(request: HttpRequest, meeting_id: Id, body: NoteIn) -> dict[str, Any]:
    services.minutes_return(
        actor=actor_of(request), meeting=_meeting(request, meeting_id), note=body.note
    )
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{meeting_id}/archive",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="归档",
)
def archive(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    services.meeting_archive(actor=actor_of(request), meeting=_meeting(request, meeting_id))
    return _detail(request, _meeting(request, meeting_id))


class AmendIn(Schema):
    changes: dict[str, Annotated[str, Field(max_length=20000)]] = Field(..., max_length=10)
    note: str = Field(..., max_length=500)


@router.post(
    "/{meeting_id}/amend",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="修订已审核的记录（留痕）",
)
def amend(request: HttpRequest, meeting_id: Id, body: AmendIn) -> dict[str, Any]:
    services.meeting_amend(
        actor=actor_of(request),
        meeting=_meeting(request, meeting_id),
        changes=body.changes,
        note=body.note,
    )
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{meeting_id}/attachments",
    response={200: AttachmentOut, **errors(400, 403, 404)},
    summary="上传会议照片或签到表扫描件",
)
def attachment_add(
    request: HttpRequest,
    meeting_id: Id,
    kind: Form[str],
    image: File[UploadedFile],
) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    a = services.attachment_add(
        actor=actor_of(request),
        meeting=meeting,
        kind=kind,
        handle=image,
        size=image.size or 0,
        name=image.name or "",
    )
    return _attachment(a)


@router.get(
    "/{meeting_id}/attachments/{attachment_id}",
    url_name="meeting_attachment",
    response={200: None, **errors(404)},
    summary="会议照片或签到表（size=thumb 为缩略图）",
    openapi_extra={
        "responses": {200: {"description": "JPEG", "content": {"image/jpeg": {"schema": BINARY}}}}
    },
)
def attachment(
    request: HttpRequest, meeting_id: Id, attachment_id: Id, size: str = ""
) -> FileResponse:
    from django.http import Http404

    item = selectors.get_attachment_for_user(request.user, meeting_id, attachment_id)
    field = item.thumb if size == "thumb" else item.image
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@router.delete(
    "/{meeting_id}/attachments/{attachment_id}",
    response={204: None, **errors(400, 403, 404)},
    summary="删除会议照片或签到表",
)
def attachment_delete(request: HttpRequest, meeting_id: Id, attachment_id: Id) -> Status[None]:
    item = selectors.get_attachment_for_user(request.user, meeting_id, attachment_id)
    services.attachment_delete(actor=actor_of(request), attachment=item)
    return Status(204, None)


@router.get(
    "/{meeting_id}/minutes.pdf",
    url_name="meeting_pdf",
    response={200: None, **errors(403, 404)},
    summary="会议记录 PDF",
    openapi_extra={
        "responses": {
            200: {"description": "PDF", "content": {"application/pdf": {"schema": BINARY}}}
        }
    },
)
def minutes_pdf(request: HttpRequest, meeting_id: Id) -> HttpResponse:
    from xianfeng.meetings.views import minutes_pdf as pdf_view

    _meeting(request, meeting_id)
    return pdf_view(request, meeting_id)  # type: ignore[arg-type]
