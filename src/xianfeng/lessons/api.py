"""Lessons for mobile clients: feeds, a lesson, watching, 议 and 评."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from xianfeng.common.errors import Refused
from xianfeng.lessons import services
from xianfeng.lessons.models import Comment, Lesson, Like, Rating
from xianfeng.lessons.selectors import (
    FEEDS,
    FeedFilters,
    comments_for,
    get_lesson_for_user,
    lesson_feed,
    progress_of,
    reflections_for,
    watchable_lesson,
)
from xianfeng.media.selectors import video_hls_url, video_mp4_url, video_poster_url

router = Router(tags=["微党课"])


class LessonCard(Schema):
    id: int
    title: str
    speaker: str
    org: str
    duration: float
    tags: list[str]
    poster: str
    view_count: int
    like_count: int
    rating_average: float | None
    published_at: datetime.datetime | None


class LessonDetail(LessonCard):
    summary: str
    story: str
    reflection: str
    question: str
    state: str
    hls: str
    mp4: str
    video_status: str | None
    liked: bool
    my_rating: int | None
    watched_share: float
    completed: bool
    resume_at: float


class FeedPage(Schema):
    count: int
    page: int
    pages: int
    results: list[LessonCard]


class FeedQuery(Schema):
    feed: str = "latest"
    q: str = ""
    tag: str = ""
    series: int | None = None
    page: int = 1
    page_size: int = 20


def _card(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.pk,
        "title": lesson.title,
        "speaker": lesson.speaker_name,
        "org": lesson.org.name,
        "duration": lesson.duration,
        "tags": [t.name for t in lesson.tags.all()],
        "poster": video_poster_url(lesson.video, public=lesson.is_open_to_all),
        "view_count": lesson.view_count,
        "like_count": lesson.like_count,
        "rating_average": lesson.rating_average,
        "published_at": lesson.published_at,
    }


@router.get("/", response=FeedPage, auth=None, summary="微党课列表与搜索（未登录只看公开课）")
def feed(request: HttpRequest, params: Query[FeedQuery]) -> dict[str, Any]:
    feed_name = params.feed if params.feed in FEEDS else "latest"
    qs = lesson_feed(
        request.user, FeedFilters(feed=feed_name, q=params.q, tag=params.tag, series=params.series)
    )
    paginator = Paginator(qs, max(1, min(params.page_size, 50)))
    page = paginator.get_page(params.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_card(lesson) for lesson in page.object_list],
    }


@router.get("/{lesson_id}", response=LessonDetail, auth=None, summary="微党课详情")
def detail(request: HttpRequest, lesson_id: int) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    user: Any = request.user
    progress = progress_of(user, lesson)
    duration = lesson.duration or 0
    authed = user.is_authenticated
    return {
        **_card(lesson),
        "summary": lesson.summary,
        "story": lesson.story,
        "reflection": lesson.reflection,
        "question": lesson.question,
        "state": lesson.state,
        "hls": video_hls_url(lesson.video, public=lesson.is_open_to_all),
        "mp4": video_mp4_url(lesson.video, public=lesson.is_open_to_all),
        "video_status": lesson.video.status if lesson.video else None,
        "liked": authed and Like.objects.filter(user_id=user.pk, lesson=lesson).exists(),
        "my_rating": Rating.objects.filter(user_id=user.pk, lesson=lesson)
        .values_list("score", flat=True)
        .first()
        if authed
        else None,
        "watched_share": round(min(1.0, progress.covered / duration), 4)
        if progress and duration
        else 0.0,
        "completed": bool(progress and progress.completed_at),
        "resume_at": progress.position if progress else 0.0,
    }


class WatchIn(Schema):
    sections: list[tuple[float, float]] = Field(..., max_length=500)
    position: float | None = None


class WatchOut(Schema):
    covered: float
    share: float
    completed: bool
    position: float


class Error(Schema):
    detail: str


@router.post("/{lesson_id}/watch", response={200: WatchOut}, summary="上报已观看的区间")
def watch(request: HttpRequest, lesson_id: int, body: WatchIn) -> dict[str, Any]:
    lesson = watchable_lesson(request.user, lesson_id)
    progress = services.watch_report(
        user=request.user, lesson=lesson, sections=body.sections, position=body.position
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


class RateIn(Schema):
    score: int


class CountsOut(Schema):
    liked: bool
    like_count: int
    my_rating: int | None
    rating_average: float | None
    rating_count: int


def _counts(user: Any, lesson_id: int) -> dict[str, Any]:
    lesson = Lesson.objects.get(pk=lesson_id)
    return {
        "liked": Like.objects.filter(user_id=user.pk, lesson=lesson).exists(),
        "like_count": lesson.like_count,
        "my_rating": Rating.objects.filter(user_id=user.pk, lesson=lesson)
        .values_list("score", flat=True)
        .first(),
        "rating_average": lesson.rating_average,
        "rating_count": lesson.rating_count,
    }


@router.post("/{lesson_id}/like", response=CountsOut, summary="点赞或取消")
def like(request: HttpRequest, lesson_id: int, body: LikeIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.like_set(user=request.user, lesson=lesson, liked=body.liked)
    return _counts(request.user, lesson.pk)


@router.post("/{lesson_id}/rating", response=CountsOut, summary="评分（1–5，可修改）")
def rate(request: HttpRequest, lesson_id: int, body: RateIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.rating_set(user=request.user, lesson=lesson, score=body.score)
    return _counts(request.user, lesson.pk)


class TextIn(Schema):
    text: str
    parent: int | None = None


class CommentOut(Schema):
    id: int
    author: str
    text: str
    status: str
    created_at: datetime.datetime
    replies: list[CommentOut] = []


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


@router.get("/{lesson_id}/comments", response=list[CommentOut], summary="讨论")
def comments(request: HttpRequest, lesson_id: int) -> list[dict[str, Any]]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    return [_comment(c) for c in comments_for(request.user, lesson)[:100]]


@router.post("/{lesson_id}/comments", response=CommentOut, summary="发表评论或回复")
def comment_add(request: HttpRequest, lesson_id: int, body: TextIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    parent = Comment.objects.filter(pk=body.parent, lesson=lesson).first() if body.parent else None
    if body.parent and parent is None:
        raise Refused("找不到要回复的评论")
    saved = services.comment_add(user=request.user, lesson=lesson, text=body.text, parent=parent)
    return _comment(saved, False)


@router.get("/{lesson_id}/reflections", response=list[ReflectionOut], summary="心得体会（本支部）")
def reflections(request: HttpRequest, lesson_id: int) -> list[dict[str, Any]]:
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
    "/{lesson_id}/reflection", response=ReflectionOut, summary="写或修改我的心得（至少 50 字）"
)
def reflection_save(request: HttpRequest, lesson_id: int, body: TextIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    r = services.reflection_save(user=request.user, lesson=lesson, text=body.text)
    return {
        "id": r.pk,
        "author": getattr(request.user, "name", ""),
        "text": r.text,
        "status": r.status,
        "created_at": r.created_at,
    }
