"""Writes of the year-round practice: 点课, the rota, the record of lectures."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.common.transitions import transition
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice.enums import (
    REASON_MAX_CHARS,
    REQUEST_MACHINE,
    ROTA_REMIND_DAYS,
    TOPIC_MAX_CHARS,
    LectureKind,
    RequestState,
    SlotStatus,
    SpeakerCategory,
)
from xianfeng.lessons.practice.models import (
    Lecture,
    LessonRequest,
    LessonRequestVote,
    LessonSpeaker,
    RotaSlot,
    SpeakerRota,
)
from xianfeng.lessons.practice.rules import (
    can_close_request,
    can_edit_rota,
    can_give_request,
    can_run_practice,
    is_slot_speaker,
)
from xianfeng.lessons.practice.selectors import requests_visible_to
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.notify.services.sending import notify
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.models import Member, User
from xianfeng.people.selectors import member_of

# --- 点课 -------------------------------------------------------------------------------


def request_orgs(user: Any) -> list[Org]:
    """Where a member may ask: their own org and each org above it, nearest first."""
    member = member_of(user)
    if member is None:
        return []
    ids = paths.ids_in(member.org.path)
    found = {o.pk: o for o in Org.objects.filter(pk__in=ids)}
    return [found[i] for i in reversed(ids) if i in found]


def lesson_request_create(*, actor: User, org: Org, topic: str, reason: str = "") -> LessonRequest:
    """A member asks for a lesson on a topic, to their branch or an org above it."""
    if org.pk not in {o.pk for o in request_orgs(actor)}:
        raise PermissionDenied("只有本组织的党员可以点课")
    topic = " ".join(clean_text(topic, multiline=False).split())
    reason = clean_text(reason).strip()
    if is_blank(topic):
        raise Refused("请写下想听的课题", field="topic")
    if len(topic) > TOPIC_MAX_CHARS:
        raise Refused(f"课题最多 {TOPIC_MAX_CHARS} 个字", field="topic")
    if len(reason) > REASON_MAX_CHARS:
        raise Refused(f"理由最多 {REASON_MAX_CHARS} 个字", field="reason")
    with transaction.atomic():
        # One person's asks in a row: two clicks sent at once find the first one's row.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        existing = LessonRequest.objects.filter(
            org=org, requested_by=actor, topic=topic, state=RequestState.OPEN
        ).first()
        if existing is not None:
            return existing  # the same ask sent twice (a double click)
        request = LessonRequest.objects.create(
            org=org, topic=topic, reason=reason, requested_by=actor
        )
        audit_log(actor=actor, action="lesson_request.created", obj=request, org=org)
    return request


def _locked(request: LessonRequest) -> LessonRequest:
    return LessonRequest.objects.select_for_update().select_related("org").get(pk=request.pk)


def lesson_request_second(*, actor: User, request: LessonRequest) -> bool:
    """Second (附议) an open request: once per person, whatever the clicks. Returns whether
    this call counted."""
    if not requests_visible_to(actor).filter(pk=request.pk).exists():
        raise PermissionDenied("看不到这条点课")
    if request.requested_by_id == actor.pk:
        raise Refused("不能为自己的点课附议")
    if request.state != RequestState.OPEN:
        raise Refused("这条点课已不在征集中")
    with transaction.atomic():
        try:
            with transaction.atomic():
                LessonRequestVote.objects.create(request_id=request.pk, user_id=actor.pk)
        except IntegrityError:
            return False  # already seconded
        LessonRequest.objects.filter(pk=request.pk).update(vote_count=F("vote_count") + 1)
    return True


def lesson_request_unsecond(*, actor: User, request: LessonRequest) -> bool:
    with transaction.atomic():
        deleted, _ = LessonRequestVote.objects.filter(
            request_id=request.pk, user_id=actor.pk
        ).delete()
        if deleted:
            LessonRequest.objects.filter(pk=request.pk).update(vote_count=F("vote_count") - 1)
    return bool(deleted)


def _tell_requester(request: LessonRequest, actor: User, title: str, kind: str) -> None:
    if request.requested_by_id == actor.pk:
        return
    notify(
        users=[request.requested_by_id],
        title=title,
        url=reverse("lessons:request", args=[request.pk]),
        kind=kind,
        actor=actor,
        org=request.org,
        about=request,
    )


def lesson_request_take(*, actor: User, request: LessonRequest) -> LessonRequest:
    """Someone who sees the request (an officer or any member) takes it on."""
    if not requests_visible_to(actor).filter(pk=request.pk).exists():
        raise PermissionDenied("看不到这条点课")
    with transaction.atomic():
        request = _locked(request)
        if request.state == RequestState.TAKEN and request.taken_by_id == actor.pk:
            return request  # a double click
        transition(
            request,
            REQUEST_MACHINE,
            RequestState.TAKEN,
            actor=actor,
            org=request.org,
            fields={"taken_by": actor, "taken_at": timezone.now()},
        )
        _tell_requester(
            request, actor, f"您点的课「{request.topic}」已由{actor.name}认领", "lessons.request"
        )
    return request


def lesson_request_release(*, actor: User, request: LessonRequest) -> LessonRequest:
    """The taker (or an officer) gives the request back: it is open again."""
    if not can_give_request(actor, request):
        raise PermissionDenied("只有认领人或书记可以退回")
    with transaction.atomic():
        request = _locked(request)
        transition(
            request,
            REQUEST_MACHINE,
            RequestState.OPEN,
            actor=actor,
            org=request.org,
            fields={"taken_by": None, "taken_at": None},
        )
    return request


def lesson_request_give(*, actor: User, request: LessonRequest, lesson: Lesson) -> LessonRequest:
    """The lesson answering the request is published: link it; the requester and everyone
    who seconded are told."""
    if not can_give_request(actor, request):
        raise PermissionDenied("只有认领人或书记可以关联微党课")
    if not published_lessons_for(actor).filter(pk=lesson.pk).exists():
        raise Refused("请选择一节已发布的微党课", field="lesson")
    with transaction.atomic():
        request = _locked(request)
        transition(
            request,
            REQUEST_MACHINE,
            RequestState.GIVEN,
            actor=actor,
            org=request.org,
            fields={"lesson": lesson, "given_at": timezone.now()},
            data={"lesson_id": lesson.pk},
        )
        voters = list(
            LessonRequestVote.objects.filter(request=request).values_list("user_id", flat=True)
        )
        people = {request.requested_by_id, *voters} - {actor.pk}
        if people:
            notify(
                users=sorted(people),
                title=f"您点的课「{request.topic}」开讲了：《{lesson.title}》",
                url=reverse("lessons:detail", args=[lesson.pk]),
                kind="lessons.request",
                actor=actor,
                org=request.org,
                about=request,
            )
    return request


def lesson_request_close(*, actor: User, request: LessonRequest) -> LessonRequest:
    if not can_close_request(actor, request):
        raise PermissionDenied("只有点课人或书记可以关闭")
    with transaction.atomic():
        request = _locked(request)
        if request.state == RequestState.CLOSED:
            return request
        transition(request, REQUEST_MACHINE, RequestState.CLOSED, actor=actor, org=request.org)
    return request


# --- 轮番主讲 -----------------------------------------------------------------------------


def rota_create(*, actor: User, org: Org, year: int, title: str) -> SpeakerRota:
    """A branch's rota for a year."""
    if not can_run_practice(actor, org):
        raise PermissionDenied("只有本支部的书记、委员或上级管理员可以安排轮番主讲")
    if org.kind != OrgKind.BRANCH:
        raise Refused("轮番主讲按党支部安排，请选择党支部", field="org")
    title = " ".join(clean_text(title, multiline=False).split())[:60] or "轮番主讲"
    if not 2000 <= year <= 2100:
        raise Refused("请填写正确的年度", field="year")
    with transaction.atomic():
        rota, created = SpeakerRota.objects.get_or_create(
            org=org, year=year, title=title, defaults={"created_by": actor}
        )
        if created:
            audit_log(actor=actor, action="rota.created", obj=rota, org=org)
    return rota


def rota_slot_add(
    *,
    actor: User,
    rota: SpeakerRota,
    speaker: Member,
    starts_on: datetime.date,
    ends_on: datetime.date,
    category: str = SpeakerCategory.MEMBER,
    topic: str = "",
) -> RotaSlot:
    """A turn for a member of the branch; a lecture they already gave in the period fulfils
    it at once."""
    if not can_edit_rota(actor, rota):
        raise PermissionDenied("只有本支部的书记、委员或上级管理员可以安排轮番主讲")
    if not speaker.org.path.startswith(rota.org.path):
        raise Refused("主讲人应为本支部党员", field="speaker")
    if category not in SpeakerCategory.values:
        raise Refused("请选择主讲人类别", field="category")
    if ends_on < starts_on:
        raise Refused("截止日期不能早于开始日期", field="ends_on")
    if starts_on.year != rota.year or ends_on.year != rota.year:
        raise Refused(f"日期应在 {rota.year} 年内", field="starts_on")
    topic = " ".join(clean_text(topic, multiline=False).split())[:TOPIC_MAX_CHARS]
    with transaction.atomic():
        # The rota's turns are added one at a time: a double click finds the first turn.
        SpeakerRota.objects.select_for_update().filter(pk=rota.pk).first()
        slot, created = RotaSlot.objects.get_or_create(
            rota=rota,
            speaker=speaker,
            starts_on=starts_on,
            defaults={"ends_on": ends_on, "category": category, "topic": topic},
        )
        if created:
            audit_log(
                actor=actor,
                action="rota.slot_added",
                obj=slot,
                org=rota.org,
                data={"speaker_id": speaker.pk, "starts_on": starts_on, "ends_on": ends_on},
            )
            lecture = (
                Lecture.objects.filter(
                    member=speaker,
                    rota_slot__isnull=True,
                    given_on__gte=starts_on,
                    given_on__lte=ends_on,
                )
                .order_by("given_on", "id")
                .first()
            )
            if lecture is not None:
                RotaSlot.objects.filter(pk=slot.pk, lecture__isnull=True).update(lecture=lecture)
                slot.refresh_from_db()
    return slot


def rota_rename(*, actor: User, rota: SpeakerRota, title: str) -> SpeakerRota:
    """A rota's new name (unique in its branch and year)."""
    if not can_edit_rota(actor, rota):
        raise PermissionDenied("只有本支部的书记、委员或上级管理员可以调整轮番主讲")
    title = " ".join(clean_text(title, multiline=False).split())[:60]
    if is_blank(title):
        raise Refused("请填写名称", field="title")
    if title == rota.title:
        return rota
    with transaction.atomic():
        if SpeakerRota.objects.filter(org=rota.org_id, year=rota.year, title=title).exists():
            raise Refused("本支部这一年已有同名的安排", field="title")
        try:
            with transaction.atomic():
                SpeakerRota.objects.filter(pk=rota.pk).update(title=title)
        except IntegrityError:
            raise Refused("本支部这一年已有同名的安排", field="title") from None
        audit_log(actor=actor, action="rota.renamed", obj=rota, org=rota.org, data={"title": title})
        rota.title = title
    return rota


def rota_slot_update(
    *,
    actor: User,
    slot: RotaSlot,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    category: str | None = None,
    topic: str | None = None,
) -> RotaSlot:
    """Change a turn's period, category or topic; a turn already given keeps its dates."""
    rota = slot.rota
    if not can_edit_rota(actor, rota):
        raise PermissionDenied("只有本支部的书记、委员或上级管理员可以调整轮番主讲")
    new_start = starts_on or slot.starts_on
    new_end = ends_on or slot.ends_on
    if (new_start, new_end) != (slot.starts_on, slot.ends_on) and slot.lecture_id is not None:
        raise Refused("已讲过的轮次不能改日期", field="starts_on")
    if new_end < new_start:
        raise Refused("截止日期不能早于开始日期", field="ends_on")
    if new_start.year != rota.year or new_end.year != rota.year:
        raise Refused(f"日期应在 {rota.year} 年内", field="starts_on")
    if category is not None and category not in SpeakerCategory.values:
        raise Refused("请选择主讲人类别", field="category")
    fields: dict[str, Any] = {"starts_on": new_start, "ends_on": new_end}
    if category is not None:
        fields["category"] = category
    if topic is not None:
        fields["topic"] = " ".join(clean_text(topic, multiline=False).split())[:TOPIC_MAX_CHARS]
    with transaction.atomic():
        SpeakerRota.objects.select_for_update().filter(pk=rota.pk).first()
        clash = (
            RotaSlot.objects.filter(rota=rota, speaker_id=slot.speaker_id, starts_on=new_start)
            .exclude(pk=slot.pk)
            .exists()
        )
        if clash:
            raise Refused("这位主讲人在这一天已有轮次", field="starts_on")
        if new_start != slot.starts_on:
            fields["reminded_at"] = None  # a new date deserves a new reminder
        RotaSlot.objects.filter(pk=slot.pk).update(**fields)
        audit_log(
            actor=actor,
            action="rota.slot_changed",
            obj=slot,
            org=rota.org,
            data={k: v for k, v in fields.items() if k != "reminded_at"},
        )
        slot.refresh_from_db()
    return slot


def rota_slot_remove(*, actor: User, slot: RotaSlot) -> None:
    if not can_edit_rota(actor, slot.rota):
        raise PermissionDenied("只有本支部的书记、委员或上级管理员可以调整轮番主讲")
    if slot.lecture_id is not None:
        raise Refused("已讲过的轮次不能删除")
    with transaction.atomic():
        audit_log(actor=actor, action="rota.slot_removed", obj=slot, org=slot.rota.org)
        slot.delete()


def _swappable(slot: RotaSlot, today: datetime.date) -> bool:
    return slot.status_on(today) == SlotStatus.UPCOMING


def rota_swap_propose(*, actor: User, slot: RotaSlot, other: RotaSlot) -> RotaSlot:
    """The speaker asks to swap turns with another speaker of the same rota."""
    if not (is_slot_speaker(actor, slot) or can_edit_rota(actor, slot.rota)):
        raise PermissionDenied("只有本轮主讲人可以申请对调")
    today = timezone.localdate()
    if other.rota_id != slot.rota_id or other.pk == slot.pk:
        raise Refused("只能与同一安排中的其他轮次对调", field="other")
    if other.speaker_id == slot.speaker_id:
        raise Refused("两个轮次是同一位主讲人", field="other")
    if not (_swappable(slot, today) and _swappable(other, today)):
        raise Refused("只能对调尚未开讲、未过期的轮次", field="other")
    with transaction.atomic():
        RotaSlot.objects.filter(pk=slot.pk).update(swap_with=other)
        slot.swap_with = other
        audit_log(
            actor=actor,
            action="rota.swap_proposed",
            obj=slot,
            org=slot.rota.org,
            data={"other_id": other.pk},
        )
        notify(
            users=[other.speaker.user_id],
            title=f"{slot.speaker.user.name}希望与您对调主讲：{slot.starts_on:%m月%d日}"
            f" ↔ {other.starts_on:%m月%d日}",
            url=reverse("lessons:rota", args=[slot.rota_id]),
            kind="lessons.rota",
            actor=actor,
            org=slot.rota.org,
            about=slot.rota,
        )
    return slot


def rota_swap_accept(*, actor: User, slot: RotaSlot) -> RotaSlot:
    """The other speaker agrees: the two turns exchange speakers (and categories)."""
    with transaction.atomic():
        slot = RotaSlot.objects.select_for_update().select_related("rota__org").get(pk=slot.pk)
        other_id = slot.swap_with_id
        if other_id is None:
            raise Refused("没有待确认的对调申请")
        other = (
            RotaSlot.objects.select_for_update().select_related("speaker__user").get(pk=other_id)
        )
        if not (is_slot_speaker(actor, other) or can_edit_rota(actor, slot.rota)):
            raise PermissionDenied("只有被邀请对调的主讲人可以同意")
        today = timezone.localdate()
        if not (_swappable(slot, today) and _swappable(other, today)):
            raise Refused("只能对调尚未开讲、未过期的轮次")
        mine = (slot.speaker_id, slot.category)
        slot.speaker_id, slot.category = other.speaker_id, other.category
        other.speaker_id, other.category = mine
        slot.swap_with = None
        slot.reminded_at = other.reminded_at = None
        slot.save(update_fields=["speaker", "category", "swap_with", "reminded_at"])
        other.save(update_fields=["speaker", "category", "reminded_at"])
        audit_log(
            actor=actor,
            action="rota.swapped",
            obj=slot,
            org=slot.rota.org,
            data={"other_id": other.pk},
        )
    return slot


def rota_remind_due(*, today: datetime.date | None = None) -> int:
    """Remind each speaker whose turn starts within ROTA_REMIND_DAYS, once per turn."""
    today = today or timezone.localdate()
    due = list(
        RotaSlot.objects.filter(
            reminded_at__isnull=True,
            lecture__isnull=True,
            starts_on__lte=today + datetime.timedelta(days=ROTA_REMIND_DAYS),
            ends_on__gte=today,
        ).select_related("rota__org", "speaker")
    )
    sent = 0
    for slot in due:
        with transaction.atomic():
            # Claim the slot first: two overlapping runs remind once.
            if not RotaSlot.objects.filter(pk=slot.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                continue
            period = f"{slot.starts_on:%m月%d日}至{slot.ends_on:%m月%d日}"
            notify(
                users=[slot.speaker.user_id],
                title=f"轮到您主讲了：{period}" + (f"「{slot.topic}」" if slot.topic else ""),
                body="请在期间内录制微党课或在党课上主讲。",
                url=reverse("lessons:rota", args=[slot.rota_id]),
                kind="lessons.rota",
                org=slot.rota.org,
                about=slot.rota,
            )
            sent += 1
    return sent


# --- 讲课记录 ------------------------------------------------------------------------------


def _fulfil(lecture: Lecture) -> None:
    """The lecture fulfils its speaker's turn in whose period it falls; failing that, the
    earliest turn of that year already missed (shown as 逾期补讲). Early lectures fulfil
    nothing: the speaker's turn is still to come."""
    open_slots = RotaSlot.objects.select_for_update().filter(
        speaker_id=lecture.member_id, lecture__isnull=True, rota__year=lecture.given_on.year
    )
    slot = (
        open_slots.filter(starts_on__lte=lecture.given_on, ends_on__gte=lecture.given_on)
        .order_by("starts_on", "id")
        .first()
    ) or open_slots.filter(ends_on__lt=lecture.given_on).order_by("starts_on", "id").first()
    if slot is not None:
        RotaSlot.objects.filter(pk=slot.pk).update(lecture=lecture, swap_with=None)


def lecture_record(
    *,
    member_id: int,
    kind: str,
    source_id: int,
    title: str,
    given_on: datetime.date,
    org_id: int | None,
) -> Lecture:
    """Record that a member spoke (idempotent: the same source twice is one row)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                lecture = Lecture.objects.create(
                    member_id=member_id,
                    kind=kind,
                    source_id=source_id,
                    title=title[:100],
                    given_on=given_on,
                    org_id=org_id,
                )
        except IntegrityError:
            return Lecture.objects.get(kind=kind, source_id=source_id, member_id=member_id)
        _fulfil(lecture)
    return lecture


def lecture_withdraw(*, kind: str, source_id: int) -> int:
    """A source that no longer counts (a lesson withdrawn to draft): its lectures go, and
    the turns they fulfilled are open again."""
    deleted, _ = Lecture.objects.filter(kind=kind, source_id=source_id).delete()
    return deleted


def lecture_from_lesson(lesson_id: int) -> Lecture | None:
    """A published lesson is a lecture of its speaker (or of its author when the author
    is the speaker named) and of each of its co-speakers."""
    lesson = (
        Lesson.objects.select_related("speaker", "author__member")
        .filter(pk=lesson_id, published_at__isnull=False)
        .first()
    )
    if lesson is None:
        return None
    member: Member | None = lesson.speaker
    if member is None:
        author_member = getattr(lesson.author, "member", None)
        if author_member is not None and lesson.speaker_name == lesson.author.name:
            member = author_member
    if lesson.published_at is None:
        return None
    given_on = timezone.localdate(lesson.published_at)
    # Each co-speaker (the "1+1" pairing) has spoken in the lesson too.
    for co_speaker_id in LessonSpeaker.objects.filter(lesson=lesson).values_list(
        "member_id", flat=True
    ):
        lecture_record(
            member_id=co_speaker_id,
            kind=LectureKind.LESSON,
            source_id=lesson.pk,
            title=lesson.title,
            given_on=given_on,
            org_id=lesson.org_id,
        )
    if member is None:
        return None
    return lecture_record(
        member_id=member.pk,
        kind=LectureKind.LESSON,
        source_id=lesson.pk,
        title=lesson.title,
        given_on=given_on,
        org_id=lesson.org_id,
    )
