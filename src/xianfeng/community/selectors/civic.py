"""Reads of 微实事: who sees which project, the project list, a vote's standings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.common.pagination import Key
from xianfeng.community.enums import PROJECT_PUBLIC_STATES, REVIEW_ROLES, ProjectState
from xianfeng.community.models import (
    Ballot,
    CivicProject,
    ProjectComment,
    ProjectRating,
    ProjectUpdate,
    VoteRound,
)
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.orgs.selectors import scope_q


def projects_visible_to(user: Any) -> QuerySet[CivicProject]:
    """The public projects (candidates, outcomes, progress), plus the person's own
    proposals and every project of the communities whose officers they are."""
    where = Q(state__in=PROJECT_PUBLIC_STATES)
    if getattr(user, "is_authenticated", False):
        where |= Q(proposed_by_id=user.pk) | scope_q(user, REVIEW_ROLES, field="org__path")
    return CivicProject.objects.filter(where)


def get_project_for_user(user: Any, pk: int) -> CivicProject:
    project = projects_visible_to(user).select_related("org", "round").filter(pk=pk).first()
    if project is None:
        raise Http404("找不到该微实事")
    return project


@dataclass(frozen=True)
class ProjectFilters:
    org: Org | None = None
    state: str = ""


# The project list's order, walked by keyset_page_by (no OFFSET, no COUNT).
PROJECT_KEYS = (Key("created_at", descending=True, moment=True), Key("id", descending=True))


def project_list(user: Any, filters: ProjectFilters) -> QuerySet[CivicProject]:
    rows = projects_visible_to(user)
    if filters.org is not None:
        rows = rows.filter(subtree_q([filters.org.path], field="org__path"))
    if filters.state:
        rows = rows.filter(state=filters.state)
    return rows.select_related("org", "round").order_by("-created_at", "-id")


def projects_to_review(user: Any) -> QuerySet[CivicProject]:
    if not getattr(user, "is_authenticated", False):
        return CivicProject.objects.none()
    return (
        CivicProject.objects.filter(scope_q(user, REVIEW_ROLES, field="org__path"))
        .filter(state=ProjectState.PENDING)
        .select_related("org")
        .order_by("created_at", "id")
    )


def get_round(pk: int) -> VoteRound:
    """A vote's page is public, like its candidates."""
    item = VoteRound.objects.select_related("org").filter(pk=pk).first()
    if item is None:
        raise Http404("找不到该投票")
    return item


def rounds_list() -> QuerySet[VoteRound]:
    return VoteRound.objects.select_related("org").order_by("-opens_at", "-id")


def round_is_open(item: VoteRound, now: Any = None) -> bool:
    now = now or timezone.now()
    return item.opens_at <= now < item.closes_at and item.counted_at is None


def results_shown(item: VoteRound, now: Any = None) -> bool:
    """Standings are public after the window closes (or during it, if the round says so)."""
    now = now or timezone.now()
    return item.show_live or now >= item.closes_at or item.counted_at is not None


def round_projects(item: VoteRound) -> list[CivicProject]:
    """The round's public projects with their ballots counted by the database, best first
    (the count's outcome once counted)."""
    rows = (
        CivicProject.objects.filter(round=item, state__in=PROJECT_PUBLIC_STATES)
        .select_related("org")
        .annotate(ballot_count=Count("ballots"))
        .order_by("-ballot_count", "created_at", "id")
    )
    return list(rows)


def my_ballots(user: Any, item: VoteRound | None) -> set[int]:
    """The projects the person has voted for in the round (one query)."""
    if item is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Ballot.objects.filter(round=item, voter_id=user.pk).values_list("project_id", flat=True)
    )


def open_rounds_for(user: Any, now: Any = None) -> list[VoteRound]:
    """The votes open now in the communities the person is registered to."""
    from xianfeng.community.rules import home_paths

    paths = home_paths(user)
    if not paths:
        return []
    now = now or timezone.now()
    rows = VoteRound.objects.filter(
        opens_at__lte=now, closes_at__gt=now, counted_at__isnull=True
    ).select_related("org")
    return [r for r in rows[:50] if any(p.startswith(r.org.path) for p in paths)][:3]


def project_log(project: CivicProject) -> list[ProjectUpdate]:
    return list(project.updates.select_related("author").order_by("created_at", "id"))


def project_comments(project: CivicProject) -> list[ProjectComment]:
    return list(project.comments.order_by("created_at", "id")[:200])


def projects_rating(projects: Sequence[CivicProject]) -> dict[int, tuple[float, int]]:
    """(average, count) of the ratings of each project, in one grouped query."""
    rows = (
        ProjectRating.objects.filter(project__in=[p.pk for p in projects])
        .values("project_id")
        .annotate(avg=Avg("score"), n=Count("id"))
    )
    return {r["project_id"]: (round(float(r["avg"]), 1), r["n"]) for r in rows}


def my_rating(user: Any, project: CivicProject) -> int | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        ProjectRating.objects.filter(project=project, user_id=user.pk)
        .values_list("score", flat=True)
        .first()
    )
