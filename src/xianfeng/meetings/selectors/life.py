"""Reads of the 组织生活会: who sees a meeting's materials, criticism notes and 整改清单, and
the list of rectification items of the branches a person may see.

A 组织生活会's substance is for the branch: its members (on the roll), the meeting's
officers and the ledger readers of the branch or above it (the town sees its subtree).
Another branch's people never see it, not even when invited as guests.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.meetings.enums import MeetingKind, MeetingState, RectificationState
from xianfeng.meetings.models import (
    Criticism,
    Meeting,
    Rectification,
    RectificationUpdate,
    ReviewMaterial,
)
from xianfeng.meetings.rules import LEDGER_ROLES
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import scope_q
from xianfeng.people.models import Member
from xianfeng.people.selectors import on_roll_q


def _member_branches(uid: int) -> Any:
    """The branches (org ids) where the person is on the roll today."""
    return Member.objects.filter(on_roll_q(timezone.localdate()), user_id=uid).values("org_id")


def life_meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    """组织生活会 whose substance the person may read."""
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.none()
    qs = Meeting.objects.filter(kind=MeetingKind.LIFE)
    if getattr(user, "is_superuser", False):
        return qs
    uid = user.pk
    officer = Q(host_id=uid) | Q(recorder_a_id=uid) | Q(recorder_b_id=uid)
    return qs.filter(
        scope_q(user, LEDGER_ROLES, field="branch__path")
        | officer
        | Q(branch_id__in=_member_branches(uid))
    )


def get_life_meeting_for_user(user: Any, pk: int) -> Meeting:
    """The 组织生活会 with `pk` if the person may read its substance; 404 otherwise."""
    meeting = (
        life_meetings_visible_to(user)
        .select_related("org", "branch", "host", "recorder_a", "recorder_b")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404("找不到该组织生活会")
    return meeting


def may_read_life(user: Any, meeting: Meeting) -> bool:
    """For the meeting page: whether to show the 组织生活会 section at all."""
    if meeting.kind != MeetingKind.LIFE:
        return False
    return life_meetings_visible_to(user).filter(pk=meeting.pk).exists()


def is_branch_member(user: Any, branch_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Member.objects.filter(
        on_roll_q(timezone.localdate()), user_id=user.pk, org_id=branch_id
    ).exists()


def materials_of(meeting: Meeting) -> list[ReviewMaterial]:
    return list(
        ReviewMaterial.objects.filter(meeting=meeting)
        .select_related("author")
        .order_by("author__name", "author_id")
    )


def get_material_for_user(user: Any, meeting_pk: int, pk: int) -> ReviewMaterial:
    meeting = get_life_meeting_for_user(user, meeting_pk)
    material = ReviewMaterial.objects.filter(meeting=meeting, pk=pk).first()
    if material is None:
        raise Http404("找不到该材料")
    return material


def criticisms_of(meeting: Meeting) -> list[Criticism]:
    return list(
        Criticism.objects.filter(meeting=meeting).select_related("speaker", "target", "recorded_by")
    )


def rectifications_of(meeting: Meeting) -> list[Rectification]:
    return list(
        Rectification.objects.filter(meeting=meeting)
        .select_related("owner", "closed_by")
        .order_by("deadline", "id")
    )


def rectifications_visible_to(user: Any) -> QuerySet[Rectification]:
    """Items of the branches the person reads the ledger of, of their own branch, and
    their own items."""
    if not getattr(user, "is_authenticated", False):
        return Rectification.objects.none()
    if getattr(user, "is_superuser", False):
        return Rectification.objects.all()
    uid = user.pk
    return Rectification.objects.filter(
        scope_q(user, LEDGER_ROLES, field="branch__path")
        | Q(owner_id=uid)
        | Q(branch_id__in=_member_branches(uid))
    )


def get_rectification_for_user(user: Any, pk: int) -> Rectification:
    item = (
        rectifications_visible_to(user)
        .select_related("meeting", "branch", "owner", "closed_by", "created_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("找不到该整改事项")
    return item


def updates_of(item: Rectification) -> list[RectificationUpdate]:
    return list(RectificationUpdate.objects.filter(item=item).select_related("author"))


def get_update_for_user(user: Any, item_pk: int, pk: int) -> RectificationUpdate:
    item = get_rectification_for_user(user, item_pk)
    update = RectificationUpdate.objects.filter(item=item, pk=pk).first()
    if update is None:
        raise Http404("找不到该整改进展")
    return update


@dataclass(frozen=True)
class RectificationFilters:
    org: Org | None = None
    status: str = ""  # open, closed, overdue
    mine: bool = False
    year: int | None = None


def rectification_list(
    user: Any, filters: RectificationFilters, *, today: datetime.date | None = None
) -> QuerySet[Rectification]:
    """The items a person may see, filtered, with what each row shows."""
    today = today or timezone.localdate()
    qs = rectifications_visible_to(user)
    if filters.org is not None:
        qs = qs.filter(
            branch__path__gte=filters.org.path,
            branch__path__lt=paths.upper_bound(filters.org.path),
        )
    if filters.status == RectificationState.OPEN:
        qs = qs.filter(state=RectificationState.OPEN)
    elif filters.status == RectificationState.CLOSED:
        qs = qs.filter(state=RectificationState.CLOSED)
    elif filters.status == "overdue":
        qs = qs.filter(state=RectificationState.OPEN, deadline__lt=today)
    if filters.mine:
        qs = qs.filter(owner_id=user.pk)
    if filters.year:
        qs = qs.filter(meeting__year=filters.year)
    has_updates = Exists(RectificationUpdate.objects.filter(item_id=OuterRef("pk")))
    return (
        qs.exclude(meeting__state=MeetingState.CANCELLED)
        .annotate(has_updates=has_updates)
        .select_related("branch", "owner", "meeting")
        .order_by("state", "deadline", "id")
    )


def ledger_rectifications(branch: Org, year: int) -> QuerySet[Rectification]:
    """The 整改清单 of a branch's 组织生活会 of a year (the ledger's sheet)."""
    return (
        Rectification.objects.filter(meeting__branch=branch, meeting__year=year)
        .select_related("meeting", "owner", "closed_by")
        .order_by("meeting__starts_at", "deadline", "id")
    )


def latest_updates(item_ids: list[int]) -> dict[int, RectificationUpdate]:
    """The latest progress report of each item (one query)."""
    latest: dict[int, RectificationUpdate] = {}
    for update in RectificationUpdate.objects.filter(item_id__in=item_ids).order_by(
        "item_id", "created_at", "id"
    ):
        latest[update.item_id] = update
    return latest


@dataclass(frozen=True)
class LifeSummary:
    materials: int
    criticisms: int
    items: int
    closed: int
    overdue: int


def life_summary(meeting: Meeting, *, today: datetime.date | None = None) -> LifeSummary:
    """The meeting page's card: how far the 组织生活会's substance has come."""
    from django.db.models import Count

    today = today or timezone.localdate()
    items = Rectification.objects.filter(meeting=meeting).aggregate(
        n=Count("id"),
        closed=Count("id", filter=Q(state=RectificationState.CLOSED)),
        overdue=Count("id", filter=Q(state=RectificationState.OPEN, deadline__lt=today)),
    )
    return LifeSummary(
        materials=ReviewMaterial.objects.filter(meeting=meeting).count(),
        criticisms=Criticism.objects.filter(meeting=meeting).count(),
        items=items["n"],
        closed=items["closed"],
        overdue=items["overdue"],
    )
