"""Planning meetings: the plan, the expected attendees, cancelling, marking them held."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.common.transitions import transition
from xianfeng.lessons.selectors import lessons_visible_to
from xianfeng.meetings.enums import (
    ATTENDED,
    MEETING_MACHINE,
    AttendanceStatus,
    LeaveStatus,
    MeetingKind,
    MeetingState,
    NoticeKind,
)
from xianfeng.meetings.guests import guest_user_ids
from xianfeng.meetings.models import Attendance, LeaveRequest, Meeting
from xianfeng.meetings.periods import local_date
from xianfeng.meetings.rules import can_manage, can_plan, is_officer
from xianfeng.meetings.selectors import candidates_for, expected_user_ids, meeting_guests
from xianfeng.meetings.services.notices import meeting_notify
from xianfeng.meetings.tokens import new_checkin_key
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.models import User

MAX_HOURS = 12
LESSON_KINDS = frozenset({MeetingKind.LECTURE, MeetingKind.THEME_DAY})


@dataclass
class MeetingData:
    """The plan of a meeting, as a form or the API gives it."""

    kind: str
    topic: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    host: User
    recorder_a: User
    recorder_b: User
    description: str = ""
    speaker: User | None = None
    speaker_name: str = ""
    lesson: Any = None  # lessons.Lesson


def meeting_move(meeting: Meeting, state: str, actor: User, **fields: Any) -> Meeting:
    """The one place a meeting's state changes (through the shared transition); the
    services of this package call it inside their transaction on a locked row."""
    return transition(
        meeting,
        MEETING_MACHINE,
        state,
        actor=actor,
        org=meeting.branch,
        fields=fields,
        data={
            "kind": meeting.kind,
            "starts_at": meeting.starts_at,
            "org_id": meeting.org_id,
            # Who spoke at a 党课 (lessons' record of lectures listens for it).
            "speaker_id": meeting.speaker_id,
            "topic": meeting.topic,
        },
    )


def branch_of(org: Org, kind: str) -> Org:
    """The branch a meeting of `kind` held by `org` belongs to; refuses a wrong pairing."""
    if kind == MeetingKind.GROUP:
        if org.kind != OrgKind.GROUP or org.parent is None:
            raise Refused("党小组会应由党小组召开，请选择党小组", field="org")
        return org.parent
    if org.kind != OrgKind.BRANCH:
        raise Refused(f"{MeetingKind(kind).label}应由党支部召开，请选择党支部", field="org")
    return org


def _clean(data: MeetingData, branch: Org, actor: User) -> MeetingData:
    if data.kind not in MeetingKind.values:
        raise Refused("请选择会议类型", field="kind")
    data.topic = " ".join(data.topic.split())
    if is_blank(data.topic):
        raise Refused("请填写会议主题", field="topic")
    if len(data.topic) > 100:
        raise Refused("会议主题最多 100 个字", field="topic")
    data.place = " ".join(data.place.split())
    if is_blank(data.place):
        raise Refused("请填写会议地点", field="place")
    if len(data.place) > 100:
        raise Refused("会议地点最多 100 个字", field="place")
    data.description = data.description.strip()[:2000]
    if data.ends_at <= data.starts_at:
        raise Refused("结束时间应晚于开始时间", field="ends_at")
    if data.ends_at - data.starts_at > datetime.timedelta(hours=MAX_HOURS):
        raise Refused(f"会议时长不能超过 {MAX_HOURS} 小时", field="ends_at")
    if data.starts_at.year < 2000:
        raise Refused("开始时间不正确", field="starts_at")
    officers = {data.host.pk, data.recorder_a.pk, data.recorder_b.pk}
    if len(officers) != 3:
        raise Refused("主持人、记录人A、记录人B应为三位不同的同志", field="recorder_b")
    if data.kind not in LESSON_KINDS:
        data.speaker, data.speaker_name, data.lesson = None, "", None
    data.speaker_name = " ".join(data.speaker_name.split())[:50]
    if data.speaker is not None:
        data.speaker_name = data.speaker.name
    if data.kind == MeetingKind.LECTURE and is_blank(data.speaker_name):
        raise Refused("党课请填写主讲人", field="speaker_name")
    named = officers | ({data.speaker.pk} if data.speaker is not None else set())
    allowed = set(candidates_for(branch).filter(pk__in=named).values_list("pk", flat=True))
    if named - allowed:
        raise Refused("主持人、记录人和主讲人应为本支部党员或上级党组织的同志", field="host")
    if data.lesson is not None and not lessons_visible_to(actor).filter(pk=data.lesson.pk).exists():
        raise Refused("找不到该微党课", field="lesson")
    return data


def _apply(meeting: Meeting, data: MeetingData) -> None:
    meeting.topic, meeting.description, meeting.place = data.topic, data.description, data.place
    meeting.starts_at, meeting.ends_at = data.starts_at, data.ends_at
    day = local_date(data.starts_at)
    meeting.year, meeting.month = day.year, day.month
    meeting.host, meeting.recorder_a, meeting.recorder_b = (
        data.host,
        data.recorder_a,
        data.recorder_b,
    )
    meeting.speaker, meeting.speaker_name, meeting.lesson = (
        data.speaker,
        data.speaker_name,
        data.lesson,
    )


def describe(meeting: Meeting) -> str:
    """The notice text: when, where, who hosts."""
    starts = timezone.localtime(meeting.starts_at)
    ends = timezone.localtime(meeting.ends_at)
    lines = [
        f"会议：{meeting.get_kind_display()}「{meeting.topic}」",
        f"时间：{starts:%Y年%m月%d日 %H:%M}—{ends:%H:%M}",
        f"地点：{meeting.place}",
        f"主持人：{meeting.host.name}",
    ]
    if meeting.speaker_name:
        lines.append(f"主讲人：{meeting.speaker_name}")
    if meeting.description:
        lines.append(meeting.description)
    return "\n".join(lines)


def _check_people(meeting: Meeting, user_ids: Iterable[int], branch: Org) -> set[int]:
    wanted = set(user_ids)
    if not wanted:
        return wanted
    guests = guest_user_ids(branch.pk, timezone.localdate(meeting.starts_at))
    allowed = set(candidates_for(branch, guests).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise Refused("应到人员应为本支部党员或上级党组织的同志", field="attendees")
    return wanted


def meeting_plan(
    *,
    actor: User,
    org: Org,
    data: MeetingData,
    attendee_ids: Sequence[int] | None = None,
) -> Meeting:
    """Plan a meeting of a branch (or of one of its party groups) and notify everyone
    expected. Without `attendee_ids` the list comes from the org: the party group's members,
    the committee for a 支委会, the whole branch otherwise; host and recorders are added."""
    if not can_plan(actor, org):
        raise PermissionDenied("您不能为该组织安排会议：只有本支部的书记或组织委员可以安排")
    branch = branch_of(org, data.kind)
    data = _clean(data, branch, actor)
    with transaction.atomic():
        meeting = Meeting(
            org=org,
            branch=branch,
            kind=data.kind,
            created_by=actor,
            checkin_key=new_checkin_key(),
        )
        _apply(meeting, data)
        meeting.save()
        if attendee_ids is None:
            day = timezone.localdate(meeting.starts_at)
            ids = set(expected_user_ids(data.kind, org, branch, day))
        else:
            ids = _check_people(meeting, attendee_ids, branch)
        ids |= {meeting.host_id, meeting.recorder_a_id, meeting.recorder_b_id}
        Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, user_id=uid) for uid in sorted(ids)]
        )
        events.publish(
            "meeting.planned",
            actor=actor,
            obj=meeting,
            org=branch,
            data={
                "kind": meeting.kind,
                "topic": meeting.topic,
                "starts_at": meeting.starts_at,
                "attendees": len(ids),
            },
        )
        meeting_notify(
            user_ids=ids,
            meeting=meeting,
            kind=NoticeKind.PLANNED,
            title=f"会议通知：{meeting.get_kind_display()}「{meeting.topic}」",
            body=describe(meeting),
            actor=actor,
        )
    return meeting


def meeting_update(*, actor: User, meeting: Meeting, data: MeetingData) -> Meeting:
    """Change a planned meeting; everyone expected hears of a new time or place."""
    if not can_manage(actor, meeting):
        raise PermissionDenied("只有本支部的书记或组织委员可以修改会议安排")
    if data.kind != meeting.kind:
        raise Refused("会议类型不能修改，请取消后重新安排", field="kind")
    data = _clean(data, meeting.branch, actor)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.state != MeetingState.PLANNED:
            raise Refused("会议已召开或已取消，安排不能再修改")
        before = (meeting.starts_at, meeting.ends_at, meeting.place)
        _apply(meeting, data)
        meeting.save()
        officers = {meeting.host_id, meeting.recorder_a_id, meeting.recorder_b_id}
        have = set(Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))
        Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, user_id=uid) for uid in sorted(officers - have)]
        )
        audit_log(
            actor=actor,
            action="meeting.update",
            obj=meeting,
            org=meeting.branch,
            data={"topic": meeting.topic, "starts_at": meeting.starts_at, "place": meeting.place},
        )
        if before != (meeting.starts_at, meeting.ends_at, meeting.place):
            meeting_notify(
                user_ids=have | officers,
                meeting=meeting,
                kind=NoticeKind.CHANGED,
                title=f"会议变更：{meeting.get_kind_display()}「{meeting.topic}」",
                body=describe(meeting),
                actor=actor,
            )
    return meeting


def meeting_cancel(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a planned meeting, with a reason everyone expected is told."""
    if not can_manage(actor, meeting):
        raise PermissionDenied("只有本支部的书记或组织委员可以取消会议")
    reason = " ".join(reason.split())
    if is_blank(reason):
        raise Refused("请填写取消原因", field="reason")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        meeting_move(
            meeting,
            MeetingState.CANCELLED,
            actor,
            cancelled_at=timezone.now(),
            cancel_reason=reason[:200],
        )
        meeting_notify(
            user_ids=Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True),
            meeting=meeting,
            kind=NoticeKind.CANCELLED,
            title=f"会议取消：{meeting.get_kind_display()}「{meeting.topic}」",
            body=(
                f"原定 {timezone.localtime(meeting.starts_at):%m月%d日 %H:%M} 的会议已取消。"
                f"原因：{reason}"
            ),
            actor=actor,
        )
    return meeting


def meeting_mark_held(
    *, actor: User, meeting: Meeting, now: datetime.datetime | None = None
) -> Meeting:
    """The meeting took place: its record can be written now."""
    now = now or timezone.now()
    if not (can_manage(actor, meeting) or is_officer(actor, meeting)):
        raise PermissionDenied("只有书记、组织委员、主持人或记录人可以标记会议已召开")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.state == MeetingState.PLANNED and now < meeting.starts_at:
            raise Refused("会议尚未开始，不能标记为已召开")
        return meeting_move(meeting, MeetingState.HELD, actor, held_at=now)


def attendees_change(
    *,
    actor: User,
    meeting: Meeting,
    add: Iterable[int] = (),
    remove: Iterable[int] = (),
) -> int:
    """Add people to the expected list or take them off it (not the host or recorders,
    nor anyone who signed in or was granted leave). Returns the new list's size."""
    if not can_manage(actor, meeting):
        raise PermissionDenied("只有本支部的书记或组织委员可以调整应到人员")
    add_ids, remove_ids = set(add), set(remove)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.state not in (MeetingState.PLANNED, MeetingState.HELD):
            raise Refused("会议记录已提交，应到人员不能再调整")
        officers = {meeting.host_id, meeting.recorder_a_id, meeting.recorder_b_id}
        if remove_ids & officers:
            raise Refused("主持人和记录人不能移出应到名单")
        if remove_ids:
            rows = Attendance.objects.filter(meeting=meeting, user_id__in=remove_ids)
            if rows.filter(status__in=[*ATTENDED, AttendanceStatus.LEAVE]).exists():
                raise Refused("已签到或已准假的同志不能移出名单")
            rows.delete()
            LeaveRequest.objects.filter(
                meeting=meeting, user_id__in=remove_ids, status=LeaveStatus.PENDING
            ).delete()
        have = set(Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))
        new = _check_people(meeting, add_ids - have, meeting.branch)
        Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, user_id=uid) for uid in sorted(new)]
        )
        audit_log(
            actor=actor,
            action="meeting.attendees",
            obj=meeting,
            org=meeting.branch,
            data={"added": sorted(new), "removed": sorted(remove_ids)},
        )
        if new and meeting.state == MeetingState.PLANNED:
            meeting_notify(
                user_ids=new,
                meeting=meeting,
                kind=NoticeKind.PLANNED,
                title=f"会议通知：{meeting.get_kind_display()}「{meeting.topic}」",
                body=describe(meeting),
                actor=actor,
            )
        return len(have) + len(new)


def meeting_guests_refresh(*, branch_id: int, now: datetime.datetime | None = None) -> int:
    """Bring the expected lists of the branch's meetings still to come (planned, not yet
    started) in line with its guests (meetings.guests) on each meeting's day: a 流动党员
    registered to the branch is added (and told, as the list's others were), one whose
    stay ended or moved elsewhere is taken off unless they asked for leave. Called by the
    app that keeps the guests (mobility) when a stay begins, changes or ends. Returns how
    many rows changed."""
    now = now or timezone.now()
    changed = 0
    upcoming = Meeting.objects.filter(
        branch_id=branch_id, state=MeetingState.PLANNED, starts_at__gt=now
    ).exclude(kind__in=[MeetingKind.GROUP, MeetingKind.COMMITTEE])
    for meeting in upcoming.select_related("host", "branch"):
        with transaction.atomic():
            guests = meeting_guests(meeting)
            have = set(Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))
            own = set(
                candidates_for(meeting.branch).filter(pk__in=have).values_list("pk", flat=True)
            )
            officers = {meeting.host_id, meeting.recorder_a_id, meeting.recorder_b_id}
            gone = have - own - guests - officers
            gone = set(
                Attendance.objects.filter(
                    meeting=meeting, user_id__in=gone, status=AttendanceStatus.EXPECTED
                ).values_list("user_id", flat=True)
            )
            LeaveRequest.objects.filter(
                meeting=meeting, user_id__in=gone, status=LeaveStatus.PENDING
            ).delete()
            removed, _ = Attendance.objects.filter(meeting=meeting, user_id__in=gone).delete()
            new = guests - have
            Attendance.objects.bulk_create(
                [Attendance(meeting=meeting, user_id=uid) for uid in sorted(new)]
            )
            if not (new or removed):
                continue
            changed += len(new) + removed
            audit_log(
                actor=None,
                action="meeting.guests",
                obj=meeting,
                org=meeting.branch,
                data={"added": sorted(new), "removed": removed},
            )
            if new:
                meeting_notify(
                    user_ids=new,
                    meeting=meeting,
                    kind=NoticeKind.PLANNED,
                    title=f"会议通知：{meeting.get_kind_display()}「{meeting.topic}」",
                    body=describe(meeting),
                    actor=None,
                )
    return changed
