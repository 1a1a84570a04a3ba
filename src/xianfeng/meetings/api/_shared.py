"""What the meetings API shares: the router, the meeting schemas and how a meeting is read."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Schema

from xianfeng.common.apitools import ApiRouter, Id, PageNumber, Year
from xianfeng.meetings import rules, selectors
from xianfeng.meetings.enums import (
    AttendanceStatus,
)
from xianfeng.meetings.models import Attachment, Attendance, Meeting, Minutes

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


class MeetingListQuery(Schema):
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
