"""What earns learning points in study itself (declared like any other app's rules)."""

from __future__ import annotations

from xianfeng.audit.events import Event
from xianfeng.common import points
from xianfeng.study.enums import QuizKind


def _daily(event: Event) -> points.Claim | None:
    if event.data.get("quiz_kind") != QuizKind.DAILY:
        return None
    return points.Claim(
        user_id=event.data["user_id"], source_type="study.attempt", source_id=event.object_id
    )


def _exam(event: Event) -> points.Claim | None:
    if event.data.get("quiz_kind") != QuizKind.EXAM or not event.data.get("passed"):
        return None
    # Once per exam, whichever attempt passed it.
    return points.Claim(
        user_id=event.data["user_id"],
        source_type="study.quiz",
        source_id=event.data["quiz_id"],
    )


def _check(event: Event) -> points.Claim | None:
    if event.data.get("quiz_kind") != QuizKind.CHECK or not event.data.get("passed"):
        return None
    # Once per lesson's check, whichever attempt passed it.
    return points.Claim(
        user_id=event.data["user_id"],
        source_type="study.quiz",
        source_id=event.data["quiz_id"],
        title=str(event.data.get("title", ""))[:200],
    )


def _article(event: Event) -> points.Claim | None:
    return points.Claim(
        user_id=event.data["user_id"],
        source_type="study.article",
        source_id=event.data["article_id"],
        title=str(event.data.get("title", ""))[:200],
    )


def connect() -> None:
    points.register(
        points.Rule(
            code="study.article",
            label="阅读文章",
            events=("article.read",),
            claim=_article,
            points=1,
            daily_cap=6,
            order=40,
        )
    )
    points.register(
        points.Rule(
            code="study.daily",
            label="每日一练",
            events=("attempt.submitted",),
            claim=_daily,
            points=5,
            daily_cap=5,
            order=50,
        )
    )
    points.register(
        points.Rule(
            code="study.check",
            label="微党课知识检测",
            events=("attempt.submitted",),
            claim=_check,
            points=2,
            daily_cap=6,
            order=55,
        )
    )
    points.register(
        points.Rule(
            code="study.exam",
            label="考试及格",
            events=("attempt.submitted",),
            claim=_exam,
            points=10,
            daily_cap=0,
            order=60,
        )
    )
