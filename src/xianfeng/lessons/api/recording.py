"""Recording a lesson: creating, editing, its video, submitting, publishing, archiving."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Schema, Status

from xianfeng.common.apitools import Id, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.lessons import services
from xianfeng.lessons.api._shared import (
    LessonCreateIn,
    LessonDetail,
    LessonIn,
    VideoOut,
    _detail,
    _editable,
    _lesson_data,
    _video,
    _with_card,
    router,
)
from xianfeng.lessons.selectors import (
    creation_orgs,
    get_lesson_for_user,
    publish_audiences,
)
from xianfeng.orgs.models import Org
from xianfeng.people.selectors import member_of


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


class PublishIn(Schema):
    audience: str = Field("", max_length=32, description="发布范围（组织代码）；空：本组织")
    public: bool = False


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
