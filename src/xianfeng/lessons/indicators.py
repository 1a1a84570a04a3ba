"""What lessons measure for assessment and dashboards (common/indicators.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month, Reading
from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import Lesson, WatchProgress
from xianfeng.people.selectors import member_counts_by_org


def _shares(done: dict[int, int]) -> list[Reading]:
    """A reading for every org with members: `done` of them over all of them."""
    members = member_counts_by_org()
    return [Reading(org, done.get(org, 0), n) for org, n in members.items()]


def participation(month: Month) -> Iterable[Reading]:
    """Members who finished at least one lesson in the month, over the org's members."""
    start, end = month.bounds()
    rows = (
        WatchProgress.objects.filter(
            completed_at__gte=start,
            completed_at__lt=end,
            user__member__isnull=False,
            user__is_active=True,
        )
        .values("user__member__org_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("user__member__org_id", "n")
    )
    return _shares(dict(rows))


def speakers(month: Month) -> Iterable[Reading]:
    """Members who gave a published lesson this year up to the month's end (每人讲一课)."""
    start = Month(month.year, 1).bounds()[0]
    end = month.bounds()[1]
    rows = (
        Lesson.objects.filter(
            state=LessonState.PUBLISHED,
            published_at__gte=start,
            published_at__lt=end,
            speaker__user__is_active=True,
        )
        .values("speaker__org_id")
        .annotate(n=Count("speaker_id", distinct=True))
        .values_list("speaker__org_id", "n")
    )
    return _shares(dict(rows))


def published(month: Month) -> Iterable[Reading]:
    """Lessons published in the month, counted at the org that owns them."""
    start, end = month.bounds()
    rows = (
        Lesson.objects.filter(
            state=LessonState.PUBLISHED, published_at__gte=start, published_at__lt=end
        )
        .values("org_id")
        .annotate(n=Count("id"))
        .values_list("org_id", "n")
    )
    return [Reading(org, n) for org, n in rows]


def register() -> None:
    indicators.register(
        Indicator(
            code="lessons.participation",
            name="参学率",
            unit="%",
            app="lessons",
            group="学习",
            compute=participation,
            ratio=True,
            target=90,
            description="本月看完至少一部微党课的党员 ÷ 党员人数（账号停用的不计）",
        )
    )
    indicators.register(
        Indicator(
            code="lessons.speakers",
            name="讲过微党课的党员占比",
            unit="%",
            app="lessons",
            group="微党课",
            compute=speakers,
            ratio=True,
            description="本年至本月底作为主讲人发布过微党课的党员 ÷ 党员人数",
        )
    )
    indicators.register(
        Indicator(
            code="lessons.published",
            name="发布微党课",
            unit="部",
            app="lessons",
            group="微党课",
            compute=published,
            description="本月发布的微党课，计入所属组织",
        )
    )
