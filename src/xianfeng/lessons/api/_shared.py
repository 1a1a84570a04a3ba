"""What the lessons API shares: the router, the lesson schemas and how a lesson is shown."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Schema

from xianfeng.common.apitools import ApiRouter, Id
from xianfeng.common.errors import Refused
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson, Tag
from xianfeng.lessons.rules import can_edit_lesson
from xianfeng.lessons.selectors import (
    get_lesson_for_user,
    series_for_org,
    viewer_state_of,
)
from xianfeng.media.selectors import video_hls_url, video_mp4_url, video_poster_url

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
