"""The records behind lessons' indicators for an org and a month (common/record_lists.py):
who took part in learning, who watched together, what was published."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from xianfeng.common import indicators
from xianfeng.common.indicators import Month
from xianfeng.common.record_lists import Builder, Cell, RecordList, records_view
from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import GroupViewing, Lesson, WatchProgress
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.selectors import get_org_for_user
from xianfeng.people.selectors import roll_in

SOURCES = {"remote.viewing": "远程教育组织收看", "meetings.meeting": "三会一课观看"}


def _lesson(pk: int, title: str) -> Cell:
    return Cell(title, reverse("lessons:detail", args=[pk]))


def participation(org: Any, month: Month) -> RecordList:
    """Every member counted in the subtree, and how (or whether) they took part."""
    roll = roll_in(org, month.first, month.last)
    users = [r.user_id for r in roll]
    start, end = month.bounds()
    watched = set(
        WatchProgress.objects.filter(
            completed_at__gte=start, completed_at__lt=end, user_id__in=users
        ).values_list("user_id", flat=True)
    )
    together = set(
        GroupViewing.objects.filter(
            viewed_on__gte=month.first, viewed_on__lte=month.last, user_id__in=users
        ).values_list("user_id", flat=True)
    )
    away = indicators.credited_members("study", month)
    rows = []
    for r in roll:
        how = [
            label
            for label, did in (
                ("看完微党课", r.user_id in watched),
                ("集体收看", r.user_id in together),
                ("在流入地参加学习", r.member_id in away),
            )
            if did
        ]
        rows.append((r.name, r.org_name, "、".join(how) if how else "未参学"))
    return RecordList("参学情况", ["党员", "支部", "本月参学"], rows)


def together(org: Any, month: Month) -> RecordList:
    roll = {r.user_id: r for r in roll_in(org, month.first, month.last)}
    rows = []
    for user_id, viewed_on, source, lesson_id, title in (
        GroupViewing.objects.filter(
            viewed_on__gte=month.first, viewed_on__lte=month.last, user_id__in=list(roll)
        )
        .order_by("viewed_on", "id")
        .values_list("user_id", "viewed_on", "source", "lesson_id", "lesson__title")
    ):
        member = roll[user_id]
        rows.append(
            (
                f"{viewed_on:%m-%d}",
                member.name,
                member.org_name,
                _lesson(lesson_id, title),
                SOURCES.get(source, source),
            )
        )
    return RecordList("集体收看", ["日期", "党员", "支部", "微党课", "形式"], rows)


def published(org: Any, month: Month) -> RecordList:
    start, end = month.bounds()
    rows: list[Any] = [
        (
            timezone.localtime(at).strftime("%m-%d"),
            _lesson(pk, title),
            speaker or "",
            org_name,
        )
        for pk, title, at, speaker, org_name in Lesson.objects.filter(
            state=LessonState.PUBLISHED,
            published_at__gte=start,
            published_at__lt=end,
            org__path__gte=org.path,
            org__path__lt=org.upper_path,
        )
        .order_by("published_at", "id")
        .values_list("pk", "title", "published_at", "speaker__user__name", "org__name")
    ]
    return RecordList("发布的微党课", ["发布日期", "微党课", "主讲人", "所属组织"], rows)


BUILDERS: dict[str, Builder] = {
    "participation": participation,
    "together": together,
    "published": published,
}

view = records_view(BUILDERS, lambda user, code: get_org_for_user(user, code, RECORD_ROLES))


def url(what: str) -> Any:
    """The records hook of an indicator (common/indicators.Indicator.records)."""

    def records(org: Any, month: Month) -> str:
        return reverse("lessons:records", args=[org.code, str(month), what])

    return records
