"""Reads of 微行动: the activity list (by time, nearest community first), a person's
sign-ups and hours, an org's members' hours (双报道 included)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone

from xianfeng.common.pagination import Key
from xianfeng.community.enums import REVIEW_ROLES, ActivityState, SignupState
from xianfeng.community.models import Activity, Signup
from xianfeng.community.rules import home_paths
from xianfeng.orgs import paths as paths_module
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.orgs.selectors import scope_q


def get_activity(pk: int) -> Activity:
    """An activity's page is public (time, place, how many places); who signed up is
    the organiser's to see."""
    activity = Activity.objects.select_related("org").filter(pk=pk).first()
    if activity is None:
        raise Http404("找不到该活动")
    return activity


WHEN_CHOICES = {"upcoming": "近期", "week": "本周", "past": "已结束"}


@dataclass(frozen=True)
class ActivityFilters:
    when: str = "upcoming"
    org_life: bool = False  # the members' menu of 组织生活
    kind: str = ""


def _nearness(user: Any) -> Any:
    """0: in the person's own community; 1: in its town; 2: elsewhere (no coordinates are
    kept, so "distance" is the distance in the org tree)."""
    paths = home_paths(user)
    if not paths:
        return Value(2, output_field=IntegerField())
    own = paths[-1]
    town = own[: -paths_module.SEGMENT] if len(own) > 2 * paths_module.SEGMENT else own
    return Case(
        When(org__path__startswith=own, then=Value(0)),
        When(org__path__startswith=town, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


# The activity list's orders, walked by keyset_page_by (no OFFSET, no COUNT): past ones
# newest first; the rest by nearness to the person's community, then by time.
PAST_KEYS = (Key("starts_at", descending=True, moment=True), Key("id", descending=True))
UPCOMING_KEYS = (Key("near"), Key("starts_at", moment=True), Key("id"))


def activity_keys(filters: ActivityFilters) -> tuple[Key, ...]:
    return PAST_KEYS if filters.when == "past" else UPCOMING_KEYS


def activity_list(user: Any, filters: ActivityFilters, now: Any = None) -> QuerySet[Activity]:
    now = now or timezone.now()
    rows = Activity.objects.filter(state=ActivityState.PUBLISHED)
    if filters.when == "past":
        rows = rows.filter(ends_at__lt=now).order_by("-starts_at", "-id")
        return rows.select_related("org")
    rows = rows.filter(ends_at__gte=now)
    if filters.when == "week":
        rows = rows.filter(starts_at__lt=now + datetime.timedelta(days=7))
    if filters.org_life:
        rows = rows.filter(org_life=True)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return (
        rows.select_related("org")
        .annotate(near=_nearness(user))
        .order_by("near", "starts_at", "id")
    )


# An organiser's list: the newest start first, cancelled ones too.
ORGANISED_KEYS = (Key("starts_at", descending=True, moment=True), Key("id", descending=True))


def activities_organised_by(user: Any, org: Org | None = None) -> QuerySet[Activity]:
    """The activities of the orgs the person runs activities for (an officer's reach),
    in any state; `org` narrows to one org's subtree (an org outside the reach: none)."""
    rows = Activity.objects.filter(scope_q(user, REVIEW_ROLES, field="org__path"))
    if org is not None:
        rows = rows.filter(subtree_q([org.path], field="org__path"))
    return rows.select_related("org").order_by("-starts_at", "-id")


def my_signup(user: Any, activity: Activity) -> Signup | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Signup.objects.filter(activity=activity, user_id=user.pk).first()


def waiting_place(signup: Signup) -> int:
    """1 for the first on the waiting list."""
    return (
        Signup.objects.filter(activity_id=signup.activity_id, state=SignupState.WAITING)
        .filter(Q(queued_at__lt=signup.queued_at) | Q(queued_at=signup.queued_at, id__lt=signup.pk))
        .count()
        + 1
    )


def signups_of(activity: Activity) -> list[Signup]:
    """The roster, for the organiser: confirmed first, then the waiting list in order."""
    return list(
        Signup.objects.filter(activity=activity)
        .exclude(state=SignupState.CANCELLED)
        .select_related("user", "home_branch")
        .annotate(rank=Case(When(state=SignupState.CONFIRMED, then=Value(0)), default=Value(1)))
        .order_by("rank", "queued_at", "id")
    )


def my_signups(user: Any, *, upcoming_only: bool = False) -> QuerySet[Signup]:
    rows = (
        Signup.objects.filter(user_id=user.pk)
        .exclude(state=SignupState.CANCELLED)
        .filter(activity__state=ActivityState.PUBLISHED)
        .select_related("activity", "activity__org")
    )
    if upcoming_only:
        rows = rows.filter(activity__ends_at__gte=timezone.now())
    return rows.order_by("activity__starts_at", "id")


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_default_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=zone),
        datetime.datetime(year + 1, 1, 1, tzinfo=zone),
    )


@dataclass(frozen=True)
class HoursRecord:
    rows: list[Signup]
    total: Decimal


def hours_of(user: Any, year: int) -> HoursRecord:
    """A person's activities of the year with the hours credited."""
    start, end = _year_bounds(year)
    rows = list(
        Signup.objects.filter(
            user_id=user.pk,
            state=SignupState.CONFIRMED,
            activity__starts_at__gte=start,
            activity__starts_at__lt=end,
        )
        .select_related("activity", "activity__org")
        .order_by("-activity__starts_at", "-id")
    )
    return HoursRecord(rows=rows, total=sum((r.hours for r in rows), Decimal(0)))


def members_hours(org: Org, year: int) -> list[dict[str, Any]]:
    """Each member of the org's subtree who served this year: hours and activities,
    wherever they served (在职党员双报道: their hours come home to their branch)."""
    start, end = _year_bounds(year)
    rows = (
        Signup.objects.filter(
            home_branch__path__startswith=org.path,
            state=SignupState.CONFIRMED,
            activity__starts_at__gte=start,
            activity__starts_at__lt=end,
            hours__gt=0,
        )
        .values("user_id", "user__name", "home_branch__name")
        .annotate(hours=Sum("hours"), n=Count("id"))
        .order_by("-hours", "user__name")
    )
    return [dict(row) for row in rows[:500]]
