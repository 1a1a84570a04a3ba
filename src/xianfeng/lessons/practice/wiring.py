"""How the practice plugs in: the record of lectures listens for lessons published and
党课 approved; rota reminders run periodically; its notification kinds."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.common import demo, home, periodic
from xianfeng.common.home import Panel
from xianfeng.lessons.practice import demo as practice_demo
from xianfeng.lessons.practice.enums import LectureKind, RequestState
from xianfeng.lessons.practice.rules import PRACTICE_ROLES
from xianfeng.lessons.practice.selectors import my_slots, requests_visible_to
from xianfeng.lessons.practice.services import (
    lecture_from_lesson,
    lecture_record,
    lecture_withdraw,
)
from xianfeng.lessons.practice.tasks import release_showcase_issues, send_rota_reminders
from xianfeng.moderation import handlers
from xianfeng.notify import kinds
from xianfeng.orgs.rules import holds_any
from xianfeng.people.models import Member
from xianfeng.people.selectors import member_of

# The meetings app's value for a 党课 (meetings sits above lessons; its name is data here).
LECTURE_MEETING_KIND = "lecture"


def on_lesson_published(event: events.Event) -> None:
    lecture_from_lesson(int(event.object_id))


def on_lesson_withdrawn(event: events.Event) -> None:
    lecture_withdraw(kind=LectureKind.LESSON, source_id=int(event.object_id))


def on_meeting_approved(event: events.Event) -> None:
    data = event.data
    speaker_id = data.get("speaker_id")
    if data.get("kind") != LECTURE_MEETING_KIND or not speaker_id:
        return
    member = Member.objects.filter(user_id=speaker_id).only("pk").first()
    if member is None:
        return  # an invited speaker from outside the registry
    starts_at = datetime.datetime.fromisoformat(str(data["starts_at"]))
    lecture_record(
        member_id=member.pk,
        kind=LectureKind.MEETING,
        source_id=int(event.object_id),
        title=str(data.get("topic") or "党课"),
        given_on=timezone.localdate(starts_at),
        org_id=data.get("org_id"),
    )


def _feedback_decided(object_id: str, approved: bool) -> None:
    from xianfeng.lessons.practice.tours import tour_feedback_decided

    tour_feedback_decided(object_id, approved)


def connect() -> None:
    events.subscribe(
        "lesson.published", name="lessons.lecture_of_lesson", handler=on_lesson_published
    )
    events.subscribe("lesson.draft", name="lessons.lecture_withdrawn", handler=on_lesson_withdrawn)
    events.subscribe(
        "meeting.approved", name="lessons.lecture_of_meeting", handler=on_meeting_approved
    )
    periodic.register("lessons.rota_remind", send_rota_reminders, hours=6)
    kinds.register("lessons.request", label="点课进展", app="lessons")
    kinds.register("lessons.rota", label="轮番主讲提醒", app="lessons")
    periodic.register("lessons.showcase_release", release_showcase_issues, minutes=10)
    kinds.register("lessons.showcase", label="展播上新", app="lessons")
    home.register(home_panels)
    handlers.register("lesson.tour_feedback", _feedback_decided, label="巡讲反馈")
    demo.register("lessons.practice", practice_demo.seed, order=50)


def home_panels(request: HttpRequest) -> list[Panel]:
    """讲课: the person's next rota turn, open 点课 around them, links."""
    user: Any = request.user
    if not user.is_authenticated:
        return []
    officer = holds_any(user, PRACTICE_ROLES)
    if member_of(user) is None and not officer:
        return []
    today = timezone.localdate()
    next_turn = my_slots(user).filter(lecture__isnull=True, ends_on__gte=today).first()
    open_requests = requests_visible_to(user).filter(state=RequestState.OPEN).count()
    return [
        Panel(
            "lessons/practice/panel.html",
            {"next_turn": next_turn, "open_requests": open_requests, "officer": officer},
            order=14,
        )
    ]
