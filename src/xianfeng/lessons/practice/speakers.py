"""Speakers of a lesson: the main speaker's category (书记, 先进典型, "五老", 专业人士,
普通党员) and co-speakers (the "1+1" pairing), chosen from the lesson's town (or the
committee it sits under). A co-speaker of a published lesson has a lecture of their own
(讲课记录), so they count in "每人至少讲过一次" like the main speaker."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice.enums import LectureKind, SpeakerCategory
from xianfeng.lessons.practice.models import Lecture, LessonSpeaker
from xianfeng.lessons.rules import can_edit_lesson
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.people.models import Member, User
from xianfeng.people.selectors import on_roll_q

# A pairing is two; a panel of a few more is allowed, not a crowd.
MAX_CO_SPEAKERS = 4
# Kinds a co-speaker's scope stops at, going up from the lesson's org: a 镇党委 or the
# company's committee (a branch's lesson may pair with anyone in its town).
_SCOPE_KINDS = {OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE}


def can_edit_speakers(user: Any, lesson: Lesson) -> bool:
    """The author while the lesson is not published, an officer over its org at any time."""
    return can_edit_lesson(user, lesson)


def co_speaker_scope(lesson: Lesson) -> Org:
    """Where co-speakers come from: the nearest committee at or above the lesson's org
    (the town of a branch's lesson), the lesson's org when there is none."""
    if lesson.org.kind in _SCOPE_KINDS:
        return lesson.org
    ids = paths.ids_in(lesson.org.path)[:-1]
    above = {o.pk: o for o in Org.objects.filter(pk__in=ids, kind__in=_SCOPE_KINDS)}
    for pk in reversed(ids):
        if pk in above:
            return above[pk]
    return lesson.org


def co_speaker_candidates(
    lesson: Lesson, scope: Org, q: str, *, exclude_taken: bool = True
) -> QuerySet[Member]:
    """Members on the roll in the scope whose name matches `q`, by default without those
    already speaking in the lesson."""
    qs = (
        Member.objects.filter(
            subtree_q([scope.path], field="org__path"), on_roll_q(timezone.localdate())
        )
        .filter(user__name__icontains=q)
        .select_related("user", "org")
        .order_by("user__name", "pk")
    )
    if exclude_taken:
        qs = qs.exclude(pk__in=LessonSpeaker.objects.filter(lesson=lesson).values("member_id"))
        if lesson.speaker_id is not None:
            qs = qs.exclude(pk=lesson.speaker_id)
    return qs


def lesson_co_speakers(lesson: Lesson) -> list[LessonSpeaker]:
    return list(
        LessonSpeaker.objects.filter(lesson=lesson)
        .select_related("member__user", "member__org")
        .order_by("position", "created_at", "id")
    )


def _check(actor: Any, lesson: Lesson) -> None:
    if not can_edit_speakers(actor, lesson):
        raise PermissionDenied("只有创建人（发布前）或本组织的书记、宣传委员、管理员可以设置主讲人")


def _category(category: str) -> str:
    if category not in SpeakerCategory.values:
        raise Refused("请选择主讲人类别", field="category")
    return category


def lesson_speaker_category(*, actor: User, lesson: Lesson, category: str) -> Lesson:
    """The main speaker's category."""
    _check(actor, lesson)
    category = _category(category)
    with transaction.atomic():
        Lesson.objects.filter(pk=lesson.pk).update(speaker_category=category)
        lesson.speaker_category = category
        audit_log(
            actor=actor,
            action="lesson.speaker_category",
            obj=lesson,
            org=lesson.org,
            data={"category": category},
        )
    return lesson


def _main_member_id(lesson: Lesson) -> int | None:
    if lesson.speaker_id is not None:
        return lesson.speaker_id
    author = Member.objects.filter(user_id=lesson.author_id).values_list("pk", flat=True).first()
    if author is not None and lesson.speaker_name == lesson.author.name:
        return author
    return None


def lesson_speaker_add(
    *, actor: User, lesson: Lesson, member: Member, category: str = SpeakerCategory.MEMBER
) -> LessonSpeaker:
    """Add a co-speaker from the lesson's town; adding the same person again changes only
    their category. On a published lesson their lecture is recorded at once."""
    _check(actor, lesson)
    category = _category(category)
    scope = co_speaker_scope(lesson)
    if not paths.is_within(member.org.path, scope.path):
        raise Refused(f"联合主讲人应为{scope.name}的党员", field="member")
    if member.pk == _main_member_id(lesson):
        raise Refused("这位党员已是本课的主讲人", field="member")
    with transaction.atomic():
        Lesson.objects.select_for_update().filter(pk=lesson.pk).first()
        existing = LessonSpeaker.objects.filter(lesson=lesson, member=member).first()
        if existing is not None:
            if existing.category != category:
                LessonSpeaker.objects.filter(pk=existing.pk).update(category=category)
                existing.category = category
            return existing
        taken = list(LessonSpeaker.objects.filter(lesson=lesson).values_list("position", flat=True))
        if len(taken) >= MAX_CO_SPEAKERS:
            raise Refused(f"联合主讲人最多 {MAX_CO_SPEAKERS} 位", field="member")
        try:
            with transaction.atomic():
                row = LessonSpeaker.objects.create(
                    lesson=lesson,
                    member=member,
                    category=category,
                    added_by=actor,
                    position=max(taken, default=0) + 1,
                )
        except IntegrityError:  # a double click that raced past the lock's read
            return LessonSpeaker.objects.get(lesson=lesson, member=member)
        audit_log(
            actor=actor,
            action="lesson.co_speaker_added",
            obj=lesson,
            org=lesson.org,
            data={"member_id": member.pk, "category": category},
        )
        if lesson.published_at is not None and lesson.state == "published":
            from xianfeng.lessons.practice.services import lecture_record

            lecture_record(
                member_id=member.pk,
                kind=LectureKind.LESSON,
                source_id=lesson.pk,
                title=lesson.title,
                given_on=timezone.localdate(lesson.published_at),
                org_id=lesson.org_id,
            )
    return row


def lesson_speaker_remove(*, actor: User, lesson: Lesson, member_id: int) -> bool:
    """Take a co-speaker off; their lecture of this lesson goes (a rota turn it fulfilled
    is open again)."""
    _check(actor, lesson)
    with transaction.atomic():
        deleted, _ = LessonSpeaker.objects.filter(lesson=lesson, member_id=member_id).delete()
        if not deleted:
            return False
        Lecture.objects.filter(
            kind=LectureKind.LESSON, source_id=lesson.pk, member_id=member_id
        ).delete()
        audit_log(
            actor=actor,
            action="lesson.co_speaker_removed",
            obj=lesson,
            org=lesson.org,
            data={"member_id": member_id},
        )
    return True


def lesson_speakers_reorder(*, actor: User, lesson: Lesson, member_ids: list[int]) -> list[int]:
    """Name the co-speakers in this order: the whole list, each co-speaker once. Returns
    the order kept (member ids)."""
    _check(actor, lesson)
    with transaction.atomic():
        Lesson.objects.select_for_update().filter(pk=lesson.pk).first()
        rows = {s.member_id: s for s in LessonSpeaker.objects.filter(lesson=lesson)}
        if len(member_ids) != len(set(member_ids)) or set(member_ids) != set(rows):
            raise Refused("顺序应包含每位联合主讲人各一次", field="member_ids")
        changed = [
            LessonSpeaker(pk=rows[m].pk, position=i)
            for i, m in enumerate(member_ids, start=1)
            if rows[m].position != i
        ]
        if changed:
            LessonSpeaker.objects.bulk_update(changed, ["position"])
            audit_log(
                actor=actor,
                action="lesson.co_speakers_reordered",
                obj=lesson,
                org=lesson.org,
                data={"member_ids": member_ids},
            )
    return list(member_ids)


def lesson_speaker_move(*, actor: User, lesson: Lesson, member_id: int, up: bool) -> list[int]:
    """Move one co-speaker a place up or down (the page's buttons); at an end it stays.
    The order is read under the lesson's lock, so a move never races an add or remove.
    Returns the order kept (member ids)."""
    _check(actor, lesson)
    with transaction.atomic():
        Lesson.objects.select_for_update().filter(pk=lesson.pk).first()
        order = list(
            LessonSpeaker.objects.filter(lesson=lesson)
            .order_by("position", "created_at", "id")
            .values_list("member_id", flat=True)
        )
        if member_id not in order:
            raise Refused("这位党员不是本课的联合主讲人", field="member_id")
        i = order.index(member_id)
        j = i - 1 if up else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
        return lesson_speakers_reorder(actor=actor, lesson=lesson, member_ids=order)
