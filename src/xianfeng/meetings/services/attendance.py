"""Attendance: QR sign-in, leave requests, and 补录 (recording attendance afterwards)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import visible_length
from xianfeng.meetings.enums import (
    ATTENDED,
    CHECKIN_OPENS_BEFORE,
    LATE_AFTER,
    LOCKED_STATES,
    AttendanceSource,
    AttendanceStatus,
    LeaveStatus,
    MeetingState,
    NoticeKind,
)
from xianfeng.meetings.models import Attendance, LeaveRequest, Meeting
from xianfeng.meetings.periods import local_date
from xianfeng.meetings.rules import can_decide_leave, can_record_attendance
from xianfeng.meetings.selectors import candidates_for
from xianfeng.meetings.services.notices import meeting_notify
from xianfeng.meetings.services.planning import meeting_move
from xianfeng.meetings.tokens import (
    CHECKIN,
    checkin_signature_ok,
    parse_checkin_token,
    step_at,
)
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.people.models import User

INVALID = "二维码无效，请扫描会场上显示的签到二维码"
MANUAL_STATUSES = frozenset(
    {
        AttendanceStatus.PRESENT,
        AttendanceStatus.LATE,
        AttendanceStatus.ABSENT,
        AttendanceStatus.LEAVE,
    }
)


def _hm(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def checkin_meeting(token: str) -> Meeting:
    """The meeting a QR token names, if its signature is right (any time)."""
    parsed = parse_checkin_token(token)
    if parsed is None:
        raise Refused(INVALID)
    meeting = (
        Meeting.objects.select_related("org", "branch", "host").filter(pk=parsed.subject_id).first()
    )
    if meeting is None or not checkin_signature_ok(parsed, meeting.checkin_key):
        raise Refused(INVALID)
    return meeting


def checkin_scan(token: str, now: datetime.datetime) -> Meeting:
    """A code scanned by someone not yet logged in: the meeting, if the code is genuine and
    fresh at this moment (the moment that counts once they have logged in)."""
    parsed = parse_checkin_token(token)
    meeting = checkin_meeting(token)
    assert parsed is not None  # checked by checkin_meeting
    if parsed.step > step_at(now):
        raise Refused(INVALID)
    if not CHECKIN.is_current(parsed, now):
        raise Refused("二维码已过期（每 30 秒更新一次），请扫描会场上最新的二维码")
    return meeting


def _checkin_open(token: str, now: datetime.datetime) -> Meeting:
    """The meeting a QR code signs in to at `now`, if the code is genuine and fresh and the
    meeting is open for sign-in; else Refused with the reason."""
    parsed = parse_checkin_token(token)
    meeting = checkin_meeting(token)
    assert parsed is not None  # checked by checkin_meeting
    if parsed.step > step_at(now):
        raise Refused(INVALID)
    if not CHECKIN.is_current(parsed, now):
        raise Refused("二维码已过期（每 30 秒更新一次），请扫描会场上最新的二维码")
    if meeting.state == MeetingState.CANCELLED:
        raise Refused("会议已取消")
    if meeting.state not in (MeetingState.PLANNED, MeetingState.HELD):
        raise Refused("会议记录已提交，签到已结束；如需更正请联系记录人")
    if now < meeting.starts_at - CHECKIN_OPENS_BEFORE:
        minutes = int(CHECKIN_OPENS_BEFORE.total_seconds() // 60)
        raise Refused(f"签到尚未开始：会前 {minutes} 分钟开放签到")
    if now > meeting.ends_at:
        raise Refused("会议已结束，不能再扫码签到；如确实到会，请联系记录人补录")
    return meeting


def _checked_in_data(meeting: Meeting, user_id: int, status: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "status": status,
        "kind": meeting.kind,
        "topic": meeting.topic,
        "on": local_date(meeting.starts_at).isoformat(),
    }


def checkin(*, user: Any, token: str, now: datetime.datetime | None = None) -> Attendance:
    """Sign in with the QR code shown at the meeting: a fresh code, during the meeting's
    window, by someone expected, once. Later than five minutes after the start is 迟到."""
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录再签到")
    meeting = _checkin_open(token, now)
    status = (
        AttendanceStatus.LATE if now > meeting.starts_at + LATE_AFTER else AttendanceStatus.PRESENT
    )
    with transaction.atomic():
        row = Attendance.objects.filter(meeting=meeting, user_id=user.pk).first()
        if row is None:
            raise Refused("您不在本次会议的应到人员名单中，请联系会议主持人")
        # A conditional UPDATE: two taps at once sign in once.
        updated = (
            Attendance.objects.filter(pk=row.pk)
            .exclude(status__in=ATTENDED)
            .update(
                status=status,
                source=AttendanceSource.QR,
                signed_at=now,
                updated_at=now,
            )
        )
        if not updated:
            row.refresh_from_db()
            when = f"于 {_hm(row.signed_at)} " if row.signed_at else ""
            raise Refused(f"您已{when}签到，无需重复签到")
        row.refresh_from_db()
        events.publish(
            "meeting.checked_in",
            actor=user,
            obj=meeting,
            org=meeting.branch,
            data=_checked_in_data(meeting, user.pk, status),
        )
    return row


def checkin_many(
    *, users: list[Any], token: str, now: datetime.datetime | None = None
) -> list[Attendance]:
    """The QR sign-ins of several people with the same code at the same moment (a queue of
    scans at the door, or a venue's offline sign-ins sent in one go): each as `checkin`
    would sign them in, in a bounded number of queries, with one `meeting.checked_in` each
    dispatched together (their points are credited in one batch). Those not expected or
    already signed in are left out; returns the rows signed in now."""
    now = now or timezone.now()
    if not all(getattr(user, "is_authenticated", False) for user in users):
        raise PermissionDenied("请先登录再签到")
    meeting = _checkin_open(token, now)
    status = (
        AttendanceStatus.LATE if now > meeting.starts_at + LATE_AFTER else AttendanceStatus.PRESENT
    )
    by_id = {user.pk: user for user in users}
    with transaction.atomic():
        rows = list(
            Attendance.objects.select_for_update()
            .filter(meeting=meeting, user_id__in=by_id)
            .exclude(status__in=ATTENDED)
            .order_by("pk")
        )
        if not rows:
            return []
        Attendance.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=status, source=AttendanceSource.QR, signed_at=now, updated_at=now
        )
        for row in rows:
            row.status, row.source, row.signed_at, row.updated_at = (
                status,
                AttendanceSource.QR,
                now,
                now,
            )
        # One event per person, as their own sign-in writes: the actor is the member.
        events.publish_many(
            "meeting.checked_in",
            actor=None,
            actors=[by_id[row.user_id] for row in rows],
            obj=meeting,
            org=meeting.branch,
            data=[_checked_in_data(meeting, row.user_id, status) for row in rows],
        )
    return rows


def attendance_record(
    *,
    actor: User,
    meeting: Meeting,
    user_id: int,
    status: str,
    reason: str,
    now: datetime.datetime | None = None,
) -> Attendance:
    """补录: record afterwards that someone was present, late, absent or (by the secretary)
    on leave, with a reason;
    the entry is marked as 补录 with who made it. Someone not on the list is added."""
    now = now or timezone.now()
    if not can_record_attendance(actor, meeting):
        raise PermissionDenied("只有书记、组织委员或记录人可以补录出勤")
    if status not in MANUAL_STATUSES:
        raise Refused("补录的出勤应为出席、迟到、请假或缺席", field="status")
    if status == AttendanceStatus.LEAVE and not can_decide_leave(actor, meeting):
        raise PermissionDenied("请假只能由支部书记批准或补录")
    reason = " ".join(reason.split())
    if visible_length(reason) < 2:
        raise Refused("补录须写明原因", field="reason")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.state in LOCKED_STATES:
            raise Refused("会议记录已审核，出勤不能再补录")
        if meeting.state == MeetingState.CANCELLED:
            raise Refused("会议已取消")
        if now < meeting.starts_at:
            raise Refused("会议尚未开始，不能补录出勤")
        row = (
            Attendance.objects.select_for_update().filter(meeting=meeting, user_id=user_id).first()
        )
        if row is None:
            if not candidates_for(meeting.branch).filter(pk=user_id).exists():
                raise Refused("该同志不是本支部党员，也不在应到名单中", field="user")
            row = Attendance(meeting=meeting, user_id=user_id)
        before = row.status
        row.status = status
        row.source = AttendanceSource.MANUAL
        row.reason = reason[:200]
        row.recorded_by = actor
        row.signed_at = None if status == AttendanceStatus.ABSENT else (row.signed_at or now)
        row.save()
        audit_log(
            actor=actor,
            action="meeting.attendance_record",
            obj=meeting,
            org=meeting.branch,
            data={"user": user_id, "from": before, "to": status, "reason": row.reason},
        )
    return row


def leave_request(
    *, user: Any, meeting: Meeting, reason: str, now: datetime.datetime | None = None
) -> LeaveRequest:
    """Ask the branch secretary for leave from a meeting one is expected at."""
    now = now or timezone.now()
    reason = " ".join(reason.split())
    if visible_length(reason) < 2:
        raise Refused("请写明请假事由", field="reason")
    if len(reason) > 200:
        raise Refused("请假事由最多 200 个字", field="reason")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.state not in (MeetingState.PLANNED, MeetingState.HELD) or now > meeting.ends_at:
            raise Refused("会议已结束或已取消，不能再请假")
        row = Attendance.objects.filter(meeting=meeting, user_id=user.pk).first()
        if row is None:
            raise Refused("您不在本次会议的应到人员名单中")
        if row.status in ATTENDED:
            raise Refused("您已签到，不能再请假")
        leave = (
            LeaveRequest.objects.select_for_update()
            .filter(meeting=meeting, user_id=user.pk)
            .first()
        )
        if leave is not None and leave.status == LeaveStatus.APPROVED:
            raise Refused("您的请假已获批准")
        if leave is None:
            leave = LeaveRequest(meeting=meeting, user_id=user.pk)
        leave.reason = reason
        leave.status = LeaveStatus.PENDING
        leave.decided_by, leave.decided_at, leave.decision_note = None, None, ""
        leave.save()
        audit_log(
            actor=user,
            action="meeting.leave_request",
            obj=leave,
            org=meeting.branch,
            data={"meeting": meeting.pk, "reason": reason},
        )
        secretaries = Role.objects.filter(
            org_id__in={meeting.branch_id, meeting.org_id}, kind=RoleKind.SECRETARY
        ).values_list("user_id", flat=True)
        meeting_notify(
            user_ids=secretaries,
            meeting=meeting,
            kind=NoticeKind.LEAVE_REQUEST,
            title=f"请假申请：{user.name} 申请不参加「{meeting.topic}」",
            body=f"事由：{reason}",
            actor=user,
        )
    return leave


def leave_decide(
    *, actor: User, leave: LeaveRequest, approve: bool, note: str = ""
) -> LeaveRequest:
    """The branch secretary approves or refuses a leave request; an approved one marks
    the person 请假 (a later sign-in still counts them as present)."""
    meeting = leave.meeting
    if not can_decide_leave(actor, meeting):
        raise PermissionDenied("只有支部书记可以审批请假")
    note = " ".join(note.split())[:200]
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
        if leave.status != LeaveStatus.PENDING:
            raise Refused("该请假申请已审批")
        if meeting.state in LOCKED_STATES or meeting.state == MeetingState.CANCELLED:
            raise Refused("会议记录已审核或会议已取消，不能再审批请假")
        row = (
            Attendance.objects.select_for_update()
            .filter(meeting=meeting, user_id=leave.user_id)
            .first()
        )
        if approve and row is not None and row.status in ATTENDED:
            raise Refused("该同志已签到，无需请假")
        leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
        leave.decided_by, leave.decided_at, leave.decision_note = actor, timezone.now(), note
        leave.save()
        if approve and row is not None:
            row.status, row.source = AttendanceStatus.LEAVE, AttendanceSource.LEAVE
            row.reason = leave.reason
            row.save(update_fields=["status", "source", "reason", "updated_at"])
        audit_log(
            actor=actor,
            action="meeting.leave_approve" if approve else "meeting.leave_reject",
            obj=leave,
            org=meeting.branch,
            data={"meeting": meeting.pk, "user": leave.user_id, "note": note},
        )
        meeting_notify(
            user_ids=[leave.user_id],
            meeting=meeting,
            kind=NoticeKind.LEAVE,
            title=f"请假{'已批准' if approve else '未批准'}：「{meeting.topic}」",
            body=note,
            actor=actor,
        )
    return leave


def ensure_held(meeting: Meeting, actor: User, now: datetime.datetime) -> Meeting:
    """A planned meeting whose start has passed moves to held when its record begins."""
    if meeting.state == MeetingState.PLANNED:
        if now < meeting.starts_at:
            raise Refused("会议尚未开始，不能填写会议记录")
        meeting_move(meeting, MeetingState.HELD, actor, held_at=now)
    return meeting
