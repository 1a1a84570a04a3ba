"""What earns learning points in lessons (common/points.py): watching a lesson to the
end, a 心得体会 while it is shown, a comment while it stands."""

from __future__ import annotations

from xianfeng.audit.events import Event
from xianfeng.common import points
from xianfeng.moderation.enums import TextStatus


def _completed(event: Event) -> points.Claim | None:
    return points.Claim(
        user_id=event.data["user_id"],
        source_type="lessons.lesson",
        source_id=event.data["lesson_id"],
    )


def _reflection(event: Event) -> points.Claim | None:
    # Shown: earns. Held or rejected after a rewrite or a review: the point goes back.
    status = event.data.get("status")
    if event.name == "reflection.created" and status != TextStatus.VISIBLE:
        return None  # held for review: earns when a reviewer lets it through
    return points.Claim(
        user_id=event.data["user_id"],
        source_type="lessons.lesson",
        source_id=event.data["lesson_id"],
        reverse=status != TextStatus.VISIBLE,
    )


def _comment(event: Event) -> points.Claim | None:
    if event.name == "comment.created" and event.data.get("status") != TextStatus.VISIBLE:
        return None
    return points.Claim(
        user_id=event.data["user_id"],
        source_type="lessons.comment",
        source_id=event.object_id,
        reverse=event.name == "comment.deleted",
    )


def connect() -> None:
    points.register(
        points.Rule(
            code="lesson.completed",
            label="学习微党课",
            events=("lesson.completed",),
            claim=_completed,
            points=2,
            daily_cap=10,
            order=10,
        )
    )
    points.register(
        points.Rule(
            code="lesson.reflection",
            label="撰写心得体会",
            events=("reflection.created", "reflection.updated", "reflection.moderated"),
            claim=_reflection,
            points=3,
            daily_cap=6,
            order=20,
        )
    )
    points.register(
        points.Rule(
            code="lesson.comment",
            label="参与讨论",
            events=("comment.created", "comment.deleted"),
            claim=_comment,
            points=1,
            daily_cap=3,
            order=30,
        )
    )
