"""How the lessons app plugs into the others: media uploads, moderation, the home page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xianfeng.common import demo, home, nav
from xianfeng.common.home import Panel
from xianfeng.lessons import demo as lessons_demo
from xianfeng.lessons import earning
from xianfeng.lessons import indicators as lessons_indicators
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice import wiring as practice_wiring
from xianfeng.lessons.rules import can_edit_lesson, can_record_lessons
from xianfeng.lessons.selectors import FeedFilters, lesson_feed, lessons_awaiting_publication
from xianfeng.lessons.services import lesson_video_ready, moderation_decided
from xianfeng.media import targets
from xianfeng.media.enums import VideoStatus
from xianfeng.moderation import handlers


def _may_upload(user: Any, target_id: str) -> bool:

    lesson = (
        Lesson.objects.select_related("org").filter(pk=target_id).first()
        if target_id.isdigit()
        else None
    )
    return lesson is not None and can_edit_lesson(user, lesson)


def _attach(video: Any, target_id: str) -> None:

    Lesson.objects.filter(pk=target_id).update(video=video, duration=0)


def _on_status(video: Any) -> None:

    if video.status == VideoStatus.READY and video.target_id.isdigit():
        lesson_video_ready(int(video.target_id), video.duration)


def home_panels(request: HttpRequest) -> list[Any]:

    user: Any = request.user
    if not user.is_authenticated:
        return []
    panels = [
        Panel(
            "lessons/panel_feed.html",
            {
                "lessons": list(lesson_feed(user, FeedFilters())[:5]),
                "can_record": can_record_lessons(user),
            },
            order=5,
        )
    ]
    waiting = lessons_awaiting_publication(user).count()
    if waiting:
        panels.append(Panel("lessons/panel_publish.html", {"waiting": waiting}, order=12))
    return panels


def connect() -> None:

    lessons_indicators.register()
    earning.connect()
    targets.register(
        "lesson", targets.UploadTarget(may_upload=_may_upload, attach=_attach, on_status=_on_status)
    )

    def decided_for(kind: str) -> handlers.Handler:
        def decided(object_id: str, approved: bool) -> None:
            moderation_decided(kind, object_id, approved)

        return decided

    for kind, label in (
        ("lesson.lesson", "微党课文字"),
        ("lesson.reflection", "心得体会"),
        ("lesson.comment", "评论"),
    ):
        handlers.register(kind, decided_for(kind), label=label)
    home.register(home_panels)
    nav.register(nav.Entry("lessons:feed", "微党课", order=10))

    demo.register("lessons", lessons_demo.seed, order=20)
    practice_wiring.connect()
