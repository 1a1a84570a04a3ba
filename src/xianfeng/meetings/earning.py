"""What earns learning points in meetings (common/points.py): signing in to a meeting."""

from __future__ import annotations

from xianfeng.audit.events import Event
from xianfeng.common import points


def _checked_in(event: Event) -> points.Claim | None:
    return points.Claim(
        user_id=event.data["user_id"],
        source_type="meetings.meeting",
        source_id=event.object_id,
    )


def connect() -> None:
    points.register(
        points.Rule(
            code="meeting.attended",
            label="参加组织生活",
            events=("meeting.checked_in",),
            claim=_checked_in,
            points=5,
            daily_cap=0,
            order=40,
        )
    )
