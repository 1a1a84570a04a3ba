"""Writes of moderation: the word list and reviewers' decisions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.moderation import handlers, scanner
from xianfeng.moderation.enums import ReviewStatus, TextStatus
from xianfeng.moderation.models import ReviewItem, SensitiveWord
from xianfeng.moderation.rules import can_review
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


def text_check(text: str) -> list[str]:
    """The sensitive words in `text` (empty: it may be published)."""
    return scanner.find_words(text)


def sensitive_words_add(*, actor: User | None, words: Iterable[str], category: str = "") -> int:
    """Add words to the list (existing ones are kept); returns how many were new."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("只有系统管理员可以维护敏感词")
    # Words come from files and the admin; comments are NFC (common/text.py), so are words.
    stripped = (clean_text(w, multiline=False).strip() for w in words)
    cleaned = {w for w in stripped if not is_blank(w) and not w.startswith("#")}
    with transaction.atomic():
        existing = set(
            SensitiveWord.objects.filter(word__in=cleaned).values_list("word", flat=True)
        )
        new = [SensitiveWord(word=w[:50], category=category) for w in sorted(cleaned - existing)]
        SensitiveWord.objects.bulk_create(new, batch_size=1000)
        if new:
            first = new[0] if new[0].pk else SensitiveWord.objects.get(word=new[0].word)
            audit_log(
                actor=actor, action="moderation.words_add", obj=first, data={"count": len(new)}
            )
        transaction.on_commit(scanner.bump_version)
    return len(new)


def text_status_for(*, kind: str, object_id: str, org: Org, author: Any, text: str) -> str:
    """The status new or changed user text starts in: VISIBLE, or HELD with a review item
    opened when the word list finds something. Call it in the saving transaction."""
    words = text_check(text)
    if not words:
        return TextStatus.VISIBLE
    review_open(kind=kind, object_id=object_id, org=org, author=author, text=text, words=words)
    return TextStatus.HELD


def review_open(
    *, kind: str, object_id: str, org: Org, author: Any, text: str, words: list[str]
) -> ReviewItem:
    """Hold an object's text for review (one pending item per object)."""
    with transaction.atomic():
        item, created = ReviewItem.objects.get_or_create(
            kind=kind,
            object_id=object_id,
            status=ReviewStatus.PENDING,
            defaults={"org": org, "author": author, "text": text, "words": words},
        )
        if not created:
            item.text, item.words = text, words
            item.save(update_fields=["text", "words"])
        audit_log(actor=author, action="moderation.hold", obj=item, org=org, data={"words": words})
    return item


def review_decide(*, reviewer: User, item: ReviewItem, approve: bool, note: str = "") -> ReviewItem:
    """A reviewer publishes (approve) or rejects held text; the owning app applies it."""
    if not can_review(reviewer, item.org):
        raise PermissionDenied("您不能审核该组织的内容")
    handler = handlers.get(item.kind)
    if handler is None:
        raise Refused("未知的审核类型")
    with transaction.atomic():
        locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != ReviewStatus.PENDING:
            raise Refused("该内容已经审核过了")
        locked.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        locked.reviewer, locked.note, locked.decided_at = reviewer, note[:200], timezone.now()
        locked.save(update_fields=["status", "reviewer", "note", "decided_at"])
        handler(locked.object_id, approve)
        audit_log(
            actor=reviewer,
            action="moderation.approve" if approve else "moderation.reject",
            obj=locked,
            org=locked.org,
            data={"kind": locked.kind, "object_id": locked.object_id, "note": note},
        )
    return locked
