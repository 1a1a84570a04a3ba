"""Reading lessons: feeds and search, a lesson, tags, series, showcases, my lessons."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema, Status

from xianfeng.common.apitools import Id, PageNumber, errors
from xianfeng.common.pagination import BoundedPaginator
from xianfeng.common.types import actor_of
from xianfeng.lessons import services
from xianfeng.lessons.api._shared import (
    LessonCard,
    LessonDetail,
    MyLessonOut,
    NamedOut,
    OrgChoiceOut,
    _card,
    _detail,
    router,
)
from xianfeng.lessons.models import Tag
from xianfeng.lessons.rules import LESSON_MANAGE_ROLES
from xianfeng.lessons.selectors import (
    FEEDS,
    FeedFilters,
    creation_orgs,
    get_lesson_for_user,
    lesson_feed,
    lessons_awaiting_publication,
    my_lessons,
    series_for_user,
)
from xianfeng.people.apiauth import PUBLIC_AUTH


class FeedPage(Schema):
    count: int
    count_capped: bool = False
    page: int
    pages: int
    results: list[LessonCard]


class LessonFeedQuery(Schema):
    feed: str = "latest"
    q: str = ""
    tag: str = ""
    series: Id | None = None
    page: PageNumber = 1
    page_size: PageNumber = 20


@router.get(
    "/",
    response=FeedPage,
    auth=PUBLIC_AUTH,
    summary="微党课列表与搜索（未登录只看公开课；带令牌或会话时按本人范围）",
)
def feed(request: HttpRequest, params: Query[LessonFeedQuery]) -> dict[str, Any]:
    feed_name = params.feed if params.feed in FEEDS else "latest"
    qs = lesson_feed(
        request.user, FeedFilters(feed=feed_name, q=params.q, tag=params.tag, series=params.series)
    )
    # Counted up to COUNT_LIMIT (count_capped: there are more), as on the page.
    paginator = BoundedPaginator(qs, max(1, min(params.page_size, 50)))
    page = paginator.get_page(params.page)
    return {
        "count": paginator.count,
        "count_capped": paginator.capped,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_card(lesson) for lesson in page.object_list],
    }


# --- recording a lesson: fixed paths first (before /{int:lesson_id}) ---------------------------


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


@router.get(
    "/{int:lesson_id}",
    response={200: LessonDetail, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="微党课详情（带令牌或会话时按本人范围）",
)
def detail(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    return _detail(request, get_lesson_for_user(request.user, lesson_id))
