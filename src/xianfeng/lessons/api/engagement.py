"""Taking part (看、议、评): watch reports, likes, ratings, reflections, comments, shares."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Schema, Status

from xianfeng.common.apitools import FiniteFloat, Id, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.lessons import services
from xianfeng.lessons.api._shared import (
    router,
)
from xianfeng.lessons.models import Comment
from xianfeng.lessons.selectors import (
    comments_for,
    get_lesson_for_user,
    lesson_viewer_state,
    reflections_for,
    watchable_lesson,
)
from xianfeng.people.apiauth import REPORT_AUTH


class ShareIn(Schema):
    channel: str = Field("link", max_length=20)


class WatchIn(Schema):
    sections: list[tuple[FiniteFloat, FiniteFloat]] = Field(..., max_length=500)
    position: FiniteFloat | None = None


class WatchOut(Schema):
    covered: float
    share: float
    completed: bool
    position: float


@router.post(
    "/{int:lesson_id}/watch",
    response={200: WatchOut, **errors(400, 404)},
    summary="上报已观看的区间",
    auth=REPORT_AUTH,
)
def watch(request: HttpRequest, lesson_id: Id, body: WatchIn) -> dict[str, Any]:
    # The person as the auth found them: from a token, or from the session without a query
    # of the user row (people.apiauth.ReportingSessionAuth), as the page's watch endpoint.
    user = request.auth  # type: ignore[attr-defined]
    lesson = watchable_lesson(user, lesson_id)
    progress = services.watch_report(
        user=user, lesson=lesson, sections=body.sections, position=body.position
    )
    duration = lesson.duration or 1
    return {
        "covered": progress.covered,
        "share": round(min(1.0, progress.covered / duration), 4),
        "completed": progress.completed_at is not None,
        "position": progress.position,
    }


class LikeIn(Schema):
    liked: bool


class LessonRateIn(Schema):
    score: int = Field(..., ge=1, le=5)


class CountsOut(Schema):
    liked: bool
    like_count: int
    my_rating: int | None
    rating_average: float | None
    rating_count: int


def _counts(user: Any, lesson_id: int) -> dict[str, Any]:
    lesson, state = lesson_viewer_state(user, lesson_id)
    return {
        "liked": state.liked,
        "like_count": lesson.like_count,
        "my_rating": state.my_rating,
        "rating_average": lesson.rating_average,
        "rating_count": lesson.rating_count,
    }


@router.post(
    "/{int:lesson_id}/like",
    response={200: CountsOut, **errors(400, 403, 404)},
    summary="点赞或取消",
)
def like(request: HttpRequest, lesson_id: Id, body: LikeIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.like_set(user=request.user, lesson=lesson, liked=body.liked)
    return _counts(request.user, lesson.pk)


@router.post(
    "/{int:lesson_id}/rating",
    response={200: CountsOut, **errors(400, 403, 404)},
    summary="评分（1–5，可修改）",
)
def rate(request: HttpRequest, lesson_id: Id, body: LessonRateIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.rating_set(user=request.user, lesson=lesson, score=body.score)
    return _counts(request.user, lesson.pk)


class TextIn(Schema):
    text: str = Field(..., max_length=5000)
    parent: Id | None = None


class LessonCommentOut(Schema):
    id: int
    author: str
    text: str
    status: str
    created_at: datetime.datetime
    replies: list[LessonCommentOut] = []


class ReflectionOut(Schema):
    id: int
    author: str
    text: str
    status: str
    created_at: datetime.datetime


def _comment(c: Comment, replies: bool = True) -> dict[str, Any]:
    return {
        "id": c.pk,
        "author": c.user.name,
        "text": c.text,
        "status": c.status,
        "created_at": c.created_at,
        "replies": [_comment(r, False) for r in c.replies.all()] if replies else [],
    }


@router.get(
    "/{int:lesson_id}/comments",
    response={200: list[LessonCommentOut], **errors(404)},
    summary="讨论",
)
def comments(request: HttpRequest, lesson_id: Id) -> list[dict[str, Any]]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    return [_comment(c) for c in comments_for(request.user, lesson)[:100]]


@router.post(
    "/{int:lesson_id}/comments",
    response={200: LessonCommentOut, **errors(400, 403, 404)},
    summary="发表评论或回复",
)
def comment_add(request: HttpRequest, lesson_id: Id, body: TextIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    parent = Comment.objects.filter(pk=body.parent, lesson=lesson).first() if body.parent else None
    if body.parent and parent is None:
        raise Refused("找不到要回复的评论")
    saved = services.comment_add(user=request.user, lesson=lesson, text=body.text, parent=parent)
    return _comment(saved, False)


@router.get(
    "/{int:lesson_id}/reflections",
    response={200: list[ReflectionOut], **errors(404)},
    summary="心得体会（本支部）",
)
def reflections(request: HttpRequest, lesson_id: Id) -> list[dict[str, Any]]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    return [
        {
            "id": r.pk,
            "author": r.user.name,
            "text": r.text,
            "status": r.status,
            "created_at": r.created_at,
        }
        for r in reflections_for(request.user, lesson)[:100]
    ]


@router.put(
    "/{int:lesson_id}/reflection",
    response={200: ReflectionOut, **errors(400, 403, 404)},
    summary="写或修改我的心得（至少 50 字）",
)
def reflection_save(request: HttpRequest, lesson_id: Id, body: TextIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    r = services.reflection_save(user=request.user, lesson=lesson, text=body.text)
    return {
        "id": r.pk,
        "author": getattr(request.user, "name", ""),
        "text": r.text,
        "status": r.status,
        "created_at": r.created_at,
    }


@router.post(
    "/{int:lesson_id}/share", response={204: None, **errors(400, 403, 404)}, summary="记录一次分享"
)
def share(request: HttpRequest, lesson_id: Id, body: ShareIn) -> Status[None]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.share_record(user=request.user, lesson=lesson, channel=body.channel)
    return Status(204, None)


@router.delete(
    "/{int:lesson_id}/comments/{int:comment_id}",
    response={204: None, **errors(403, 404)},
    summary="删除评论（本人或管理者）",
)
def comment_delete(request: HttpRequest, lesson_id: Id, comment_id: Id) -> Status[None]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    target = (
        Comment.objects.select_related("lesson__org").filter(pk=comment_id, lesson=lesson).first()
    )
    if target is None:
        raise Http404("找不到该评论")
    services.comment_delete(actor=actor_of(request), comment=target)
    return Status(204, None)
