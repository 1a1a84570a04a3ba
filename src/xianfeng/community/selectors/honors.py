"""Reads of 微星光 (the honor roll, nominations to decide) and of 微平台 (an org's own
public page: notices, lessons, activities, open wishes, civic projects, honors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.common.pagination import Key
from xianfeng.community.enums import (
    PROJECT_PUBLIC_STATES,
    REVIEW_ROLES,
    ActivityState,
    HonorState,
    WishState,
)
from xianfeng.community.models import Activity, CivicProject, Honor, OrgNotice, Wish
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.orgs.selectors import scope_q


def honors_visible_to(user: Any) -> QuerySet[Honor]:
    """Approved honors for everyone; nominations to the orgs concerned (the nominating
    org's officers and those above it)."""
    where = Q(state=HonorState.APPROVED)
    if getattr(user, "is_authenticated", False):
        where |= scope_q(user, REVIEW_ROLES, field="org__path") | Q(nominated_by_id=user.pk)
    return Honor.objects.filter(where)


def get_honor_for_user(user: Any, pk: int) -> Honor:
    honor = honors_visible_to(user).select_related("org", "person").filter(pk=pk).first()
    if honor is None:
        raise Http404("找不到该微星光")
    return honor


@dataclass(frozen=True)
class HonorFilters:
    year: int | None = None
    org: Org | None = None
    kind: str = ""


# The roll's order, walked by keyset_page_by (no OFFSET, no COUNT).
HONOR_KEYS = (
    Key("year", descending=True),
    Key("decided_at", descending=True, moment=True),
    Key("id", descending=True),
)


def honor_roll(filters: HonorFilters) -> QuerySet[Honor]:
    rows = Honor.objects.filter(state=HonorState.APPROVED)
    if filters.year:
        rows = rows.filter(year=filters.year)
    if filters.org is not None:
        rows = rows.filter(subtree_q([filters.org.path], field="org__path"))
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return rows.select_related("org").order_by("-year", "-decided_at", "-id")


def honor_years() -> list[int]:
    return list(
        Honor.objects.filter(state=HonorState.APPROVED)
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")[:20]
    )


def honors_to_decide(user: Any) -> QuerySet[Honor]:
    """Nominations from orgs strictly below the ones the person is an officer of."""
    if not getattr(user, "is_authenticated", False):
        return Honor.objects.none()
    from xianfeng.orgs.selectors import role_root_paths

    roots = role_root_paths(user, REVIEW_ROLES)
    if not roots and not user.is_superuser:
        return Honor.objects.none()
    rows = Honor.objects.filter(state=HonorState.NOMINATED).select_related("org")
    if not user.is_superuser:
        below = Q()
        for root in roots:
            below |= Q(org__path__startswith=root) & ~Q(org__path=root)
        rows = rows.filter(below)
    return rows.order_by("created_at", "id")


# An org's own nominations: the newest first.
NOMINATION_KEYS = (Key("created_at", descending=True, moment=True), Key("id", descending=True))


def honors_nominated_in(user: Any, org: Org | None = None, state: str = "") -> QuerySet[Honor]:
    """The nominations of the orgs where the person is an officer (and of their subtrees),
    in any state: what they sent up and how it was decided. `org` narrows to one org's
    subtree (an org outside the reach: none)."""
    if not getattr(user, "is_authenticated", False):
        return Honor.objects.none()
    rows = Honor.objects.filter(scope_q(user, REVIEW_ROLES, field="org__path"))
    if org is not None:
        rows = rows.filter(subtree_q([org.path], field="org__path"))
    if state:
        rows = rows.filter(state=state)
    return rows.select_related("org").order_by("-created_at", "-id")


def honors_of_member(member_id: int) -> list[Honor]:
    """A member's approved honors, by the member record (for the roster's member page)."""
    return list(
        Honor.objects.filter(person__member__pk=member_id, state=HonorState.APPROVED)
        .select_related("org")
        .order_by("-year", "-id")[:20]
    )


def honors_of_person(user_id: int) -> list[Honor]:
    return list(
        Honor.objects.filter(person_id=user_id, state=HonorState.APPROVED)
        .select_related("org")
        .order_by("-year", "-id")[:20]
    )


# --- 微平台 ---------------------------------------------------------------------------------


def get_org_page(code: str) -> Org:
    """Every org has a public page (by its code); a dissolved org has none."""
    org = Org.objects.filter(code=code[:32], dissolved_on__isnull=True).first()
    if org is None:
        raise Http404("找不到该组织")
    return org


@dataclass(frozen=True)
class OrgPage:
    notices: list[OrgNotice]
    lessons: list[Any]
    activities: list[Activity]
    wishes: list[Wish]
    projects: list[CivicProject]
    honors: list[Honor]


def org_page(user: Any, org: Org) -> OrgPage:
    """What the org's public page shows: only what is public (or, for a signed-in person,
    what they may see anyway), each list a single query over the org's subtree."""
    from xianfeng.lessons.selectors import published_lessons_for

    area = subtree_q([org.path], field="org__path")
    now = timezone.now()
    return OrgPage(
        notices=list(OrgNotice.objects.filter(org=org).order_by("-created_at", "-id")[:10]),
        lessons=list(
            published_lessons_for(user)
            .filter(area)
            .select_related("org")
            .order_by("-published_at", "-id")[:6]
        ),
        activities=list(
            Activity.objects.filter(area, state=ActivityState.PUBLISHED, ends_at__gte=now)
            .select_related("org")
            .order_by("starts_at", "id")[:6]
        ),
        wishes=list(
            Wish.objects.filter(area, state=WishState.OPEN)
            .select_related("org")
            .order_by("-published_at", "-id")[:6]
        ),
        projects=list(
            CivicProject.objects.filter(area, state__in=PROJECT_PUBLIC_STATES)
            .select_related("org")
            .order_by("-created_at", "-id")[:6]
        ),
        honors=list(
            Honor.objects.filter(area, state=HonorState.APPROVED)
            .select_related("org")
            .order_by("-year", "-id")[:6]
        ),
    )
