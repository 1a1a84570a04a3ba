"""Minutes (会议记录) under the AB rule: A writes, B approves; amendments once approved."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank, visible_length
from xianfeng.lessons.services import group_viewing_credit
from xianfeng.meetings.enums import (
    AMENDABLE_FIELDS,
    ATTACHMENTS_PER_MEETING,
    ATTENDED,
    LOCKED_STATES,
    PHOTO_MAX_SIDE,
    SHEET_MAX_SIDE,
    AttachmentKind,
    AttendanceSource,
    AttendanceStatus,
    MeetingState,
    NoticeKind,
)
from xianfeng.meetings.images import process_image
from xianfeng.meetings.models import Amendment, Attachment, Attendance, Meeting, Minutes
from xianfeng.meetings.rules import (
    can_amend,
    can_manage,
    is_recorder,
    minutes_approver_id,
    minutes_writer_id,
)
from xianfeng.meetings.selectors import quorum_of
from xianfeng.meetings.services.attendance import ensure_held
from xianfeng.meetings.services.notices import meeting_notify
from xianfeng.meetings.services.planning import meeting_move
from xianfeng.people.models import User

LOCKED = "会议记录已审核，不能直接修改；如需更正，请使用“修订”并写明理由"
TEXT_LIMIT = 20_000
AMENDABLE = AMENDABLE_FIELDS
MEETING_FIELDS = frozenset({"topic", "place"})


@dataclass
class MinutesData:
    agenda: str = ""
    discussion: str = ""
    resolutions: str = ""
    film: str = ""
    practice: str = ""


def _a_status(meeting: Meeting) -> str | None:
    return (
        Attendance.objects.filter(meeting=meeting, user_id=meeting.recorder_a_id)
        .values_list("status", flat=True)
        .first()
    )


def _check_writer(actor: User, meeting: Meeting) -> None:
    writer = minutes_writer_id(meeting, _a_status(meeting))
    if actor.pk == writer:
        return
    if actor.pk == meeting.recorder_b_id:
        raise PermissionDenied("会议记录由记录人A填写；A 被记为缺席或请假后，才由记录人B代为记录")
    raise PermissionDenied("只有记录人可以填写会议记录")


def _locked_meeting(meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("branch").get(pk=meeting.pk)
    if meeting.state in LOCKED_STATES:
        raise Refused(LOCKED)
    if meeting.state == MeetingState.CANCELLED:
        raise Refused("会议已取消")
    return meeting


def minutes_save(
    *, actor: User, meeting: Meeting, data: MinutesData, now: datetime.datetime | None = None
) -> Minutes:
    """The writer (A, or B standing in for an absent A) saves the record; a planned
    meeting whose start has passed becomes held."""
    now = now or timezone.now()
    fields = {
        "agenda": data.agenda.strip(),
        "discussion": data.discussion.strip(),
        "resolutions": data.resolutions.strip(),
        "film": " ".join(data.film.split())[:100],
        "practice": data.practice.strip(),
    }
    if any(len(v) > TEXT_LIMIT for v in fields.values()):
        raise Refused(f"每一项最多 {TEXT_LIMIT} 个字")
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        _check_writer(actor, meeting)
        if meeting.state == MeetingState.SUBMITTED:
            raise Refused("会议记录已提交审核，退回后才能修改")
        ensure_held(meeting, actor, now)
        minutes, created = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
        for name, value in fields.items():
            setattr(minutes, name, value)
        minutes.written_by = actor
        minutes.save()
        audit_log(
            actor=actor,
            action="meeting.minutes_save",
            obj=meeting,
            org=meeting.branch,
            data={"created": created, "chars": sum(len(v) for v in fields.values())},
        )
    return minutes


def minutes_submit(
    *, actor: User, meeting: Meeting, now: datetime.datetime | None = None
) -> Meeting:
    """The writer hands the record to the approver (B, or the host when B wrote it)."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        _check_writer(actor, meeting)
        minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
        if minutes is None or is_blank(minutes.agenda):
            raise Refused("请先填写会议议程", field="agenda")
        if is_blank(minutes.resolutions) and is_blank(minutes.discussion):
            raise Refused("请填写讨论情况或会议决议", field="resolutions")
        ensure_held(meeting, actor, now)
        minutes.written_by = actor
        minutes.submitted_at = now
        minutes.returned_note = ""
        minutes.save()
        meeting_move(meeting, MeetingState.SUBMITTED, actor)
        approver = minutes_approver_id(meeting, actor.pk)
        meeting_notify(
            user_ids=[approver],
            meeting=meeting,
            kind=NoticeKind.MINUTES,
            title=f"会议记录待您审核：「{meeting.topic}」",
            body=f"记录人：{actor.name}",
            actor=actor,
        )
    return meeting


def _check_approver(actor: User, meeting: Meeting, minutes: Minutes) -> None:
    approver = minutes_approver_id(meeting, minutes.written_by_id)
    if actor.pk == approver:
        return
    if approver == meeting.host_id:
        raise PermissionDenied("这份记录由记录人B代记，应由会议主持人审核")
    raise PermissionDenied("只有记录人B可以审核会议记录")


def minutes_return(*, actor: User, meeting: Meeting, note: str) -> Meeting:
    """The approver sends the record back to the writer with what to change."""
    note = " ".join(note.split())
    if is_blank(note):
        raise Refused("请写明退回意见", field="note")
    with transaction.atomic():
        meeting = _locked_meeting(meeting)
        minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
        if meeting.state != MeetingState.SUBMITTED or minutes is None:
            raise Refused("会议记录尚未提交审核")
        _check_approver(actor, meeting, minutes)
        minutes.returned_note = note[:500]
        minutes.save(update_fields=["returned_note", "updated_at"])
        meeting_move(meeting, MeetingState.HELD, actor)
        if minutes.written_by_id:
            meeting_notify(
                user_ids=[minutes.written_by_id],
                meeting=meeting,
                kind=NoticeKind.MINUTES,
                title=f"会议记录被退回：「{meeting.topic}」",
                body=f"退回意见：{note}",
                actor=actor,
            )
    return meeting


def minutes_approve(
    *, actor: User, meeting: Meeting, now: datetime.datetime | None = None
) -> Meeting:
    """The approver signs off. The host and the writer, if they never signed in, are
    recorded present (as 补录, with the reason: they evidently attended); everyone else who
    never signed in is recorded absent; the quorum's figures are fixed on the meeting."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("branch").get(pk=meeting.pk)
        minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
        if meeting.state != MeetingState.SUBMITTED or minutes is None:
            raise Refused("会议记录尚未提交审核" if meeting.state not in LOCKED_STATES else LOCKED)
        _check_approver(actor, meeting, minutes)
        unsigned = Attendance.objects.filter(meeting=meeting, status=AttendanceStatus.EXPECTED)
        evident = [(meeting.host_id, "主持会议，未扫码签到")]
        if minutes.written_by_id is not None:
            evident.append((minutes.written_by_id, "记录会议，未扫码签到"))
        for user_id, reason in evident:
            unsigned.filter(user_id=user_id).update(
                status=AttendanceStatus.PRESENT,
                source=AttendanceSource.MANUAL,
                reason=reason,
                recorded_by=actor,
                updated_at=now,
            )
        unsigned.update(status=AttendanceStatus.ABSENT, updated_at=now)
        quorum = quorum_of(meeting)
        minutes.approved_by, minutes.approved_at = actor, now
        minutes.save(update_fields=["approved_by", "approved_at", "updated_at"])
        meeting_move(
            meeting,
            MeetingState.APPROVED,
            actor,
            quorum_base=quorum.base if quorum else None,
            quorum_present=quorum.present if quorum else None,
        )
        if meeting.lesson_id:
            # A 党课 / 主题党日 that showed a micro lesson: everyone present watched it
            # together (集体收看), counted in 参学率 beside personal watching.
            group_viewing_credit(
                actor=actor,
                lesson_ids=[meeting.lesson_id],
                user_ids=list(
                    Attendance.objects.filter(meeting=meeting, status__in=ATTENDED).values_list(
                        "user_id", flat=True
                    )
                ),
                source="meetings.meeting",
                source_id=meeting.pk,
                viewed_on=timezone.localtime(meeting.starts_at).date(),
            )
        if minutes.written_by_id:
            meeting_notify(
                user_ids=[minutes.written_by_id],
                meeting=meeting,
                kind=NoticeKind.MINUTES,
                title=f"会议记录已审核通过：「{meeting.topic}」",
                actor=actor,
            )
    return meeting


def meeting_archive(*, actor: User, meeting: Meeting) -> Meeting:
    """File approved minutes in the year's ledger."""
    if not can_manage(actor, meeting):
        raise PermissionDenied("只有本支部的书记或组织委员可以归档")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("branch").get(pk=meeting.pk)
        return meeting_move(meeting, MeetingState.ARCHIVED, actor)


def meeting_amend(
    *, actor: User, meeting: Meeting, changes: Mapping[str, str], note: str
) -> list[Amendment]:
    """Change approved or archived minutes: each changed item keeps its old and new text
    and the reason, shown with the record and in its PDF."""
    note = " ".join(note.split())
    if visible_length(note) < 4:
        raise Refused("请写明修订理由（至少 4 个字）", field="note")
    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise Refused("不能修订这些内容：" + "、".join(sorted(unknown)))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("branch").get(pk=meeting.pk)
        if meeting.state not in LOCKED_STATES:
            raise Refused("会议记录尚未审核，请直接修改记录")
        if not can_amend(actor, meeting):
            raise PermissionDenied("只有书记、组织委员或记录人可以修订会议记录")
        minutes = Minutes.objects.select_for_update().get(meeting=meeting)
        made: list[Amendment] = []
        for name in AMENDABLE:
            if name not in changes:
                continue
            target: Any = meeting if name in MEETING_FIELDS else minutes
            new = changes[name].strip()
            if name in MEETING_FIELDS and is_blank(new):
                raise Refused(f"{AMENDABLE[name]}不能为空", field=name)
            old = getattr(target, name)
            # Text saved before input was normalised may hold CR LF: not a change.
            if new == clean_text(old):
                continue
            setattr(target, name, new)
            made.append(
                Amendment(
                    meeting=meeting,
                    field=name,
                    before=old,
                    after=new,
                    note=note[:500],
                    amended_by=actor,
                )
            )
        if not made:
            raise Refused("没有修改任何内容")
        meeting.save()
        minutes.save()
        Amendment.objects.bulk_create(made)
        audit_log(
            actor=actor,
            action="meeting.amend",
            obj=meeting,
            org=meeting.branch,
            data={"fields": [a.field for a in made], "note": note},
        )
    return made


def attachment_add(
    *,
    actor: User,
    meeting: Meeting,
    kind: str,
    handle: IO[bytes],
    size: int,
    name: str = "",
) -> Attachment:
    """A photo or a scan of the sign-in sheet, shrunk and kept private, while the record
    is being written."""
    if not (is_recorder(actor, meeting) or can_manage(actor, meeting)):
        raise PermissionDenied("只有记录人、书记或组织委员可以上传会议附件")
    if kind not in AttachmentKind.values:
        raise Refused("请选择附件类别", field="kind")
    processed = process_image(
        handle,
        size=size,
        max_side=SHEET_MAX_SIDE if kind == AttachmentKind.SIGNIN_SHEET else PHOTO_MAX_SIDE,
    )
    stem = uuid.uuid4().hex
    written: list[str] = []
    storage: Any = Attachment._meta.get_field("image").storage
    try:
        with transaction.atomic():
            meeting = _locked_meeting(meeting)
            if meeting.state == MeetingState.PLANNED and timezone.now() < meeting.starts_at:
                raise Refused("会议尚未开始，不能上传会议照片")
            if Attachment.objects.filter(meeting=meeting).count() >= ATTACHMENTS_PER_MEETING:
                raise Refused(f"每次会议最多 {ATTACHMENTS_PER_MEETING} 个附件")
            attachment = Attachment(
                meeting=meeting,
                kind=kind,
                width=processed.width,
                height=processed.height,
                original_name=name[:255],
                uploaded_by=actor,
            )
            attachment.image.save(f"{stem}.jpg", ContentFile(processed.image), save=False)
            written.append(attachment.image.name or "")
            attachment.thumb.save(f"{stem}-s.jpg", ContentFile(processed.thumb), save=False)
            written.append(attachment.thumb.name or "")
            attachment.save()
            audit_log(
                actor=actor,
                action="meeting.attachment_add",
                obj=meeting,
                org=meeting.branch,
                data={"attachment": attachment.pk, "kind": kind, "name": name[:100]},
            )
    except BaseException:
        # The files were written before the row; a failed row must not leave them behind.
        for written_name in written:
            if written_name:
                storage.delete(written_name)
        raise
    return attachment


def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Remove an attachment before the record is approved."""
    meeting = attachment.meeting
    if not (attachment.uploaded_by_id == actor.pk or can_manage(actor, meeting)):
        raise PermissionDenied("只有上传人、书记或组织委员可以删除附件")
    with transaction.atomic():
        _locked_meeting(meeting)
        files = [attachment.image.name, attachment.thumb.name]
        storage = attachment.image.storage
        audit_log(
            actor=actor,
            action="meeting.attachment_delete",
            obj=meeting,
            org=meeting.branch,
            data={"attachment": attachment.pk, "name": attachment.original_name},
        )
        attachment.delete()

        def remove() -> None:
            for name in files:
                if name:
                    storage.delete(name)

        transaction.on_commit(remove)
