"""Comments, likes and the viewer count during a live, through the shared cache so that
any number of web processes answer the viewers' polls alike (Redis in production, the
database cache on the embedded default).

- The latest visible comments of a live are kept as one cached list (rebuilt from the
  database after a post, a removal or a pin); a poll `after=<id>` filters it in Python.
- Viewers are counted per 30-second window: a poll adds the person's key to the window once
  (`cache.add`) and bumps the window's counter; the count shown is the larger of this window
  and the last.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.lessons.rules import can_manage_lessons
from xianfeng.live.enums import LiveState
from xianfeng.live.models import LiveComment, LiveLesson, LiveLike
from xianfeng.moderation.enums import TextStatus
from xianfeng.moderation.services import text_status_for

LATEST = 100
WINDOW = 30
COMMENT_MAX_CHARS = 200


def _comments_key(live_id: int) -> str:
    return f"live:comments:{live_id}"


def is_host(user: Any, live: LiveLesson) -> bool:
    return live.speaker_id == getattr(user, "pk", None) or can_manage_lessons(user, live.org)


def latest_comments(live_id: int) -> list[dict[str, Any]]:
    cached: list[dict[str, Any]] | None = cache.get(_comments_key(live_id))
    if cached is None:
        rows = (
            LiveComment.objects.filter(live_id=live_id, status=TextStatus.VISIBLE, removed=False)
            .select_related("user")
            .order_by("-id")[:LATEST]
        )
        cached = [
            {"id": c.pk, "name": c.user.name, "text": c.text, "pinned": c.pinned}
            for c in reversed(list(rows))
        ]
        cache.set(_comments_key(live_id), cached, 300)
    return cached


def _changed(live_id: int) -> None:
    cache.delete(_comments_key(live_id))


def comment_post(*, actor: Any, live: LiveLesson, text: str) -> LiveComment:
    """A viewer's comment while the live is on air; one with a listed word is held for a
    审核员 and seen only by its author meanwhile."""
    if live.state != LiveState.LIVE:
        raise Refused("直播未开始或已结束")
    text = " ".join(clean_text(text, multiline=False).split())
    if is_blank(text):
        raise Refused("请输入评论内容", field="text")
    if len(text) > COMMENT_MAX_CHARS:
        raise Refused(f"评论最多 {COMMENT_MAX_CHARS} 个字", field="text")
    with transaction.atomic():
        comment = LiveComment.objects.create(live=live, user=actor, text=text)
        status = text_status_for(
            kind="live.comment", object_id=str(comment.pk), org=live.org, author=actor, text=text
        )
        if status != TextStatus.VISIBLE:
            LiveComment.objects.filter(pk=comment.pk).update(status=status)
            comment.status = status
        transaction.on_commit(lambda: _changed(live.pk))
    return comment


def comment_moderated(object_id: str, approved: bool) -> None:
    status = TextStatus.VISIBLE if approved else TextStatus.REJECTED
    comment = LiveComment.objects.filter(pk=object_id, status=TextStatus.HELD).first()
    if comment is not None:
        LiveComment.objects.filter(pk=comment.pk).update(status=status)
        _changed(comment.live_id)


def comment_remove(*, actor: Any, comment: LiveComment) -> None:
    if not is_host(actor, comment.live):
        raise PermissionDenied("只有主讲人或主办组织可以移除评论")
    with transaction.atomic():
        LiveComment.objects.filter(pk=comment.pk).update(removed=True, pinned=False)
        audit_log(actor=actor, action="live.comment_removed", obj=comment, org=comment.live.org)
        transaction.on_commit(lambda: _changed(comment.live_id))


def comment_pin(*, actor: Any, comment: LiveComment) -> None:
    """Pin one comment (the previous pin is released)."""
    if not is_host(actor, comment.live):
        raise PermissionDenied("只有主讲人或主办组织可以置顶评论")
    if comment.removed or comment.status != TextStatus.VISIBLE:
        raise Refused("只能置顶显示中的评论")
    with transaction.atomic():
        LiveComment.objects.filter(live_id=comment.live_id, pinned=True).update(pinned=False)
        LiveComment.objects.filter(pk=comment.pk).update(pinned=True)
        audit_log(actor=actor, action="live.comment_pinned", obj=comment, org=comment.live.org)
        transaction.on_commit(lambda: _changed(comment.live_id))


def like(*, actor: Any, live: LiveLesson) -> bool:
    """Like once (a double click or two tabs count once)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                LiveLike.objects.create(live=live, user=actor)
        except IntegrityError:
            return False
        LiveLesson.objects.filter(pk=live.pk).update(like_count=F("like_count") + 1)
    return True


def seen(live_id: int, viewer: str, *, now: float | None = None) -> int:
    """Count the viewer in the current window; the number of viewers now."""
    window = int((time.time() if now is None else now) // WINDOW)
    counter = f"live:viewers:{live_id}:{window}"
    if cache.add(f"live:viewer:{live_id}:{window}:{viewer}", 1, WINDOW * 3):
        cache.add(counter, 0, WINDOW * 3)
        try:
            cache.incr(counter)
        except ValueError:  # evicted between add and incr
            cache.set(counter, 1, WINDOW * 3)
    previous = f"live:viewers:{live_id}:{window - 1}"
    counts = cache.get_many([counter, previous])
    return int(max(counts.get(counter) or 0, counts.get(previous) or 0))


def feed(*, live: LiveLesson, viewer: Any, after: int, now: float | None = None) -> dict[str, Any]:
    """What a viewer's poll answers: new comments (plus the viewer's own held ones), the
    pinned one, likes, viewers."""
    comments = latest_comments(live.pk)
    new = [c for c in comments if c["id"] > after]
    pinned = next((c for c in comments if c["pinned"]), None)
    viewers = seen(live.pk, str(getattr(viewer, "pk", "")), now=now)
    return {
        "state": live.state,
        "comments": new,
        "ids": [c["id"] for c in comments],
        "pinned": pinned,
        "likes": live.like_count,
        "viewers": viewers,
    }


def viewer_poll(*, live: LiveLesson, viewer: Any, after: int) -> dict[str, Any]:
    """The page's poll and the API's feed alike: `feed` plus whether the player can start
    (`ready`) and the viewer's own comments still held for review (`held`)."""
    from xianfeng.live import ingest

    data = feed(live=live, viewer=viewer, after=after)
    data["ready"] = bool(live.public_from_run) and ingest.has_segments(
        live.storage_key, live.public_from_run
    )
    viewer_id = getattr(viewer, "pk", None)
    mine = (
        LiveComment.objects.filter(
            live=live, user_id=viewer_id, status=TextStatus.HELD, pk__gt=after
        ).values("pk", "text")
        if viewer_id is not None
        else []
    )
    data["held"] = [{"id": c["pk"], "text": c["text"]} for c in mine]
    return data
