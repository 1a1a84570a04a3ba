from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine


class SpeakerCategory(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    MODEL = "model", _("先进典型")
    VETERAN = "veteran", _("“五老”")
    EXPERT = "expert", _("专业人士")
    MEMBER = "member", _("普通党员")


class RequestState(models.TextChoices):
    OPEN = "open", _("征集中")
    TAKEN = "taken", _("已认领")
    GIVEN = "given", _("已开讲")
    CLOSED = "closed", _("已关闭")


REQUEST_TRANSITIONS: dict[str, set[str]] = {
    RequestState.OPEN: {RequestState.TAKEN, RequestState.CLOSED},
    # The taker may give the request back (it is open again) or give the lesson.
    RequestState.TAKEN: {RequestState.GIVEN, RequestState.OPEN, RequestState.CLOSED},
    RequestState.GIVEN: set(),
    RequestState.CLOSED: {RequestState.OPEN},
}
# Events: lesson_request.taken, lesson_request.given, lesson_request.open,
# lesson_request.closed.
REQUEST_MACHINE = StateMachine(
    name="lesson_request", label="点课", states=RequestState, transitions=REQUEST_TRANSITIONS
)


class LectureKind(models.TextChoices):
    LESSON = "lesson", _("微党课")
    MEETING = "meeting", _("党课")
    TOUR = "tour", _("巡讲")


class SlotStatus(models.TextChoices):
    """Derived from a rota slot's dates and its fulfilment; never stored."""

    UPCOMING = "upcoming", _("待讲")
    DONE = "done", _("已讲")
    LATE = "late", _("逾期补讲")
    MISSED = "missed", _("未讲")


# How long before a rota slot starts its speaker is reminded.
ROTA_REMIND_DAYS = 7
TOPIC_MAX_CHARS = 60
REASON_MAX_CHARS = 300


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
