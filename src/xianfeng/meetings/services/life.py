"""The 组织生活会 in substance: 对照检查材料, 批评与自我批评 and the 整改清单 (rectification
items with owner, deadline, progress and evidence, closed by the branch secretary), and the
weekly reminder of overdue items."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.common.transitions import transition
from xianfeng.meetings.enums import (
    LIFE_CONTENT_TYPES,
    LIFE_FILE_MAX_BYTES,
    LIFE_FILE_SIGNATURES,
    LOCKED_STATES,
    RECTIFICATION_MACHINE,
    RECTIFICATIONS_PER_MEETING,
    UPDATES_PER_RECTIFICATION,
    MeetingKind,
    MeetingState,
    NoticeKind,
    RectificationState,
)
from xianfeng.meetings.models import (
    Attendance,
    Criticism,
    LifeFile,
    Meeting,
    Rectification,
    RectificationReminder,
    RectificationUpdate,
    ReviewMaterial,
)
from xianfeng.meetings.rules import (
    can_close_rectification,
    can_list_rectification,
    can_record_criticism,
    can_report_progress,
    is_officer,
)
from xianfeng.meetings.selectors import candidates_for
from xianfeng.meetings.selectors.life import is_branch_member
from xianfeng.meetings.services.notices import meeting_notify
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.people.models import User

TEXT_LIMIT = 20_000
NOT_LIFE = "只有组织生活会才有对照检查材料、批评与自我批评和整改清单"


@dataclass
class Upload:
    """A file as a form or the API hands it over."""

    handle: IO[bytes]
    size: int
    name: str


def _check_life(meeting: Meeting) -> None:
    if meeting.kind != MeetingKind.LIFE:
        raise Refused(NOT_LIFE)
    if meeting.state == MeetingState.CANCELLED:
        raise Refused("会议已取消")


def _locked(meeting: Meeting, *, record: bool) -> Meeting:
    """The meeting row, locked; `record`: the meeting's own record (materials, criticism
    notes) is fixed once the minutes are approved."""
    meeting = Meeting.objects.select_for_update().select_related("branch", "org").get(pk=meeting.pk)
    _check_life(meeting)
    if record and meeting.state in LOCKED_STATES:
        raise Refused("会议记录已审核，对照检查材料和批评意见不能再修改")
    return meeting


def _text(value: str, label: str, field: str, *, limit: int = TEXT_LIMIT) -> str:
    text = clean_text(value).strip()
    if len(text) > limit:
        raise Refused(f"{label}最多 {limit} 个字", field=field)
    return text


def file_kind(name: str, head: bytes) -> str:
    """The file's type from its name and its first bytes; refuses what is neither."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in LIFE_FILE_SIGNATURES:
        raise Refused("文件只能是 PDF、Word、Excel 或 JPG/PNG 图片", field="file")
    if not any(head.startswith(sig) for sig in LIFE_FILE_SIGNATURES[ext]):
        raise Refused(f"文件“{name}”的内容不是 {ext.upper()} 文件，可能已损坏", field="file")
    return ext


def _check_upload(upload: Upload) -> tuple[str, str]:
    name = clean_text(upload.name, multiline=False).strip().replace("/", "_")[-200:] or "文件"
    if upload.size <= 0:
        raise Refused("文件是空的", field="file")
    if upload.size > LIFE_FILE_MAX_BYTES:
        raise Refused(f"文件不能超过 {LIFE_FILE_MAX_BYTES // (1024 * 1024)} MB", field="file")
    head = upload.handle.read(16)
    upload.handle.seek(0)
    return name, file_kind(name, head)


def _store(row: LifeFile, upload: Upload, name: str, ext: str) -> str:
    """Write the file under a random name (the row is saved by the caller)."""
    row.file.save(f"{uuid.uuid4().hex}.{ext}", upload.handle, save=False)  # type: ignore[arg-type]
    row.original_name = name
    row.content_type = LIFE_CONTENT_TYPES[ext]
    row.size = upload.size
    return row.file.name or ""


def _drop_after_commit(row: LifeFile) -> None:
    name, storage = row.file.name, row.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- 对照检查材料 ---------------------------------------------------------------------------------


def may_write_material(user: Any, meeting: Meeting) -> bool:
    """Each member of the branch, each officer and each invited attendee writes their own."""
    if not getattr(user, "is_authenticated", False) or meeting.kind != MeetingKind.LIFE:
        return False
    if is_officer(user, meeting) or is_branch_member(user, meeting.branch_id):
        return True
    return Attendance.objects.filter(meeting=meeting, user_id=user.pk).exists()


def material_save(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    upload: Upload | None = None,
    remove_file: bool = False,
) -> ReviewMaterial:
    """One's own 对照检查材料 (text, a file, or both), saved again as often as needed until
    the minutes are approved; a new file replaces the old one."""
    if not may_write_material(actor, meeting):
        raise PermissionDenied("只有本支部党员和参会人员可以提交对照检查材料")
    text = _text(text, "材料内容", "text")
    checked = _check_upload(upload) if upload is not None else None
    written = ""
    try:
        with transaction.atomic():
            meeting = _locked(meeting, record=True)
            material = (
                ReviewMaterial.objects.select_for_update()
                .filter(meeting=meeting, author=actor)
                .first()
            )
            created = material is None
            if material is None:
                material = ReviewMaterial(meeting=meeting, author=actor)
            has_file = bool(material.file) and not remove_file
            if is_blank(text) and checked is None and not has_file:
                raise Refused("请填写材料内容或上传材料文件", field="text")
            old = ReviewMaterial(file=material.file.name) if material.file else None
            if checked is not None and upload is not None:
                written = _store(material, upload, *checked)
            elif remove_file and material.file:
                material.file = ""
                material.original_name, material.content_type, material.size = "", "", 0
            material.text = text
            material.save()
            if old is not None and (checked is not None or remove_file):
                _drop_after_commit(old)
            audit_log(
                actor=actor,
                action="meeting.material_save",
                obj=meeting,
                org=meeting.branch,
                data={"created": created, "chars": len(text), "file": bool(material.file)},
            )
    except BaseException:
        if written:
            ReviewMaterial._meta.get_field("file").storage.delete(written)
        raise
    return material


# --- 批评与自我批评 -------------------------------------------------------------------------------


def _branch_person(meeting: Meeting, user_id: int | None, label: str, field: str) -> User | None:
    if user_id is None:
        return None
    person = candidates_for(meeting.branch).filter(pk=user_id).first()
    if person is None:
        raise Refused(f"{label}应是本支部党员或参会人员", field=field)
    return person


def criticism_add(
    *,
    actor: User,
    meeting: Meeting,
    speaker_id: int,
    target_id: int | None,
    content: str,
) -> Criticism:
    """Record one opinion: the speaker's about the target, or (no target) their own
    self-criticism. The same note sent twice (a double click) is kept once."""
    if not can_record_criticism(actor, meeting):
        raise PermissionDenied("只有记录人或支部书记可以记录批评与自我批评")
    content = _text(content, "意见内容", "content", limit=5000)
    if is_blank(content):
        raise Refused("请填写意见内容", field="content")
    if target_id == speaker_id:
        target_id = None
    with transaction.atomic():
        meeting = _locked(meeting, record=True)
        speaker = _branch_person(meeting, speaker_id, "发言人", "speaker")
        assert speaker is not None
        target = _branch_person(meeting, target_id, "被批评人", "target")
        same = Criticism.objects.filter(
            meeting=meeting, speaker=speaker, target=target, content=content
        ).first()
        if same is not None:
            return same
        note = Criticism.objects.create(
            meeting=meeting, speaker=speaker, target=target, content=content, recorded_by=actor
        )
        audit_log(
            actor=actor,
            action="meeting.criticism_add",
            obj=meeting,
            org=meeting.branch,
            data={"criticism": note.pk, "self": target is None},
        )
    return note


def criticism_delete(*, actor: User, criticism: Criticism) -> None:
    meeting = criticism.meeting
    if not can_record_criticism(actor, meeting):
        raise PermissionDenied("只有记录人或支部书记可以删除批评与自我批评记录")
    with transaction.atomic():
        _locked(meeting, record=True)
        audit_log(
            actor=actor,
            action="meeting.criticism_delete",
            obj=meeting,
            org=meeting.branch,
            data={"criticism": criticism.pk},
        )
        criticism.delete()


# --- 整改清单 -------------------------------------------------------------------------------------


@dataclass
class RectificationData:
    problem: str
    measures: str
    owner_id: int
    deadline: datetime.date


def rectification_add(
    *,
    actor: User,
    meeting: Meeting,
    data: RectificationData,
    today: datetime.date | None = None,
) -> Rectification:
    """Put an item on the meeting's 整改清单 and tell its owner; the same item sent twice
    is kept once."""
    today = today or timezone.localdate()
    if not can_list_rectification(actor, meeting):
        raise PermissionDenied("只有支部书记、组织委员或记录人可以登记整改事项")
    problem = " ".join(clean_text(data.problem).split())
    if is_blank(problem):
        raise Refused("请填写存在的问题", field="problem")
    if len(problem) > 500:
        raise Refused("存在问题最多 500 个字", field="problem")
    measures = _text(data.measures, "整改措施", "measures", limit=5000)
    if is_blank(measures):
        raise Refused("请填写整改措施", field="measures")
    if data.deadline < today:
        raise Refused("整改时限不能早于今天", field="deadline")
    with transaction.atomic():
        meeting = _locked(meeting, record=False)
        if meeting.state == MeetingState.PLANNED and timezone.now() < meeting.starts_at:
            raise Refused("会议尚未召开，不能登记整改事项")
        owner = _branch_person(meeting, data.owner_id, "责任人", "owner")
        assert owner is not None
        same = Rectification.objects.filter(meeting=meeting, owner=owner, problem=problem).first()
        if same is not None:
            return same
        if Rectification.objects.filter(meeting=meeting).count() >= RECTIFICATIONS_PER_MEETING:
            raise Refused(f"每次会议最多 {RECTIFICATIONS_PER_MEETING} 项整改事项")
        item = Rectification.objects.create(
            meeting=meeting,
            branch=meeting.branch,
            problem=problem,
            measures=measures,
            owner=owner,
            deadline=data.deadline,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="rectification.create",
            obj=item,
            org=meeting.branch,
            data={"meeting": meeting.pk, "owner": owner.pk, "deadline": str(data.deadline)},
        )
        meeting_notify(
            user_ids=[owner.pk],
            meeting=meeting,
            kind=NoticeKind.RECTIFICATION,
            title=f"整改任务：{problem[:40]}",
            body=f"整改时限：{data.deadline:%Y-%m-%d}。请按期整改并报告进展。",
            url=reverse("meetings:rectification", args=[item.pk]),
            actor=actor,
        )
    return item


def _locked_item(item: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update()
        .select_related("branch", "meeting")
        .get(pk=item.pk)
    )


def rectification_progress(
    *,
    actor: User,
    item: Rectification,
    note: str,
    upload: Upload | None = None,
) -> RectificationUpdate:
    """The owner (or a planner) reports progress, with evidence if any."""
    if not can_report_progress(actor, item):
        raise PermissionDenied("只有责任人、支部书记或组织委员可以报告整改进展")
    note = _text(note, "进展情况", "note", limit=5000)
    if is_blank(note):
        raise Refused("请填写进展情况", field="note")
    checked = _check_upload(upload) if upload is not None else None
    written = ""
    try:
        with transaction.atomic():
            item = _locked_item(item)
            if item.state != RectificationState.OPEN:
                raise Refused("该整改事项已销号")
            updates = RectificationUpdate.objects.filter(item=item)
            if checked is None:
                # A double click: the same words from the same person a moment ago.
                recent = timezone.now() - datetime.timedelta(minutes=5)
                same = updates.filter(
                    author=actor, note=note, created_at__gte=recent, file=""
                ).first()
                if same is not None:
                    return same
            if updates.count() >= UPDATES_PER_RECTIFICATION:
                raise Refused(f"每项整改最多报告 {UPDATES_PER_RECTIFICATION} 次进展")
            update = RectificationUpdate(item=item, author=actor, note=note)
            if checked is not None and upload is not None:
                written = _store(update, upload, *checked)
            update.save()
            Rectification.objects.filter(pk=item.pk).update(updated_at=timezone.now())
            audit_log(
                actor=actor,
                action="rectification.progress",
                obj=item,
                org=item.branch,
                data={"update": update.pk, "file": bool(update.file)},
            )
    except BaseException:
        if written:
            RectificationUpdate._meta.get_field("file").storage.delete(written)
        raise
    return update


def rectification_close(
    *, actor: User, item: Rectification, note: str = "", now: datetime.datetime | None = None
) -> Rectification:
    """The branch secretary closes (销号) an item, once it has at least one progress report."""
    now = now or timezone.now()
    if not can_close_rectification(actor, item):
        raise PermissionDenied("只有支部书记可以对整改事项销号")
    note = " ".join(clean_text(note).split())[:500]
    with transaction.atomic():
        item = _locked_item(item)
        if item.state == RectificationState.CLOSED:
            return item  # a second click: already done
        if not RectificationUpdate.objects.filter(item=item).exists():
            raise Refused("请责任人先报告整改进展，再销号")
        transition(
            item,
            RECTIFICATION_MACHINE,
            RectificationState.CLOSED,
            actor=actor,
            org=item.branch,
            fields={
                "closed_at": now,
                "closed_on": timezone.localdate(now),
                "closed_by": actor,
                "close_note": note,
            },
            data={"meeting_id": item.meeting_id, "deadline": str(item.deadline)},
        )
        on_time = item.on_time
        meeting_notify(
            user_ids=[item.owner_id],
            meeting=item.meeting,
            kind=NoticeKind.RECTIFICATION,
            title=f"整改事项已销号：{item.problem[:40]}",
            body="按期完成" if on_time else "逾期完成",
            url=reverse("meetings:rectification", args=[item.pk]),
            actor=actor,
        )
    return item


def week_key(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def rectification_remind(*, today: datetime.date | None = None) -> int:
    """Remind the owner and the branch secretary of every item still open after its
    deadline, once per item per week (a unique constraint); returns the notices sent."""
    today = today or timezone.localdate()
    key = week_key(today)
    overdue = list(
        Rectification.objects.filter(state=RectificationState.OPEN, deadline__lt=today)
        .exclude(meeting__state=MeetingState.CANCELLED)
        .select_related("branch", "meeting")
        .order_by("branch_id", "deadline", "id")
    )
    if not overdue:
        return 0
    done = set(
        RectificationReminder.objects.filter(
            item_id__in=[i.pk for i in overdue], period_key=key
        ).values_list("item_id", flat=True)
    )
    fresh = [i for i in overdue if i.pk not in done]
    secretaries: dict[int, set[int]] = defaultdict(set)
    for org_id, user_id in Role.objects.filter(
        org_id__in={i.branch_id for i in fresh}, kind=RoleKind.SECRETARY
    ).values_list("org_id", "user_id"):
        secretaries[org_id].add(user_id)
    notices = 0
    for item in fresh:
        try:
            with transaction.atomic():
                # The row first: a second run (or a parallel one) stops at the constraint.
                RectificationReminder.objects.create(item=item, period_key=key)
                days = (today - item.deadline).days
                sent = meeting_notify(
                    user_ids=sorted({item.owner_id} | secretaries[item.branch_id]),
                    meeting=item.meeting,
                    kind=NoticeKind.RECTIFICATION,
                    title=f"整改逾期提醒：{item.problem[:40]}",
                    body=f"{item.branch.name}的整改事项已超过时限 {days} 天"
                    f"（时限 {item.deadline:%Y-%m-%d}），请尽快整改并报告进展。",
                    url=reverse("meetings:rectification", args=[item.pk]),
                )
                notices += sent.told
        except IntegrityError:
            continue
    return notices
