"""Reads of 知识竞赛: which competitions a person may see (the members of the host org's
subtree, and its officers), the levels with the person's own progress, and the rankings
(one query each, read from the standings kept per player)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from xianfeng.orgs import paths
from xianfeng.orgs.selectors import scope_q
from xianfeng.people.selectors import member_of
from xianfeng.study.enums import AttemptState
from xianfeng.study.models import Attempt, Competition, CompetitionEntry, Quiz
from xianfeng.study.rules import STUDY_MANAGE_ROLES


def _mine(user: Any) -> Q:
    member = member_of(user)
    if member is None:
        return Q(pk__in=[])
    return Q(org_id__in=paths.ids_in(member.org.path), is_published=True)


def competitions_for(user: Any) -> QuerySet[Competition]:
    """Published competitions of the person's org and the orgs above it, with their level
    count and the person's levels passed (one query)."""
    if member_of(user) is None:
        return Competition.objects.none()
    mine = CompetitionEntry.objects.filter(competition=OuterRef("pk"), user_id=user.pk)
    return (
        Competition.objects.filter(_mine(user))
        .select_related("org")
        .annotate(
            level_count=Count("levels", distinct=True),
            my_passed=Subquery(mine.values("levels_passed")[:1], output_field=IntegerField()),
        )
        .order_by("-opens_at", "-id")
    )


def competitions_managed_by(user: Any) -> QuerySet[Competition]:
    if not getattr(user, "is_authenticated", False):
        return Competition.objects.none()
    return (
        Competition.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))
        .select_related("org")
        .annotate(level_count=Count("levels", distinct=True))
        .order_by("-id")
    )


def get_competition_for_user(user: Any, pk: int) -> Competition:
    """A competition the person may play (published, for their org) or manage; 404
    otherwise, whether or not it exists."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("找不到这场知识竞赛")
    competition = (
        Competition.objects.filter(
            _mine(user) | scope_q(user, STUDY_MANAGE_ROLES, field="org__path")
        )
        .select_related("org")
        .filter(pk=pk)
        .first()
    )
    if competition is None:
        raise Http404("找不到这场知识竞赛")
    return competition


def get_managed_competition(user: Any, pk: int) -> Competition:
    if not getattr(user, "is_authenticated", False):
        raise Http404("找不到这场知识竞赛")
    competition = (
        Competition.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))
        .select_related("org")
        .filter(pk=pk)
        .first()
    )
    if competition is None:
        raise Http404("找不到这场知识竞赛")
    return competition


def may_play(user: Any, competition: Competition) -> bool:
    member = member_of(user)
    return (
        member is not None
        and competition.is_published
        and competition.org_id in paths.ids_in(member.org.path)
    )


def levels_with_progress(user: Any, competition: Competition) -> list[Quiz]:
    """The levels in order, each with the person's attempts, whether they passed it, their
    best score and an unfinished attempt's id (one query)."""
    mine = Attempt.objects.filter(quiz=OuterRef("pk"), user_id=user.pk)
    return list(
        Quiz.objects.filter(competition=competition)
        .annotate(
            my_attempts=Coalesce(
                Subquery(
                    mine.order_by().values("quiz").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            my_passed=Exists(mine.filter(state=AttemptState.SUBMITTED, passed=True)),
            my_best=Subquery(
                mine.filter(state=AttemptState.SUBMITTED).order_by("-score").values("score")[:1],
                output_field=IntegerField(),
            ),
            my_open=Subquery(
                mine.filter(state=AttemptState.IN_PROGRESS).values("pk")[:1],
                output_field=IntegerField(),
            ),
        )
        .order_by("level")
    )


def get_level(competition: Competition, number: int) -> Quiz:
    level = Quiz.objects.filter(competition=competition, level=number).first()
    if level is None:
        raise Http404("没有这一关")
    return level


def ranked_entries(competition: Competition) -> QuerySet[CompetitionEntry]:
    """Every player who passed a level, in ranking order: most levels passed, then the
    highest score, then the least time, then who got there first."""
    return (
        CompetitionEntry.objects.filter(competition=competition, levels_passed__gt=0)
        .select_related("user", "org")
        .order_by("-levels_passed", "-score", "seconds", "reached_at", "pk")
    )


def ranking_people(competition: Competition, limit: int = 100) -> list[CompetitionEntry]:
    """The top players (one query)."""
    return list(ranked_entries(competition)[:limit])


@dataclass(frozen=True)
class MyPlace:
    entry: CompetitionEntry | None
    rank: int
    of: int


def my_place(user: Any, competition: Competition) -> MyPlace:
    """The person's place among those who passed a level (two queries at most)."""
    entry = CompetitionEntry.objects.filter(competition=competition, user_id=user.pk).first()
    ranked = CompetitionEntry.objects.filter(competition=competition, levels_passed__gt=0)
    if entry is None or entry.levels_passed == 0:
        return MyPlace(entry=entry, rank=0, of=ranked.count())
    better = (
        Q(levels_passed__gt=entry.levels_passed)
        | Q(levels_passed=entry.levels_passed, score__gt=entry.score)
        | Q(levels_passed=entry.levels_passed, score=entry.score, seconds__lt=entry.seconds)
    )
    counts = ranked.aggregate(above=Count("pk", filter=better), of=Count("pk"))
    return MyPlace(entry=entry, rank=counts["above"] + 1, of=counts["of"])


@dataclass(frozen=True)
class BranchRow:
    org_id: int | None
    name: str
    players: int
    finished: int
    average: float
    total: int
    best_levels: int


def ranking_branches(competition: Competition, level_count: int) -> list[BranchRow]:
    """Each branch with players: how many played, how many passed every level, the
    average score per player, best first (one query)."""
    rows = (
        CompetitionEntry.objects.filter(competition=competition)
        .order_by()
        .values("org_id", "org__name")
        .annotate(
            players=Count("pk"),
            finished=Count("pk", filter=Q(levels_passed__gte=max(level_count, 1))),
            average=Avg("score"),
            total=Sum("score"),
            best=Max("levels_passed"),
        )
        .order_by("-average", "-finished", "org__name")
    )
    return [
        BranchRow(
            org_id=r["org_id"],
            name=r["org__name"] or "",
            players=r["players"],
            finished=r["finished"],
            average=round(float(r["average"] or 0), 1),
            total=r["total"] or 0,
            best_levels=r["best"] or 0,
        )
        for r in rows
    ]
