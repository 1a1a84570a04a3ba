"""Reads of 一日学习计划: the plans that reach a person, the day's item, streaks and the
weekly summary, the group's 小结, and for the organiser who checked in today."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from xianfeng.moderation.enums import TextStatus
from xianfeng.orgs import paths
from xianfeng.orgs.models import subtree_q
from xianfeng.orgs.selectors import scope_q
from xianfeng.people.models import Member
from xianfeng.people.selectors import member_of
from xianfeng.study.enums import ArticleState
from xianfeng.study.models import Article, CheckIn, PlanDay, StudyPlan, WeeklyNote
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
        .select_related("org", "series")
        .order_by("-starts_on", "-id")
    )


def plans_managed_by(user: Any) -> QuerySet[StudyPlan]:
    if not getattr(user, "is_authenticated", False):
        return StudyPlan.objects.none()
    return StudyPlan.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))


def get_plan_for_user(user: Any, pk: int) -> StudyPlan:
    plan = plans_for(user).filter(pk=pk).first()
    if plan is None:
        plan = plans_managed_by(user).select_related("org", "series").filter(pk=pk).first()
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


def item_for(plan: StudyPlan, day: datetime.date) -> Article | None:
    """The day's article: the organiser's choice for the day, else the next one of the
    series in turn (day 1 the first, day n+1 the one after the n-th, round and round)."""
    if day < plan.starts_on:
        return None
    chosen = PlanDay.objects.filter(plan=plan, day=day).select_related("article").first()
    if chosen is not None:
        return chosen.article
    if plan.series_id is None:
        return None
    live = Article.objects.filter(
        series_id=plan.series_id,
        state=ArticleState.PUBLISHED,
        text_status=TextStatus.VISIBLE,
        org_id__in=paths.ids_in(plan.org.path),
    ).order_by("published_at", "id")
    count = live.count()
    if not count:
        return None
    return live[(day - plan.starts_on).days % count]


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
    items: list[tuple[datetime.date, str]]


def week_summary(user: Any, plan: StudyPlan, week: datetime.date) -> WeekSummary:
    """What the person studied in the week (Monday `week` to Sunday): days, minutes, items."""
    rows = CheckIn.objects.filter(
        plan=plan, user_id=user.pk, day__gte=week, day__lt=week + datetime.timedelta(days=7)
    )
    items = [
        (c.day, c.article.title if c.article else "")
        for c in rows.select_related("article").order_by("day")
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
