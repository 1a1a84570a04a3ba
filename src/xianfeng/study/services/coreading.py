"""共读一篇文章: the organiser sets it up; members who read the article to the end write a
心得 (≥ 50 字) by the deadline and discuss it; the organiser features the best."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, visible_length
from xianfeng.moderation.enums import TextStatus
from xianfeng.moderation.services import text_status_for
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.people.selectors import member_of
from xianfeng.study.models import (
    Article,
    ArticleRead,
    CoReading,
    CoReadingComment,
    CoReadingNote,
)
from xianfeng.study.rules import can_manage_study
from xianfeng.study.selectors import coreading as sel

NOTE_MIN_CHARS = 50
NOTE_MAX_CHARS = 5000
COMMENT_MAX_CHARS = 500


def coreading_create(
    *, actor: User, org: Org, article: Article, deadline: datetime.datetime
) -> CoReading:
    if not can_manage_study(actor, org):
        raise PermissionDenied("只有书记、委员或组织管理员可以组织共读")
    if not paths.is_within(org.path, article.org.path):
        raise Refused("这篇文章不面向本组织", field="article")
    if deadline <= timezone.now():
        raise Refused("截止时间应晚于现在", field="deadline")
    with transaction.atomic():
        row = CoReading.objects.create(
            org=org, article=article, deadline=deadline, created_by=actor
        )
        audit_log(
            actor=actor,
            action="coreading.create",
            obj=row,
            org=org,
            data={"article_id": article.pk, "deadline": deadline.isoformat()},
        )
    return row


def _require_reader(user: Any, coreading: CoReading) -> None:
    if not sel.is_in_coreading(user, coreading):
        raise PermissionDenied("这次共读不面向您")


def note_save(*, user: Any, coreading: CoReading, text: str) -> CoReadingNote:
    """Write or rewrite one's 心得: after reading the article to the end, before the
    deadline; the word list may hold it for review."""
    _require_reader(user, coreading)
    if timezone.now() > coreading.deadline:
        raise Refused("共读已截止，不能再提交心得")
    if not ArticleRead.objects.filter(
        user_id=user.pk, article_id=coreading.article_id, completed_at__isnull=False
    ).exists():
        raise Refused("请先读完文章再写心得")
    text = clean_text(text).strip()
    length = visible_length(text)
    if length < NOTE_MIN_CHARS:
        raise Refused(f"心得至少 {NOTE_MIN_CHARS} 个字，现在 {length} 个字", field="text")
    if len(text) > NOTE_MAX_CHARS:
        raise Refused(f"心得最多 {NOTE_MAX_CHARS} 个字", field="text")
    member = member_of(user)
    org = member.org if member is not None else coreading.org
    with transaction.atomic():
        note, _ = CoReadingNote.objects.select_for_update().get_or_create(
            coreading=coreading, user_id=user.pk, defaults={"text": text}
        )
        note.text = text
        note.status = text_status_for(
            kind="study.coreading_note", object_id=str(note.pk), org=org, author=user, text=text
        )
        note.save()
    return note


def note_feature(*, actor: User, note: CoReadingNote, featured: bool) -> CoReadingNote:
    if not can_manage_study(actor, note.coreading.org):
        raise PermissionDenied("只有组织者可以评选优秀心得")
    if featured and note.status != TextStatus.VISIBLE:
        raise Refused("待审核或未通过的心得不能评为优秀")
    with transaction.atomic():
        CoReadingNote.objects.filter(pk=note.pk).update(featured=featured)
        note.featured = featured
        audit_log(
            actor=actor,
            action="coreading.feature",
            obj=note,
            org=note.coreading.org,
            data={"featured": featured},
        )
    return note


def comment_add(*, user: Any, coreading: CoReading, text: str) -> CoReadingComment:
    _require_reader(user, coreading)
    text = clean_text(text).strip()
    if not visible_length(text):
        raise Refused("请填写讨论内容", field="text")
    if len(text) > COMMENT_MAX_CHARS:
        raise Refused(f"讨论内容最多 {COMMENT_MAX_CHARS} 个字", field="text")
    member = member_of(user)
    org = member.org if member is not None else coreading.org
    with transaction.atomic():
        comment = CoReadingComment.objects.create(coreading=coreading, user_id=user.pk, text=text)
        comment.status = text_status_for(
            kind="study.coreading_comment",
            object_id=str(comment.pk),
            org=org,
            author=user,
            text=text,
        )
        comment.save(update_fields=["status"])
    return comment


def moderated(model: Any) -> Any:
    def decide(object_id: str, approved: bool) -> None:
        model.objects.filter(pk=int(object_id)).update(
            status=TextStatus.VISIBLE if approved else TextStatus.REJECTED
        )

    return decide
