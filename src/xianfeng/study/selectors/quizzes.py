"""Reads of quizzes and attempts: what a member may take, what an organiser manages,
the person's own attempts, results by person, branch and question."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.orgs import paths
from xianfeng.orgs.selectors import role_root_paths, scope_q
from xianfeng.people.selectors import member_of
from xianfeng.study.enums import AttemptState, QuizKind
from xianfeng.study.models import Attempt, Quiz
from xianfeng.study.rules import STUDY_MANAGE_ROLES


def quizzes_for(user: Any) -> QuerySet[Quiz]:
    """Published exams of the person's org and the orgs above it, with the person's own
    attempt count and best score (one query)."""
    member = member_of(user)
    if member is None:
        return Quiz.objects.none()
    return (
        Quiz.objects.filter(
            org_id__in=paths.ids_in(member.org.path), is_published=True, kind=QuizKind.EXAM
        )
        .select_related("org")
        .annotate(
            my_attempts=Count("attempts", filter=Q(attempts__user_id=user.pk)),
            my_best=Max(
                "attempts__score",
                filter=Q(attempts__user_id=user.pk, attempts__state=AttemptState.SUBMITTED),
            ),
        )
        .order_by("-opens_at", "-id")
    )


def quizzes_managed_by(user: Any) -> QuerySet[Quiz]:
    if not getattr(user, "is_authenticated", False):
        return Quiz.objects.none()
    return Quiz.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))


def get_quiz_for_user(user: Any, pk: int) -> Quiz:
    """A quiz the person may take or manage; 404 otherwise."""
    quiz = quizzes_for(user).filter(pk=pk).first() if member_of(user) else None
    if quiz is None:
        # Levels and lesson checks are reached through their competition or lesson.
        quiz = (
            quizzes_managed_by(user)
            .filter(kind=QuizKind.EXAM)
            .select_related("org")
            .filter(pk=pk)
            .first()
        )
    if quiz is None:
        raise Http404("找不到这场考试")
    return quiz


def quizzes_with_results_for(user: Any) -> QuerySet[Quiz]:
    """Quizzes whose results an officer reads: those set in their subtree, and those set
    above it for their members (a county exam, seen by a branch for its branch)."""
    if not getattr(user, "is_authenticated", False):
        return Quiz.objects.none()
    roots = role_root_paths(user, STUDY_MANAGE_ROLES)
    above = {org_id for root in roots for org_id in paths.ids_in(root)}
    return Quiz.objects.filter(
        scope_q(user, STUDY_MANAGE_ROLES, field="org__path") | Q(org_id__in=above)
    )


def get_managed_quiz(user: Any, pk: int) -> Quiz:
    quiz = quizzes_with_results_for(user).select_related("org").filter(pk=pk).first()
    if quiz is None:
        raise Http404("找不到这场考试")
    return quiz


def get_attempt_for_user(user: Any, pk: int) -> Attempt:
    """The person's own attempt (nobody else's answer sheet is reachable by its id)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("找不到这份答卷")
    attempt = Attempt.objects.select_related("quiz").filter(pk=pk, user_id=user.pk).first()
    if attempt is None:
        raise Http404("找不到这份答卷")
    return attempt


def my_attempts(user: Any, quiz: Quiz) -> list[Attempt]:
    return list(Attempt.objects.filter(quiz=quiz, user_id=user.pk).order_by("number"))


def today_daily(user: Any) -> Attempt | None:
    number = int(timezone.localdate().strftime("%Y%m%d"))
    return (
        Attempt.objects.filter(user_id=user.pk, quiz__kind=QuizKind.DAILY, number=number)
        .only("pk", "state", "score", "max_score")
        .first()
    )


def results_for(user: Any, quiz: Quiz) -> QuerySet[Attempt]:
    """Submitted attempts of people in the organiser's reach (a county exam seen by a
    branch secretary shows only their branch)."""
    return (
        Attempt.objects.filter(quiz=quiz, state=AttemptState.SUBMITTED)
        .filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))
        .select_related("user", "org")
        .order_by("-score", "submitted_at")
    )


def branch_results(attempts: QuerySet[Attempt]) -> list[dict[str, Any]]:
    rows = (
        attempts.order_by()
        .values("org_id", "org__name")
        .annotate(
            people=Count("user_id", distinct=True),
            average=Avg("score"),
            passed=Count("user_id", filter=Q(passed=True), distinct=True),
        )
        .order_by("-average", "org__name")
    )
    return [
        {
            "org": r["org__name"] or "",
            "people": r["people"],
            "average": round(float(r["average"] or 0), 1),
            "passed": r["passed"],
        }
        for r in rows
    ]
