"""Writes of the lessons app: creating and publishing lessons, watching, 议 and 评."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.audit.services import audit_log
from xianfeng.common.db.prepared import prepared_cursor
from xianfeng.common.errors import Refused
from xianfeng.common.memo import MISSING, VersionedMemo
from xianfeng.common.text import clean_text, is_blank, visible_length
from xianfeng.common.transitions import transition
from xianfeng.lessons import search, watch
from xianfeng.lessons.enums import (
    COMPLETION_SHARE,
    LESSON_MACHINE,
    REFLECTION_MIN_CHARS,
    LessonState,
    TextStatus,
)
from xianfeng.lessons.models import (
    Comment,
    Commentary,
    Lesson,
    Like,
    Rating,
    Reflection,
    Series,
    Share,
    Showcase,
    Tag,
    WatchProgress,
)
from xianfeng.lessons.practice.channels import showcase_put
from xianfeng.lessons.rules import (
    PUBLIC_ROLES,
    can_edit_lesson,
    can_manage_lessons,
    can_publish_to,
    can_write_commentary,
)
from xianfeng.lessons.selectors import lessons_visible_to, published_lessons_for
from xianfeng.media.enums import VideoStatus
from xianfeng.moderation.services import review_open, text_check, text_status_for
from xianfeng.orgs.enums import MEMBER_ORG_KINDS
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over
from xianfeng.people.models import Member, User
from xianfeng.people.selectors import member_of

# A report may add at most this much newly covered time per second of wall clock since
# the previous report (2× playback speed), plus slack for a report's own length.
MAX_PLAYBACK_RATE = 2.0
REPORT_SLACK_SECONDS = 30.0


@dataclass
class LessonData:
    """The editable fields of a lesson."""

    title: str
    summary: str = ""
    story: str = ""
    reflection: str = ""
    question: str = ""
    speaker: Member | None = None
    speaker_name: str = ""
    tag_ids: Sequence[int] = field(default_factory=list)
    series: Series | None = None


def _clean(data: LessonData, *, speaker_required: bool = True) -> LessonData:
    data.title = " ".join(data.title.split())
    if is_blank(data.title):
        raise Refused("请填写标题", field="title")
    if len(data.title) > 80:
        raise Refused("标题最多 80 个字", field="title")
    data.summary = data.summary.strip()[:200]
    data.story, data.reflection, data.question = (
        data.story.strip(),
        data.reflection.strip(),
        data.question.strip(),
    )
    data.speaker_name = " ".join((data.speaker_name or "").split())
    if data.speaker is not None:
        data.speaker_name = data.speaker.user.name
    if speaker_required and is_blank(data.speaker_name):
        raise Refused("请填写主讲人", field="speaker_name")
    return data


def _apply(lesson: Lesson, data: LessonData) -> None:
    lesson.title, lesson.summary = data.title, data.summary
    lesson.story, lesson.reflection, lesson.question = data.story, data.reflection, data.question
    lesson.speaker, lesson.speaker_name, lesson.series = (
        data.speaker,
        data.speaker_name,
        data.series,
    )


def lesson_create(
    *, actor: User, org: Org, data: LessonData, speaker_required: bool = True
) -> Lesson:
    """Start a lesson as a draft: a member for their own branch, a manager for any org
    they manage. Imported courseware may have no known speaker (`speaker_required`)."""
    member = member_of(actor)
    own_branch = member is not None and member.org_id == org.pk
    if not (own_branch or can_manage_lessons(actor, org)):
        raise PermissionDenied("您不能为该组织创建微党课")
    if org.kind not in MEMBER_ORG_KINDS:
        raise Refused("微党课应属于党支部或党委等组织", field="org")
    if data.speaker is None and own_branch and not data.speaker_name:
        data.speaker = member
    data = _clean(data, speaker_required=speaker_required)
    with transaction.atomic():
        lesson = Lesson(author=actor, org=org)
        _apply(lesson, data)
        lesson.save()
        lesson.tags.set(Tag.objects.filter(pk__in=data.tag_ids))
        search.index_lesson(lesson)
        audit_log(
            actor=actor, action="lesson.create", obj=lesson, org=org, data={"title": lesson.title}
        )
    return lesson


def lesson_update(*, actor: User, lesson: Lesson, data: LessonData) -> Lesson:
    """Change a lesson's text; a published lesson's new text is checked for sensitive words
    again and held for review if it has any."""
    if not can_edit_lesson(actor, lesson):
        raise PermissionDenied("您不能修改这节微党课")
    data = _clean(data)
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        _apply(lesson, data)
        lesson.save()
        lesson.tags.set(Tag.objects.filter(pk__in=data.tag_ids))
        search.index_lesson(lesson)
        if lesson.state == LessonState.PUBLISHED:
            _check_text(lesson, actor)
        audit_log(
            actor=actor,
            action="lesson.update",
            obj=lesson,
            org=lesson.org,
            data={"title": lesson.title},
        )
    return lesson


def _lesson_words(lesson: Lesson) -> str:
    return "\n".join(
        x
        for x in (lesson.title, lesson.summary, lesson.story, lesson.reflection, lesson.question)
        if x
    )


def _check_text(lesson: Lesson, actor: User) -> None:
    words = text_check(_lesson_words(lesson))
    lesson.flagged_words = words
    lesson.text_status = TextStatus.HELD if words else TextStatus.VISIBLE
    lesson.save(update_fields=["flagged_words", "text_status"])
    if words:
        review_open(
            kind="lesson.lesson",
            object_id=str(lesson.pk),
            org=lesson.org,
            author=actor,
            text=_lesson_words(lesson),
            words=words,
        )


def _move(lesson: Lesson, state: str, actor: User, **fields: Any) -> Lesson:
    """The one place a lesson's state changes (through the shared transition)."""
    return transition(lesson, LESSON_MACHINE, state, actor=actor, org=lesson.org, fields=fields)


def lesson_submit(*, actor: User, lesson: Lesson) -> Lesson:
    """The author hands the lesson to the branch to publish; its text is checked now."""
    if not can_edit_lesson(actor, lesson):
        raise PermissionDenied("您不能提交这节微党课")
    with transaction.atomic():
        lesson = (
            Lesson.objects.select_for_update(of=("self",))
            .select_related("video", "org")
            .get(pk=lesson.pk)
        )
        if lesson.video is None:
            raise Refused("请先上传视频或音频")
        if lesson.video.status == VideoStatus.FAILED:
            raise Refused("视频处理失败，请重新上传或重试后再提交")
        _move(lesson, LessonState.SUBMITTED, actor, submitted_at=timezone.now())
        _check_text(lesson, actor)
    return lesson


def lesson_publish(
    *, actor: User, lesson: Lesson, audience: Org | None = None, public: bool = False
) -> Lesson:
    """A branch secretary or an org admin publishes a submitted lesson to an org's subtree
    (by default the lesson's own org), or to everyone."""
    audience = audience or lesson.org
    if not can_manage_lessons(actor, lesson.org):
        raise PermissionDenied("只有书记、宣传委员或组织管理员可以发布")
    if not can_publish_to(actor, audience, public=public):
        raise Refused("您不能向该范围发布", field="audience")
    with transaction.atomic():
        lesson = (
            Lesson.objects.select_for_update(of=("self",))
            .select_related("video", "org")
            .get(pk=lesson.pk)
        )
        if lesson.video is None or lesson.video.status != VideoStatus.READY:
            raise Refused("视频尚未处理完成，暂不能发布")
        if lesson.text_status == TextStatus.HELD:
            raise Refused("文字中有待审核的敏感词，审核通过后才能发布")
        if lesson.text_status == TextStatus.REJECTED:
            raise Refused("文字审核未通过，请作者修改后重新提交")
        _move(
            lesson,
            LessonState.PUBLISHED,
            actor,
            audience=audience,
            is_public=public,
            published_at=lesson.published_at or timezone.now(),
            published_by=actor,
            duration=lesson.video.duration,
        )
    return lesson


def lesson_withdraw(*, actor: User, lesson: Lesson) -> Lesson:
    """Back to draft (for changes): the author before publication, a manager at any time."""
    if not can_edit_lesson(actor, lesson):
        raise PermissionDenied("您不能撤回这节微党课")
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        return _move(lesson, LessonState.DRAFT, actor)


def lesson_archive(*, actor: User, lesson: Lesson) -> Lesson:
    if not can_manage_lessons(actor, lesson.org):
        raise PermissionDenied("只有管理者可以归档")
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        return _move(lesson, LessonState.ARCHIVED, actor)


def _require_watchable(user: Any, lesson: Lesson) -> None:
    if not published_lessons_for(user).filter(pk=lesson.pk).exists():
        if lessons_visible_to(user).filter(pk=lesson.pk).exists():
            raise Refused("这节微党课尚未发布")
        raise PermissionDenied("您不能观看这节微党课")


def watch_report(
    *, user: Any, lesson: Lesson, sections: Sequence[Sequence[float]], position: float | None = None
) -> WatchProgress:
    """Record sections the person's player played. Only ever adds to their own progress.

    The union grows by at most what real playback could have covered since the previous
    report, so a forged "I watched all of it" does not complete a lesson.
    """
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    duration = float(lesson.duration or 0)
    if duration <= 0:
        raise Refused("这节微党课还不能观看")
    new = watch.clean(sections, duration)
    return _record_watch(user, user.pk, lesson.pk, new, duration, position, None)


def watch_credit(
    *,
    user_id: int,
    lesson: Lesson,
    sections: Sequence[Sequence[float]],
    duration: float,
    watched_at: datetime.datetime,
) -> WatchProgress:
    """Count sections watched elsewhere on this lesson's timeline (a live whose recording
    is this lesson) as the person's own watching of it, like `watch_report` does for the
    player: the union grows, completion at the same share, `lesson.completed` once, dated
    when it was watched. The caller vouches for the sections (the live capped them by real
    time as they came); the draft state of a fresh recording does not stop the credit."""
    if duration <= 0:
        raise Refused("这节微党课还不能观看")
    new = watch.clean(sections, duration)
    return _record_watch(None, user_id, lesson.pk, new, duration, None, watched_at)


def lesson_view_anonymous(*, lesson: Lesson) -> None:
    """A visitor (not logged in) started a lesson published to everyone: a view, never
    anyone's study progress or points."""
    if not lesson.is_open_to_all:
        raise PermissionDenied("只有公开发布的微党课计入访客观看")
    Lesson.objects.filter(pk=lesson.pk).update(view_count=F("view_count") + 1)


# The last progress this process wrote per (user, lesson), so the next report of the same
# viewer writes without reading first: the UPDATE is conditional on `reports` (the row's
# version) being what was written, and a miss (another process or a credit wrote since)
# reads the row and tries again.
_progress_memo = VersionedMemo(size=50_000)

_PROGRESS_TABLE = WatchProgress._meta.db_table

_PROGRESS_FIELDS = (
    "id",
    "sections",
    "covered",
    "position",
    "reports",
    "completed_at",
    "started_at",
    "last_report_at",
)


def _record_watch(
    actor: Any,
    user_id: int,
    lesson_id: int,
    new: list[watch.Section],
    duration: float,
    position: float | None,
    watched_at: datetime.datetime | None,
) -> WatchProgress:
    """One report in one statement where it can be: an INSERT for the first (with the
    view it counts), else an UPDATE of the row conditional on its version, with the union
    capped by real time (player reports; a credit is vouched for) and `completed_at` set
    once. Only a report that completes the lesson takes a transaction of more than one
    statement (the lesson's count and `lesson.completed`)."""
    key = (user_id, lesson_id)
    state: dict[str, Any] | None = _progress_memo.get(key, 0)
    for _attempt in range(20):
        if state is MISSING or state is None:
            state = (
                WatchProgress.objects.filter(user_id=user_id, lesson_id=lesson_id)
                .values(*_PROGRESS_FIELDS)
                .first()
            )
        now = watched_at or timezone.now()
        old: list[Any] = state["sections"] if state else []
        merged = watch.merge(old, new, duration)
        if watched_at is None:
            # A player's report: at most what real playback could cover since the last.
            last = state["last_report_at"] if state else None
            since = (now - last).total_seconds() if last else 0.0
            allowed = since * MAX_PLAYBACK_RATE + REPORT_SLACK_SECONDS
            if watch.covered(merged) - (state["covered"] if state else 0.0) > allowed:
                # Keep only as much of the new coverage as real time allows, earliest first.
                merged = watch.merge(old, _trim(new, old, allowed, duration), duration)
        covered = watch.covered(merged)
        completes = (state is None or state["completed_at"] is None) and (
            covered >= COMPLETION_SHARE * duration
        )
        values: dict[str, Any] = {
            "sections": [list(s) for s in merged],
            "covered": covered,
            "last_report_at": now,
        }
        if position is not None and 0 <= position <= duration:
            values["position"] = round(float(position), 2)
        if completes:
            values["completed_at"] = now
        with transaction.atomic() if completes or state is None else nullcontext():
            if state is None:
                written = _insert_progress(user_id, lesson_id, values)
            else:
                written = _update_progress(user_id, lesson_id, state, values)
            if written is None:
                state = None  # another report won: read again
                continue
            if completes:
                _completed(actor, user_id, lesson_id, written, duration)
        _progress_memo.put(key, 0, written)
        return WatchProgress(user_id=user_id, lesson_id=lesson_id, **written)
    raise Refused("观看记录繁忙，请稍后再试")


def _insert_progress(user_id: int, lesson_id: int, values: dict[str, Any]) -> dict[str, Any] | None:
    """The person's first report makes their row and counts one view of the lesson; None
    when a concurrent first report made the row."""
    try:
        with transaction.atomic():
            row = WatchProgress.objects.create(
                user_id=user_id, lesson_id=lesson_id, reports=1, **values
            )
    except IntegrityError:
        return None
    Lesson.objects.filter(pk=lesson_id).update(view_count=F("view_count") + 1)
    return {name: getattr(row, name) for name in _PROGRESS_FIELDS}


def _update_progress(
    user_id: int, lesson_id: int, state: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any] | None:
    """One UPDATE, only if the row is still as the merge read it (None otherwise);
    `completed_at` is never replaced once set.

    The statement is written out rather than built by the ORM: building and compiling
    the ORM's UPDATE (a filter of four lookups, two expressions) was a third of a watch
    report's CPU, more than the rest of the view. It is one of four fixed texts
    (position reported or not, completing or not), prepared on PostgreSQL where that pays
    (common/db/prepared.py), every value a bound parameter."""
    ops = connection.ops
    sets = ["sections = %s", "covered = %s", "last_report_at = %s", "reports = reports + 1"]
    params: list[Any] = [
        _json_param(values["sections"]),
        float(values["covered"]),
        ops.adapt_datetimefield_value(values["last_report_at"]),
    ]
    if "position" in values:
        sets.append("position = %s")
        params.append(float(values["position"]))
    if "completed_at" in values:
        sets.append("completed_at = COALESCE(completed_at, %s)")
        params.append(ops.adapt_datetimefield_value(values["completed_at"]))
    # The version is the report count with the time of the last report (what the cap on
    # real time reads): a row changed in any way that matters is read again. A row never
    # reported has no time, and NULL = NULL is not true.
    last = state["last_report_at"]
    version = "reports = %s AND " + (
        "last_report_at = %s" if last is not None else "last_report_at IS NULL"
    )
    params += [_int_param(user_id), _int_param(lesson_id), _int_param(state["reports"])]
    if last is not None:
        params.append(ops.adapt_datetimefield_value(last))
    # Fixed texts only (the table's name and the parts above): no value in the string.
    sql = f"UPDATE {_PROGRESS_TABLE} SET {', '.join(sets)} WHERE user_id = %s AND lesson_id = %s AND {version}"  # noqa: S608, E501
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        won = cursor.rowcount
    if not won:
        return None
    return {**state, **values, "reports": state["reports"] + 1}


def _int_param(value: Any) -> Any:
    """Always a bigint on PostgreSQL: a prepared statement is kept per parameter types,
    and psycopg sends a small number as a smallint."""
    if connection.vendor == "postgresql":
        from psycopg.types.numeric import Int8

        return Int8(int(value))
    return int(value)


def _json_param(value: Any) -> Any:
    """A JSON value as the column takes it: jsonb on PostgreSQL, text elsewhere."""
    text = json.dumps(value, separators=(",", ":"))
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(value, dumps=lambda _v: text)
    return text


def _completed(
    actor: Any, user_id: int, lesson_id: int, row: dict[str, Any], duration: float
) -> None:
    Lesson.objects.filter(pk=lesson_id).update(completion_count=F("completion_count") + 1)
    # Once per person and lesson (completed_at is set once): points, 参学率 and the
    # dashboards learn of it from this event.
    progress = WatchProgress(user_id=user_id, lesson_id=lesson_id, **row)
    events.publish(
        "lesson.completed",
        actor=actor if actor is not None else User.objects.get(pk=user_id),
        obj=progress,
        data={"lesson_id": lesson_id, "user_id": user_id, "duration": duration},
    )


def _trim(
    new: list[watch.Section], existing: Sequence[Sequence[float]], allowed: float, duration: float
) -> list[watch.Section]:
    """The first `allowed` seconds of what `new` adds to `existing`."""
    base = watch.merge(existing, [], duration)
    kept: list[watch.Section] = []
    budget = allowed
    for start, end in sorted(new):
        if budget <= 0:
            break
        # Walk the parts of [start, end] not already covered.
        cursor = start
        for b_start, b_end in [*base, (end, end)]:
            if b_end <= cursor:
                continue
            gap_end = min(b_start, end)
            if gap_end > cursor:
                take = min(gap_end - cursor, budget)
                kept.append((cursor, cursor + take))
                budget -= take
                if budget <= 0:
                    break
            cursor = max(cursor, b_end)
            if cursor >= end:
                break
    return kept


def _text_for_review(
    *, kind: str, obj: Reflection | Comment, org: Org, author: Any, text: str
) -> str:
    return text_status_for(kind=kind, object_id=str(obj.pk), org=org, author=author, text=text)


def reflection_save(*, user: Any, lesson: Lesson, text: str) -> Reflection:
    """Write or rewrite one's 心得体会 (at least 50 characters); sensitive words hold it."""
    _require_watchable(user, lesson)
    text = text.strip()
    length = visible_length(text)  # zero-width padding does not make 50 字
    if length < REFLECTION_MIN_CHARS:
        raise Refused(f"心得体会至少 {REFLECTION_MIN_CHARS} 个字，现在 {length} 个字", field="text")
    if len(text) > 5000:
        raise Refused("心得体会最多 5000 个字", field="text")
    member = member_of(user)
    org = member.org if member is not None else lesson.org
    with transaction.atomic():
        reflection, created = Reflection.objects.select_for_update().get_or_create(
            user_id=user.pk, lesson_id=lesson.pk, defaults={"text": text, "org": org}
        )
        reflection.text, reflection.org = text, org
        reflection.status = _text_for_review(
            kind="lesson.reflection", obj=reflection, org=org, author=user, text=text
        )
        reflection.save()
        if created:
            Lesson.objects.filter(pk=lesson.pk).update(reflection_count=F("reflection_count") + 1)
        events.publish(
            "reflection.created" if created else "reflection.updated",
            actor=user,
            obj=reflection,
            org=org,
            data={"lesson_id": lesson.pk, "user_id": user.pk, "status": reflection.status},
        )
    return reflection


def comment_add(*, user: Any, lesson: Lesson, text: str, parent: Comment | None = None) -> Comment:
    """Comment, or reply to a comment (a reply to a reply joins the same thread)."""
    _require_watchable(user, lesson)
    text = text.strip()
    if is_blank(text):
        raise Refused("请填写评论内容", field="text")
    if len(text) > 500:
        raise Refused("评论最多 500 个字", field="text")
    if parent is not None:
        if parent.lesson_id != lesson.pk:
            raise Refused("回复的评论不属于这节微党课")
        parent = parent.parent or parent
    with transaction.atomic():
        comment = Comment.objects.create(user_id=user.pk, lesson=lesson, parent=parent, text=text)
        comment.status = _text_for_review(
            kind="lesson.comment", obj=comment, org=lesson.org, author=user, text=text
        )
        comment.save(update_fields=["status"])
        if comment.status == TextStatus.VISIBLE:
            Lesson.objects.filter(pk=lesson.pk).update(comment_count=F("comment_count") + 1)
        events.publish(
            "comment.created",
            actor=user,
            obj=comment,
            org=lesson.org,
            data={"lesson_id": lesson.pk, "user_id": user.pk, "status": comment.status},
        )
    return comment


def comment_delete(*, actor: User, comment: Comment) -> None:
    """The author or a manager of the lesson's org removes a comment (and its replies)."""
    lesson = comment.lesson
    if comment.user_id != actor.pk and not can_manage_lessons(actor, lesson.org):
        raise PermissionDenied("您不能删除这条评论")
    with transaction.atomic():
        visible = Comment.objects.filter(pk=comment.pk, status=TextStatus.VISIBLE).count()
        visible += Comment.objects.filter(parent=comment, status=TextStatus.VISIBLE).count()
        events.publish(
            "comment.deleted",
            actor=actor,
            obj=comment,
            org=lesson.org,
            data={"lesson_id": lesson.pk, "user_id": comment.user_id, "text": comment.text},
        )
        comment.delete()
        if visible:
            Lesson.objects.filter(pk=lesson.pk).update(comment_count=F("comment_count") - visible)


def rating_set(*, user: Any, lesson: Lesson, score: int) -> Rating:
    """One 1–5 rating per person; rating again changes it. A double submit counts once."""
    _require_watchable(user, lesson)
    if score not in (1, 2, 3, 4, 5):
        raise Refused("评分应为 1 到 5 星", field="score")
    for _attempt in range(2):
        try:
            with transaction.atomic():
                rating = (
                    Rating.objects.select_for_update()
                    .filter(user_id=user.pk, lesson_id=lesson.pk)
                    .first()
                )
                if rating is None:
                    rating = Rating.objects.create(
                        user_id=user.pk, lesson_id=lesson.pk, score=score
                    )
                    Lesson.objects.filter(pk=lesson.pk).update(
                        rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + score
                    )
                elif rating.score != score:
                    Lesson.objects.filter(pk=lesson.pk).update(
                        rating_sum=F("rating_sum") + (score - rating.score)
                    )
                    rating.score = score
                    rating.save(update_fields=["score", "updated_at"])
                events.publish(
                    "lesson.rated",
                    actor=user,
                    obj=rating,
                    data={"lesson_id": lesson.pk, "user_id": user.pk, "score": score},
                )
                return rating
        except IntegrityError:
            continue  # the other submit created it first: update that row instead
    raise Refused("评分提交冲突，请重试")


def like_set(*, user: Any, lesson: Lesson, liked: bool) -> bool:
    """Like or unlike; the same request twice changes nothing. Returns whether it is liked."""
    _require_watchable(user, lesson)
    with transaction.atomic():
        if liked:
            try:
                with transaction.atomic():
                    Like.objects.create(user_id=user.pk, lesson_id=lesson.pk)
            except IntegrityError:
                return True  # already liked (a double click)
            Lesson.objects.filter(pk=lesson.pk).update(like_count=F("like_count") + 1)
        else:
            deleted, _ = Like.objects.filter(user_id=user.pk, lesson_id=lesson.pk).delete()
            if deleted:
                Lesson.objects.filter(pk=lesson.pk).update(like_count=F("like_count") - 1)
    return liked


def share_record(*, user: Any, lesson: Lesson, channel: str = "link") -> Share:
    _require_watchable(user, lesson)
    with transaction.atomic():
        share = Share.objects.create(user_id=user.pk, lesson=lesson, channel=channel[:16])
        Lesson.objects.filter(pk=lesson.pk).update(share_count=F("share_count") + 1)
    return share


COMMENTARY_MAX_CHARS = 2000


def commentary_save(
    *, actor: User, lesson: Lesson, text: str, author_title: str = ""
) -> Commentary:
    """An expert's 专业人士点评 on a published lesson (a reviewer of its org or above):
    written once per expert, rewritten in place."""
    if not can_write_commentary(actor, lesson):
        raise PermissionDenied("只有本组织或上级组织的审核员可以点评")
    text = clean_text(text).strip()
    title = " ".join(clean_text(author_title, multiline=False).split())
    if visible_length(text) < 10:
        raise Refused("点评至少 10 个字", field="text")
    if len(text) > COMMENTARY_MAX_CHARS:
        raise Refused(f"点评最多 {COMMENTARY_MAX_CHARS} 个字", field="text")
    if len(title) > 40:
        raise Refused("点评人身份最多 40 个字", field="author_title")
    with transaction.atomic():
        commentary, created = Commentary.objects.update_or_create(
            lesson=lesson, author=actor, defaults={"text": text, "author_title": title}
        )
        audit_log(
            actor=actor,
            action="commentary.save",
            obj=commentary,
            org=lesson.org,
            data={"lesson_id": lesson.pk, "created": created},
        )
    return commentary


def commentary_delete(*, actor: User, commentary: Commentary) -> None:
    """The expert takes their commentary back (or an admin of the lesson's org removes it)."""
    lesson = commentary.lesson
    if commentary.author_id != actor.pk and not has_role_over(actor, lesson.org, PUBLIC_ROLES):
        raise PermissionDenied("只能删除自己的点评")
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="commentary.delete",
            obj=commentary,
            org=lesson.org,
            data={"lesson_id": lesson.pk, "author_id": commentary.author_id},
        )
        commentary.delete()


def lesson_recording_attach(*, lesson: Lesson, video: Any) -> bool:
    """A lesson that has no video yet (a speech given on stage) gets its recording, once:
    the lesson then plays like any other and its speaker publishes it. False when it
    already had one (a second recording is a contest version, not the lesson's video)."""
    if video.status != VideoStatus.READY:
        raise Refused("录像尚未处理完成")
    with transaction.atomic():
        changed = Lesson.objects.filter(pk=lesson.pk, video__isnull=True).update(
            video=video, duration=video.duration or 0
        )
        if changed:
            audit_log(
                actor=video.owner,
                action="lesson.recording",
                obj=lesson,
                org=lesson.org,
                data={"video": video.pk},
            )
    if changed:
        lesson.video, lesson.duration = video, video.duration or 0
    return bool(changed)


def lesson_video_ready(lesson_id: int, duration: float) -> None:
    """Called when the lesson's video finishes processing."""
    Lesson.objects.filter(pk=lesson_id).update(duration=duration)


def moderation_decided(kind: str, object_id: str, approved: bool) -> None:
    """Apply a reviewer's decision to a held lesson, reflection or comment."""
    status = TextStatus.VISIBLE if approved else TextStatus.REJECTED
    if kind == "lesson.lesson":
        Lesson.objects.filter(pk=object_id).update(text_status=status)
    elif kind == "lesson.reflection":
        with transaction.atomic():
            reflection = Reflection.objects.select_for_update().filter(pk=object_id).first()
            if reflection is None or reflection.status == status:
                return
            Reflection.objects.filter(pk=reflection.pk).update(status=status)
            # Points learn of it: a reflection let through earns, a rejected one gives back.
            events.publish(
                "reflection.moderated",
                actor=None,
                obj=reflection,
                org=reflection.org,
                data={
                    "lesson_id": reflection.lesson_id,
                    "user_id": reflection.user_id,
                    "status": status,
                },
            )
    elif kind == "lesson.comment":
        updated = Comment.objects.filter(pk=object_id, status=TextStatus.HELD).update(status=status)
        if updated and approved:
            lesson_id = (
                Comment.objects.filter(pk=object_id).values_list("lesson_id", flat=True).first()
            )
            if lesson_id is not None:
                Lesson.objects.filter(pk=lesson_id).update(comment_count=F("comment_count") + 1)


def series_create(*, actor: User, org: Org, title: str, description: str = "") -> Series:
    if not can_manage_lessons(actor, org):
        raise PermissionDenied("您不能为该组织创建专题")
    title = " ".join(title.split())
    if is_blank(title):
        raise Refused("请填写专题名称", field="title")
    with transaction.atomic():
        series = Series.objects.create(
            org=org, title=title[:100], description=description.strip(), created_by=actor
        )
        audit_log(actor=actor, action="series.create", obj=series, org=org, data={"title": title})
    return series


def showcase_for_org(*, actor: User, org: Org, title: str) -> Showcase:
    """The org's showcase with this title (made if missing)."""
    if not can_manage_lessons(actor, org):
        raise PermissionDenied("您不能管理该组织的展播")
    with transaction.atomic():
        showcase, created = Showcase.objects.get_or_create(
            org=org, title=title[:100], defaults={"created_by": actor}
        )
        if created:
            audit_log(
                actor=actor, action="showcase.create", obj=showcase, org=org, data={"title": title}
            )
    return showcase


def showcase_set_items(*, actor: User, showcase: Showcase, lessons: Sequence[Lesson]) -> None:
    """Set the showcase's lessons in order (one already there keeps its issue number). A
    lesson published to a narrower audience inside the showcase's org is widened to the
    whole org, so everyone the showcase reaches can watch it (audited)."""
    if not can_manage_lessons(actor, showcase.org):
        raise PermissionDenied("您不能管理该组织的展播")
    # The channel's own module places the items, so a lesson that arrives this way is
    # released and numbered (第 N 期) exactly as one added by hand.
    with transaction.atomic():
        showcase_put(actor=actor, showcase=showcase, lessons=list(lessons))
        for lesson in lessons:
            audience = lesson.audience
            if (
                lesson.state == LessonState.PUBLISHED
                and audience is not None
                and not lesson.is_public
                and audience.path.startswith(showcase.org.path)
                and audience.pk != showcase.org_id
            ):
                Lesson.objects.filter(pk=lesson.pk).update(audience=showcase.org)
                audit_log(
                    actor=actor,
                    action="lesson.widen",
                    obj=lesson,
                    org=showcase.org,
                    data={"from": audience.pk, "to": showcase.org_id, "showcase": showcase.pk},
                )
        audit_log(
            actor=actor,
            action="showcase.items",
            obj=showcase,
            org=showcase.org,
            data={"lessons": [x.pk for x in lessons]},
        )


# --- 集体收看 (watching together) ------------------------------------------------------------

GROUP_VIEWING_SOURCES = frozenset({"remote.viewing", "meetings.meeting"})


def group_viewing_credit(
    *,
    actor: User | None,
    lesson_ids: Sequence[int],
    user_ids: Sequence[int],
    source: str,
    source_id: int,
    viewed_on: Any,
) -> int:
    """Count each lesson as 集体收看 for each person who attended a group viewing (a
    remote-education viewing, a 党课 / 主题党日 meeting that showed it). Idempotent: the
    same source credits a person and lesson once, whatever the retries. Returns how many
    credits are new."""
    if source not in GROUP_VIEWING_SOURCES:
        raise ValueError(f"unknown group viewing source {source!r}")
    from xianfeng.lessons.models import GroupViewing

    lesson_ids, user_ids = sorted(set(lesson_ids)), sorted(set(user_ids))
    if not lesson_ids or not user_ids:
        return 0
    with transaction.atomic():
        before = GroupViewing.objects.filter(source=source, source_id=source_id).count()
        GroupViewing.objects.bulk_create(
            [
                GroupViewing(
                    user_id=user_id,
                    lesson_id=lesson_id,
                    source=source,
                    source_id=source_id,
                    viewed_on=viewed_on,
                )
                for lesson_id in lesson_ids
                for user_id in user_ids
            ],
            ignore_conflicts=True,
        )
        added = GroupViewing.objects.filter(source=source, source_id=source_id).count() - before
        if added:
            first = Lesson.objects.filter(pk=lesson_ids[0]).first()
            if first is not None:
                audit_log(
                    actor=actor,
                    action="lesson.group_viewing",
                    obj=first,
                    data={
                        "source": source,
                        "source_id": source_id,
                        "lessons": lesson_ids,
                        "added": added,
                    },
                )
    return added
