"""What lessons measure for assessment and dashboards (common/indicators.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from xianfeng.common import indicators
from xianfeng.common.indicators import Counter, Indicator, Month, Reading
from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import GroupViewing, Lesson, WatchProgress
from xianfeng.lessons.record_lists import url as records_url
from xianfeng.people.selectors import member_counts_in, member_orgs_in


def _shares(month: Month, done: Iterable[int]) -> list[Reading]:
    """A reading for every org with members in the month: of the members who counted there
    (people.selectors.member_orgs_in: the branch they belonged to in that month, so a later
    transfer does not rewrite it), those among `done` (member ids, each once)."""
    orgs = member_orgs_in(month.first, month.last)
    took_part = member_counts_in({m: orgs[m] for m in set(done) if m in orgs})
    return [Reading(org, took_part.get(org, 0), n) for org, n in member_counts_in(orgs).items()]


def _together(month: Month) -> Iterable[int]:
    """Members who watched a lesson together (集体收看: a remote-education viewing or a
    meeting that showed it) on a day of the month."""
    return GroupViewing.objects.filter(
        viewed_on__gte=month.first, viewed_on__lte=month.last, user__member__isnull=False
    ).values_list("user__member__id", flat=True)


def participation(month: Month) -> Iterable[Reading]:
    """Members who finished at least one lesson in the month, watched one together with
    others (集体收看, as the lesson's 参学率 page counts it), or whose study elsewhere was
    recorded for it (a 流动党员's study at the place they work: credited to their home
    branch), over the members; a member who did more than one counts once."""
    start, end = month.bounds()
    watched = WatchProgress.objects.filter(
        completed_at__gte=start, completed_at__lt=end, user__member__isnull=False
    ).values_list("user__member__id", flat=True)
    return _shares(
        month, [*watched, *_together(month), *indicators.credited_members("study", month)]
    )


def together(month: Month) -> Iterable[Reading]:
    """Members who took part in at least one 集体收看 in the month, over the members."""
    return _shares(month, _together(month))


def speakers(month: Month) -> Iterable[Reading]:
    """Members who gave a published lesson this year up to the month's end (每人讲一课),
    counted at the branch they belonged to in the month."""
    start = Month(month.year, 1).bounds()[0]
    end = month.bounds()[1]
    gave = Lesson.objects.filter(
        state=LessonState.PUBLISHED,
        published_at__gte=start,
        published_at__lt=end,
        speaker__isnull=False,
    ).values_list("speaker_id", flat=True)
    return _shares(month, gave)


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


def coverage_page(org: Any, month: Month) -> str:
    """每人讲一课 for the org's subtree and year: who spoke, branches with no lesson."""
    return f"{reverse('lessons:coverage')}?org={org.code}&year={month.year}"


# A player reports every few seconds while playing (lessons/static/…/player.js); a report
# in the last two minutes means someone is watching now.
WATCHING_WINDOW = datetime.timedelta(minutes=2)


def watching_now(org: Any) -> int:
    """People whose member record is in the subtree and whose player reported lately."""
    since = timezone.now() - WATCHING_WINDOW
    return (
        WatchProgress.objects.filter(
            last_report_at__gte=since,
            user__member__org__path__gte=org.path,
            user__member__org__path__lt=org.upper_path,
        )
        .values("user_id")
        .distinct()
        .count()
    )


def published_this_month(org: Any) -> int:
    start, end = Month.of(timezone.localdate()).bounds()
    return Lesson.objects.filter(
        state=LessonState.PUBLISHED,
        published_at__gte=start,
        published_at__lt=end,
        org__path__gte=org.path,
        org__path__lt=org.upper_path,
    ).count()


def register() -> None:
    indicators.register(
        Indicator(
            code="lessons.participation",
            name="参学率",
            unit="%",
            app="lessons",
            group="学习",
            compute=participation,
            records=records_url("participation"),
            ratio=True,
            target=90,
            description="本月看完至少一部微党课、参加过集体收看、或在流入地参加学习（流动党员，"
            "计入所在支部）的党员 ÷ 当月在册党员人数（按当月所在支部，账号停用的不计；"
            "同一人只计一次）",
        )
    )
    indicators.register(
        Indicator(
            code="lessons.together",
            name="集体收看参与率",
            unit="%",
            app="lessons",
            group="学习",
            compute=together,
            records=records_url("together"),
            ratio=True,
            description="本月参加过至少一次集体收看（远程教育站点组织收看，或三会一课上观看微党课）"
            "的党员 ÷ 当月在册党员人数（按当月所在支部）",
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
            records=coverage_page,
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
            records=records_url("published"),
            description="本月发布的微党课，计入所属组织",
        )
    )
    indicators.register_counter(
        Counter(
            code="lessons.watching",
            name="正在观看",
            unit="人",
            app="lessons",
            count=watching_now,
            description="两分钟内播放器上报过观看进度的党员",
        )
    )
    indicators.register_counter(
        Counter(
            code="lessons.published_month",
            name="本月发布微党课",
            unit="部",
            app="lessons",
            count=published_this_month,
            description="本月发布、属于本组织及下级的微党课",
        )
    )
