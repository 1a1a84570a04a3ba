"""党课微直播 for mobile and mini-program clients: the lives on air and coming for me, one
live, its feed (comments, the pinned one, likes, viewers), commenting, liking, and the
host's pin and remove — through the same selector, services and moderation as the page."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Schema, Status

from xianfeng.common.apitools import ApiRouter, Id, errors
from xianfeng.common.types import actor_of
from xianfeng.live import chat
from xianfeng.live.enums import LiveState
from xianfeng.live.models import LiveComment, LiveLesson
from xianfeng.live.selectors import get_live_for_user, lives_visible_to
from xianfeng.moderation.enums import TextStatus

router = ApiRouter(tags=["党课微直播"])


class LiveOut(Schema):
    id: int
    title: str
    state: str
    speaker: str
    org: str
    audience: str
    scheduled_at: datetime.datetime
    started_at: datetime.datetime | None
    starts_in: int = Field(..., description="距预告开播的秒数（已到时为 0）")
    likes: int
    url: str = Field(..., description="直播页面地址（转发用）")
    playlist: str | None = Field(None, description="直播中时的 HLS 播放列表地址")


class LiveDetailOut(LiveOut):
    is_host: bool
    is_speaker: bool
    lesson_id: int | None = Field(None, description="回放（已生成为微党课时）")


class LiveCommentOut(Schema):
    id: int
    name: str
    text: str
    pinned: bool


class HeldOut(Schema):
    id: int
    text: str


class FeedOut(Schema):
    state: str
    comments: list[LiveCommentOut]
    ids: list[int]
    pinned: LiveCommentOut | None
    likes: int
    viewers: int
    ready: bool
    held: list[HeldOut]


class LiveFeedQuery(Schema):
    after: int = Field(0, ge=0, le=2**62, description="只返回编号大于它的评论")


class LiveCommentIn(Schema):
    text: str = Field(..., max_length=1000)


class CommentMade(Schema):
    id: int
    held: bool
    text: str


class LikeOut(Schema):
    likes: int
    new: bool


def _out(request: HttpRequest, live: LiveLesson) -> dict[str, Any]:
    url = reverse("live:detail", args=[live.pk])
    return {
        "id": live.pk,
        "title": live.title,
        "state": live.state,
        "speaker": live.speaker.name,
        "org": live.org.name,
        "audience": live.audience.name,
        "scheduled_at": live.scheduled_at,
        "started_at": live.started_at,
        "starts_in": max(0, int((live.scheduled_at - timezone.now()).total_seconds())),
        "likes": live.like_count,
        "url": request.build_absolute_uri(url),
        "playlist": request.build_absolute_uri(reverse("live:playlist", args=[live.pk]))
        if live.state == LiveState.LIVE
        else None,
    }


@router.get("", response=list[LiveOut], summary="我能看的直播：直播中与即将开播")
def lives(request: HttpRequest) -> list[dict[str, Any]]:
    found = (
        lives_visible_to(request.user)
        .filter(state__in=(LiveState.LIVE, LiveState.SCHEDULED))
        .select_related("org", "audience", "speaker")
        .order_by("state", "scheduled_at", "id")[:50]  # 直播中 (live) before 预告 (scheduled)
    )
    return [_out(request, live) for live in found]


@router.get("/{int:live_id}", response={200: LiveDetailOut, **errors(404)}, summary="一场直播")
def live(request: HttpRequest, live_id: Id) -> dict[str, Any]:
    found = get_live_for_user(request.user, live_id)
    return {
        **_out(request, found),
        "is_host": chat.is_host(request.user, found),
        "is_speaker": found.speaker_id == request.user.pk,
        "lesson_id": found.lesson_id,
    }


@router.get(
    "/{int:live_id}/feed",
    response={200: FeedOut, **errors(404)},
    summary="互动：新评论、置顶、点赞数、在看人数（每几秒轮询）",
)
def live_feed(request: HttpRequest, live_id: Id, query: Query[LiveFeedQuery]) -> dict[str, Any]:
    found = get_live_for_user(request.user, live_id)
    return chat.viewer_poll(live=found, viewer=request.user, after=query.after)


@router.post(
    "/{int:live_id}/comments",
    response={201: CommentMade, **errors(400, 404)},
    summary="发表评论（含敏感词的待审核后显示）",
)
def comment(request: HttpRequest, live_id: Id, body: LiveCommentIn) -> Status[dict[str, Any]]:
    found = get_live_for_user(request.user, live_id)
    made = chat.comment_post(actor=actor_of(request), live=found, text=body.text)
    return Status(
        201, {"id": made.pk, "held": made.status != TextStatus.VISIBLE, "text": made.text}
    )


@router.post("/{int:live_id}/like", response={200: LikeOut, **errors(404)}, summary="点赞")
def like(request: HttpRequest, live_id: Id) -> dict[str, Any]:
    found = get_live_for_user(request.user, live_id)
    new = chat.like(actor=actor_of(request), live=found)
    found.refresh_from_db(fields=["like_count"])
    return {"likes": found.like_count, "new": new}


@router.post(
    "/{int:live_id}/comments/{int:comment_id}/{action}",
    response={204: None, **errors(400, 403, 404)},
    summary="主讲人或主办组织：置顶（pin）或移除（remove）评论",
)
def comment_action(request: HttpRequest, live_id: Id, comment_id: Id, action: str) -> Status[None]:
    found = get_live_for_user(request.user, live_id)
    target = (
        LiveComment.objects.select_related("live__org").filter(live=found, pk=comment_id).first()
    )
    if target is None or action not in ("pin", "remove"):
        raise Http404("找不到该评论")
    if action == "pin":
        chat.comment_pin(actor=actor_of(request), comment=target)
    else:
        chat.comment_remove(actor=actor_of(request), comment=target)
    return Status(204, None)
