"""Lessons for mobile clients: feeds, a lesson, recording one (create, upload through tus,
submit, publish), watching, 议 and 评 — what the pages do, with a token."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Schema, Status

from xianfeng.common.apitools import ApiRouter, FiniteFloat, Id, PageNumber, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.lessons import services
from xianfeng.lessons.models import Comment, Lesson, Tag
from xianfeng.lessons.rules import LESSON_MANAGE_ROLES, can_edit_lesson
from xianfeng.lessons.selectors import (
    FEEDS,
    FeedFilters,
    comments_for,
    creation_orgs,
    get_lesson_for_user,
    lesson_feed,
    lesson_viewer_state,
    lessons_awaiting_publication,
    my_lessons,
    publish_audiences,
    reflections_for,
    series_for_org,
    series_for_user,
    viewer_state_of,
    watchable_lesson,
)
from xianfeng.media.selectors import video_hls_url, video_mp4_url, video_poster_url
from xianfeng.orgs.models import Org
from xianfeng.people.apiauth import PUBLIC_AUTH
from xianfeng.people.selectors import member_of

router = ApiRouter(tags=["微党课"])


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


class UploadOut(Schema):
    """Where and how to send the lesson's video: a tus 1.0 upload to `endpoint` with
    these Upload-Metadata pairs (plus filename and filetype), the same token as a bearer."""

    endpoint: str
    metadata: dict[str, str]


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
    can_edit: bool
    upload: UploadOut | None


class FeedPage(Schema):
    count: int
    page: int
    pages: int
    results: list[LessonCard]


class FeedQuery(Schema):
    feed: str = "latest"
    q: str = ""
    tag: str = ""
    series: Id | None = None
    page: PageNumber = 1
    page_size: PageNumber = 20


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


@router.get(
    "/",
    response=FeedPage,
    auth=PUBLIC_AUTH,
    summary="微党课列表与搜索（未登录只看公开课；带令牌或会话时按本人范围）",
)
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


# --- recording a lesson: fixed paths first (before /{int:lesson_id}) ---------------------------


class NamedOut(Schema):
    id: int
    name: str


class OrgChoiceOut(Schema):
    code: str
    name: str


class MyLessonOut(LessonCard):
    state: str
    video_status: str | None


class LessonIn(Schema):
    """The editable text of a lesson; `speaker_name` empty: the author speaks."""

    title: str = Field(..., max_length=80)
    speaker_name: str = Field("", max_length=50)
    summary: str = Field("", max_length=200)
    story: str = Field("", max_length=5000)
    reflection: str = Field("", max_length=5000)
    question: str = Field("", max_length=2000)
    tag_ids: list[Id] = Field([], max_length=50)
    series_id: Id | None = None


class LessonCreateIn(LessonIn):
    org: str = Field(
        "", max_length=32, description="组织代码；空：本人所在支部（或第一个可管理的组织）"
    )


def _lesson_data(body: LessonIn, org: Any, speaker: Any) -> services.LessonData:
    series = None
    if body.series_id is not None:
        series = series_for_org(org).filter(pk=body.series_id).first()
        if series is None:
            raise Refused("找不到该专题", field="series_id")
    name = body.speaker_name.strip()
    return services.LessonData(
        title=body.title,
        summary=body.summary,
        story=body.story,
        reflection=body.reflection,
        question=body.question,
        speaker=None if name else speaker,
        speaker_name=name,
        tag_ids=list(Tag.objects.filter(pk__in=body.tag_ids).values_list("pk", flat=True)),
        series=series,
    )


def _upload(lesson: Lesson) -> dict[str, Any]:
    return {
        "endpoint": reverse("media:uploads"),
        "metadata": {"target_kind": "lesson", "target_id": str(lesson.pk)},
    }


def _with_card(lesson: Lesson) -> Lesson:
    return Lesson.objects.select_related("org", "video").prefetch_related("tags").get(pk=lesson.pk)


@router.get("/tags", response=list[NamedOut], summary="主题标签")
def tags(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"id": t.pk, "name": t.name} for t in Tag.objects.all()]


@router.get("/series", response=list[NamedOut], summary="我能看到的专题")
def series(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"id": x.pk, "name": x.title} for x in series_for_user(request.user)[:200]]


class SeriesIn(Schema):
    org: str = Field(..., max_length=32, description="主办组织代码（本人管理的组织）")
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=5000)


@router.post(
    "/series",
    response={201: NamedOut, **errors(400, 403, 404)},
    summary="新建专题（书记、宣传委员或组织管理员）",
)
def series_add(request: HttpRequest, body: SeriesIn) -> Status[dict[str, Any]]:
    from xianfeng.orgs.selectors import orgs_managed_by

    org = orgs_managed_by(request.user, LESSON_MANAGE_ROLES).filter(code=body.org).first()
    if org is None:
        raise Http404("找不到该组织")
    created = services.series_create(
        actor=actor_of(request), org=org, title=body.title, description=body.description
    )
    return Status(201, {"id": created.pk, "name": created.title})


class ShowcaseOut(Schema):
    id: int
    title: str
    org: str
    lessons: list[LessonCard]


@router.get(
    "/showcases/{int:showcase_id}",
    response={200: ShowcaseOut, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="展播：按顺序的微党课（仅本人可看的）",
)
def showcase(request: HttpRequest, showcase_id: Id) -> dict[str, Any]:
    from xianfeng.lessons.selectors import showcase_lessons

    show, lessons = showcase_lessons(request.user, showcase_id)
    return {
        "id": show.pk,
        "title": show.title,
        "org": show.org.name,
        "lessons": [_card(x) for x in lessons],
    }


@router.get("/orgs", response=list[OrgChoiceOut], summary="我可以为之录制微党课的组织")
def orgs(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"code": o.code, "name": o.name} for o in creation_orgs(request.user)]


@router.get("/mine", response=list[MyLessonOut], summary="我的微党课（含草稿与处理状态）")
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {**_card(x), "state": x.state, "video_status": x.video.status if x.video else None}
        for x in my_lessons(request.user).prefetch_related("tags")[:100]
    ]


@router.get("/awaiting", response=list[MyLessonOut], summary="等待我发布的微党课")
def awaiting(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {**_card(x), "state": x.state, "video_status": x.video.status if x.video else None}
        for x in lessons_awaiting_publication(request.user).prefetch_related("tags")[:100]
    ]


@router.post(
    "/",
    response={201: LessonDetail, **errors(400, 403, 404)},
    summary="新建微党课草稿（之后用 tus 上传视频，见 upload）",
)
def create(request: HttpRequest, body: LessonCreateIn) -> Status[dict[str, Any]]:
    choices = creation_orgs(request.user)
    if not choices:
        raise PermissionDenied("只有党员或党组织管理者可以录制微党课")
    org: Org | None = choices[0]
    if body.org:
        org = next((o for o in choices if o.code == body.org), None)
    if org is None:
        raise Http404("找不到该组织")
    lesson = services.lesson_create(
        actor=actor_of(request), org=org, data=_lesson_data(body, org, member_of(request.user))
    )
    return Status(201, _detail(request, get_lesson_for_user(request.user, lesson.pk)))


def _editable(request: HttpRequest, lesson_id: int) -> Lesson:
    lesson = get_lesson_for_user(request.user, lesson_id)
    if not can_edit_lesson(request.user, lesson):
        raise Http404("找不到该微党课")
    return lesson


class VideoOut(Schema):
    status: str | None
    status_label: str | None
    progress: int
    failure_reason: str
    duration: float


def _video(lesson: Lesson) -> dict[str, Any]:
    v = lesson.video
    if v is None:
        return {
            "status": None,
            "status_label": None,
            "progress": 0,
            "failure_reason": "",
            "duration": 0.0,
        }
    return {
        "status": v.status,
        "status_label": v.get_status_display(),
        "progress": v.progress,
        "failure_reason": v.failure_reason,
        "duration": v.duration or 0.0,
    }


class PublishIn(Schema):
    audience: str = Field("", max_length=32, description="发布范围（组织代码）；空：本组织")
    public: bool = False


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
)
def watch(request: HttpRequest, lesson_id: Id, body: WatchIn) -> dict[str, Any]:
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
def rate(request: HttpRequest, lesson_id: Id, body: RateIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.rating_set(user=request.user, lesson=lesson, score=body.score)
    return _counts(request.user, lesson.pk)


class TextIn(Schema):
    text: str = Field(..., max_length=5000)
    parent: Id | None = None


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


@router.get(
    "/{int:lesson_id}/comments", response={200: list[CommentOut], **errors(404)}, summary="讨论"
)
def comments(request: HttpRequest, lesson_id: Id) -> list[dict[str, Any]]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    return [_comment(c) for c in comments_for(request.user, lesson)[:100]]


@router.post(
    "/{int:lesson_id}/comments",
    response={200: CommentOut, **errors(400, 403, 404)},
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


@router.put(
    "/{int:lesson_id}", response={200: LessonDetail, **errors(400, 403, 404)}, summary="修改微党课"
)
def update(request: HttpRequest, lesson_id: Id, body: LessonIn) -> dict[str, Any]:
    lesson = _editable(request, lesson_id)
    services.lesson_update(
        actor=actor_of(request), lesson=lesson, data=_lesson_data(body, lesson.org, lesson.speaker)
    )
    return _detail(request, get_lesson_for_user(request.user, lesson.pk))


@router.get(
    "/{int:lesson_id}/video",
    response={200: VideoOut, **errors(404)},
    summary="视频处理状态（可轮询）",
)
def video(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    return _video(_editable(request, lesson_id))


@router.post(
    "/{int:lesson_id}/video/retry",
    response={200: VideoOut, **errors(400, 403, 404)},
    summary="重试处理失败的视频",
)
def video_retry(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    from xianfeng.media.services import video_retry as retry

    lesson = _editable(request, lesson_id)
    if lesson.video is None:
        raise Http404("没有视频")
    retry(video=lesson.video, actor=actor_of(request))
    return _video(_with_card(lesson))


@router.post(
    "/{int:lesson_id}/submit",
    response={200: LessonDetail, **errors(400, 403, 404)},
    summary="提交给支部发布",
)
def submit(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.lesson_submit(actor=actor_of(request), lesson=lesson)
    return _detail(request, get_lesson_for_user(request.user, lesson.pk))


@router.post(
    "/{int:lesson_id}/withdraw",
    response={200: LessonDetail, **errors(400, 403, 404)},
    summary="撤回为草稿",
)
def withdraw(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.lesson_withdraw(actor=actor_of(request), lesson=lesson)
    return _detail(request, get_lesson_for_user(request.user, lesson.pk))


@router.post(
    "/{int:lesson_id}/publish",
    response={200: LessonDetail, **errors(400, 403, 404)},
    summary="发布（书记、宣传委员或组织管理员）",
)
def publish(request: HttpRequest, lesson_id: Id, body: PublishIn) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    audience = None
    if body.audience:
        audience = publish_audiences(request.user, lesson).filter(code=body.audience).first()
        if audience is None:
            raise Refused("您不能向该范围发布", field="audience")
    services.lesson_publish(
        actor=actor_of(request), lesson=lesson, audience=audience, public=body.public
    )
    return _detail(request, get_lesson_for_user(request.user, lesson.pk))


@router.post(
    "/{int:lesson_id}/archive",
    response={200: LessonDetail, **errors(400, 403, 404)},
    summary="归档（管理者）",
)
def archive(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    lesson = get_lesson_for_user(request.user, lesson_id)
    services.lesson_archive(actor=actor_of(request), lesson=lesson)
    return _detail(request, get_lesson_for_user(request.user, lesson.pk))


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


@router.get(
    "/{int:lesson_id}",
    response={200: LessonDetail, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="微党课详情（带令牌或会话时按本人范围）",
)
def detail(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    return _detail(request, get_lesson_for_user(request.user, lesson_id))


def _detail(request: HttpRequest, lesson: Lesson) -> dict[str, Any]:
    user: Any = request.user
    state = viewer_state_of(lesson)
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
        "liked": state.liked,
        "my_rating": state.my_rating,
        "watched_share": state.share(lesson.duration or 0),
        "completed": state.completed_at is not None,
        "resume_at": state.position,
        "can_edit": authed and can_edit_lesson(user, lesson),
        "upload": _upload(lesson) if authed and can_edit_lesson(user, lesson) else None,
    }
