"""Reads of 一日学习计划: the plans that reach a person, the day's item (an article, a
micro lesson or an audio lesson), streaks and the weekly summary, the group's 小结, and for
the organiser who checked in today."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse

from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import lessons_reaching_org, progress_of, published_lessons_for
from xianfeng.moderation.enums import TextStatus
from xianfeng.orgs import paths
from xianfeng.orgs.models import subtree_q
from xianfeng.orgs.selectors import scope_q
from xianfeng.people.models import Member
from xianfeng.people.selectors import member_of
from xianfeng.study.enums import ArticleState
from xianfeng.study.models import (
    Article,
    ArticleRead,
    CheckIn,
    PlanDay,
    StudyPlan,
    WeeklyNote,
)
from xianfeng.study.rules import STUDY_MANAGE_ROLES


def member_org_ids(member: Member) -> list[int]:
    ids = set(paths.ids_in(member.org.path))
    group = getattr(member, "group", None)
    if group is not None:
        ids |= set(paths.ids_in(group.path))
    return sorted(ids)


def plans_for(user: Any) -> QuerySet[StudyPlan]:
    """Active plans of the person's branch, party group and the orgs above them."""
    member = member_of(user)
    if member is None:
        return StudyPlan.objects.none()
    return (
        StudyPlan.objects.filter(org_id__in=member_org_ids(member), is_active=True)
        .select_related("org", "series", "lesson_series")
        .order_by("-starts_on", "-id")
    )


def plans_managed_by(user: Any) -> QuerySet[StudyPlan]:
    if not getattr(user, "is_authenticated", False):
        return StudyPlan.objects.none()
    return StudyPlan.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))


def get_plan_for_user(user: Any, pk: int) -> StudyPlan:
    plan = plans_for(user).filter(pk=pk).first()
    if plan is None:
        plan = (
            plans_managed_by(user)
            .select_related("org", "series", "lesson_series")
            .filter(pk=pk)
            .first()
        )
    if plan is None:
        raise Http404("找不到这个学习计划")
    return plan


def plan_members(plan: StudyPlan) -> QuerySet[Member]:
    """Members the plan is for: of its org's subtree, or of a party group inside it."""
    return Member.objects.filter(
        (
            subtree_q([plan.org.path], field="org__path")
            | subtree_q([plan.org.path], field="group__path")
        ),
        user__is_active=True,
    )


def is_in_plan(user: Any, plan: StudyPlan) -> bool:
    member = member_of(user)
    return member is not None and plan.org_id in member_org_ids(member)


ITEM_LABELS = {"article": "文章", "lesson": "微党课", "audio": "音频"}


@dataclass(frozen=True)
class PlanItem:
    """The day's item of a plan: an article to read, or a lesson to watch or hear."""

    kind: str  # "article", "lesson" or "audio" (a lesson with sound only)
    article: Article | None = None
    lesson: Lesson | None = None

    @property
    def pk(self) -> int:
        obj = self.article or self.lesson
        assert obj is not None
        return obj.pk

    @property
    def title(self) -> str:
        obj = self.article or self.lesson
        return obj.title if obj is not None else ""

    @property
    def label(self) -> str:
        return ITEM_LABELS[self.kind]

    @property
    def url(self) -> str:
        if self.article is not None:
            return reverse("study:article", args=[self.article.pk])
        return reverse("lessons:detail", args=[self.pk])

    def is_lesson(self, lesson_id: int) -> bool:
        return self.lesson is not None and self.lesson.pk == lesson_id

    def is_article(self, article_id: int) -> bool:
        return self.article is not None and self.article.pk == article_id


def _lesson_item(lesson: Lesson) -> PlanItem:
    video = lesson.video if lesson.video_id else None
    audio = video is not None and video.is_audio_only
    return PlanItem(kind="audio" if audio else "lesson", lesson=lesson)


def _live_articles() -> QuerySet[Article]:
    return Article.objects.filter(state=ArticleState.PUBLISHED, text_status=TextStatus.VISIBLE)


def item_for(plan: StudyPlan, day: datetime.date, user: Any = None) -> PlanItem | None:
    """The day's item: the organiser's choice for the day, else the next one of the series
    in turn (day 1 the first, day n+1 the one after the n-th, round and round). Only what
    is still published for the plan's org is offered; with `user`, a lesson only when the
    person may watch it (the lessons app's own visibility decides), else nothing."""
    if day < plan.starts_on:
        return None
    item: PlanItem | None = None
    chosen = PlanDay.objects.filter(plan=plan, day=day).first()
    if chosen is not None and chosen.article_id is not None:
        article = _live_articles().filter(pk=chosen.article_id).first()
        item = PlanItem(kind="article", article=article) if article is not None else None
    elif chosen is not None and chosen.lesson_id is not None:
        lesson = (
            lessons_reaching_org(plan.org)
            .select_related("video")
            .filter(pk=chosen.lesson_id)
            .first()
        )
        item = _lesson_item(lesson) if lesson is not None else None
    elif plan.series_id is not None:
        live = _live_articles().filter(
            series_id=plan.series_id, org_id__in=paths.ids_in(plan.org.path)
        )
        article = _in_turn(live, plan, day)
        item = PlanItem(kind="article", article=article) if article is not None else None
    elif plan.lesson_series_id is not None:
        lessons = lessons_reaching_org(plan.org).filter(series_id=plan.lesson_series_id)
        lesson = _in_turn(lessons.select_related("video"), plan, day)
        item = _lesson_item(lesson) if lesson is not None else None
    if (
        item is not None
        and item.lesson is not None
        and user is not None
        and not published_lessons_for(user).filter(pk=item.lesson.pk).exists()
    ):
        return None  # not for this person's eyes: never offered
    return item


def finished_seconds(user: Any, item: PlanItem) -> float | None:
    """How long the person spent on the item if they finished it (read to the end, or
    watched or heard to completion as the lessons app measures it), else None."""
    if item.article is not None:
        read = ArticleRead.objects.filter(
            user_id=user.pk, article=item.article, completed_at__isnull=False
        ).first()
        return float(read.seconds) if read is not None else None
    assert item.lesson is not None
    progress = progress_of(user, item.lesson)
    if progress is None or progress.completed_at is None:
        return None
    return float(progress.covered)


def _in_turn(qs: QuerySet[Any], plan: StudyPlan, day: datetime.date) -> Any:
    count = qs.count()
    if not count:
        return None
    return qs.order_by("published_at", "id")[(day - plan.starts_on).days % count]


def streak(days: set[datetime.date], today: datetime.date) -> int:
    """Consecutive days checked in, ending today (or yesterday, while today is still open)."""
    day = today if today in days else today - datetime.timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= datetime.timedelta(days=1)
    return count


def checkin_days(user: Any, plan: StudyPlan, since: datetime.date) -> set[datetime.date]:
    return set(
        CheckIn.objects.filter(plan=plan, user_id=user.pk, day__gte=since).values_list(
            "day", flat=True
        )
    )


def week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekSummary:
    week: datetime.date
    days: int
    minutes: int
    items: list[tuple[datetime.date, str, str]]  # (day, 文章/微党课/音频, title)


def _checkin_item(c: CheckIn) -> tuple[str, str]:
    if c.lesson is not None:
        return _lesson_item(c.lesson).label, c.lesson.title
    if c.article is not None:
        return ITEM_LABELS["article"], c.article.title
    return "", ""


def week_summary(user: Any, plan: StudyPlan, week: datetime.date) -> WeekSummary:
    """What the person studied in the week (Monday `week` to Sunday): days, minutes, items
    of every kind."""
    rows = CheckIn.objects.filter(
        plan=plan, user_id=user.pk, day__gte=week, day__lt=week + datetime.timedelta(days=7)
    )
    items = [
        (c.day, *_checkin_item(c))
        for c in rows.select_related("article", "lesson__video").order_by("day")
    ]
    minutes = rows.aggregate(m=Sum("minutes"))["m"] or 0
    return WeekSummary(week=week, days=len(items), minutes=minutes, items=items)


def group_notes(plan: StudyPlan, week: datetime.date, user: Any) -> list[WeeklyNote]:
    """The week's 小结 of the plan's members: visible ones, and the person's own whatever
    its review status."""
    return list(
        WeeklyNote.objects.filter(plan=plan, week=week)
        .filter(Q(status=TextStatus.VISIBLE) | Q(user_id=user.pk))
        .select_related("user")
        .order_by("-updated_at")[:100]
    )


def today_board(plan: StudyPlan, day: datetime.date) -> tuple[int, int]:
    """(checked in today, members of the plan)."""
    done = CheckIn.objects.filter(plan=plan, day=day).values("user_id").distinct().count()
    return done, plan_members(plan).count()
