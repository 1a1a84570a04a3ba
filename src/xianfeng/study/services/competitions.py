"""知识竞赛 (竞答, 闯关): an officer sets up a competition for their org's subtree and its
levels (each a quiz drawn from the banks, with a time limit and a pass mark); a member
plays level 1, and each level passed unlocks the next. Every level handed in refreshes
the player's standing (levels passed, the score and time of each level's first pass),
which the rankings read."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.study.enums import AttemptState, QuizKind
from xianfeng.study.models import Attempt, Competition, CompetitionEntry, Quiz
from xianfeng.study.rules import can_manage_study
from xianfeng.study.services import quizzes

MAX_LEVELS = 20


def _check_fields(title: str, opens_at: datetime.datetime, closes_at: datetime.datetime) -> str:
    title = " ".join(title.split())
    if is_blank(title):
        raise Refused("请填写竞赛名称", field="title")
    if closes_at <= opens_at:
        raise Refused("结束时间应晚于开始时间", field="closes_at")
    return title[:100]


def competition_create(
    *,
    actor: User,
    org: Org,
    title: str,
    description: str = "",
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
) -> Competition:
    """A competition for the members of `org`'s subtree, unpublished until its levels
    are set."""
    if not can_manage_study(actor, org):
        raise PermissionDenied("您不能为该组织举办知识竞赛")
    title = _check_fields(title, opens_at, closes_at)
    with transaction.atomic():
        competition = Competition.objects.create(
            org=org,
            title=title,
            description=description.strip()[:2000],
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="competition.create",
            obj=competition,
            org=org,
            data={"title": title},
        )
    return competition


def competition_update(
    *,
    actor: User,
    competition: Competition,
    title: str,
    description: str = "",
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
) -> Competition:
    if not can_manage_study(actor, competition.org):
        raise PermissionDenied("您不能修改这场知识竞赛")
    title = _check_fields(title, opens_at, closes_at)
    with transaction.atomic():
        competition.title = title
        competition.description = description.strip()[:2000]
        competition.opens_at = opens_at
        competition.closes_at = closes_at
        competition.save(update_fields=["title", "description", "opens_at", "closes_at"])
        # The levels keep the competition's window (the server's clock decides there).
        competition.levels.update(opens_at=opens_at, closes_at=closes_at)
        audit_log(
            actor=actor,
            action="competition.update",
            obj=competition,
            org=competition.org,
            data={"title": title},
        )
    return competition


def competition_publish(*, actor: User, competition: Competition, publish: bool) -> Competition:
    if not can_manage_study(actor, competition.org):
        raise PermissionDenied("您不能修改这场知识竞赛")
    if publish and not competition.levels.exists():
        raise Refused("请先设置至少一关再发布")
    with transaction.atomic():
        competition.is_published = publish
        competition.save(update_fields=["is_published"])
        competition.levels.update(is_published=publish)
        audit_log(
            actor=actor,
            action="competition.publish" if publish else "competition.unpublish",
            obj=competition,
            org=competition.org,
        )
    return competition


def level_add(
    *,
    actor: User,
    competition: Competition,
    title: str,
    rules: list[dict[str, Any]],
    duration_minutes: int,
    pass_percent: int,
    attempts_allowed: int,
) -> Quiz:
    """The next level: so many questions of each kind drawn per player from the banks
    that reach the competition's org."""
    if not can_manage_study(actor, competition.org):
        raise PermissionDenied("您不能修改这场知识竞赛")
    if duration_minutes < 1:
        raise Refused("每关请设置答题时长（至少 1 分钟）", field="duration_minutes")
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        number = locked.levels.count() + 1
        if number > MAX_LEVELS:
            raise Refused(f"一场竞赛最多 {MAX_LEVELS} 关")
        title = " ".join(title.split()) or f"第 {number} 关"
        return quizzes.quiz_create(
            actor=actor,
            org=competition.org,
            kind=QuizKind.LEVEL,
            title=title,
            opens_at=competition.opens_at,
            closes_at=competition.closes_at,
            duration_minutes=duration_minutes,
            paper={"rules": rules},
            pass_percent=pass_percent,
            attempts_allowed=attempts_allowed,
            shuffle=True,
            publish=competition.is_published,
            competition=competition,
            level=number,
        )


def level_remove(*, actor: User, level: Quiz) -> None:
    """Only the last level, and only while nobody has played it."""
    competition = level.competition
    if competition is None or not can_manage_study(actor, competition.org):
        raise PermissionDenied("您不能修改这场知识竞赛")
    with transaction.atomic():
        Competition.objects.select_for_update().get(pk=competition.pk)
        if competition.levels.filter(level__gt=level.level).exists():
            raise Refused("只能删除最后一关")
        if Attempt.objects.filter(quiz=level).exists():
            raise Refused("已经有人闯过这一关，不能删除")
        audit_log(
            actor=actor,
            action="competition.level_remove",
            obj=competition,
            org=competition.org,
            data={"level": level.level},
        )
        level.delete()


def level_passed(user: Any, competition: Competition, number: int) -> bool:
    return Attempt.objects.filter(
        quiz__competition=competition,
        quiz__level=number,
        user_id=user.pk,
        state=AttemptState.SUBMITTED,
        passed=True,
    ).exists()


def level_start(*, user: User, level: Quiz, now: datetime.datetime | None = None) -> Attempt:
    """Play a level: the competition must be open, and every level before it passed. An
    unfinished attempt is continued (a double tap never draws a second paper)."""
    now = now or timezone.now()
    competition = level.competition
    if competition is None or not competition.is_published:
        raise PermissionDenied("这场竞赛不面向您所在的组织")
    if now < competition.opens_at:
        raise Refused(
            f"竞赛尚未开始，开始时间 {timezone.localtime(competition.opens_at):%m月%d日 %H:%M}"
        )
    if now >= competition.closes_at:
        raise Refused("竞赛已经结束")
    level_no = level.level or 1
    if level_no > 1 and not level_passed(user, competition, level_no - 1):
        raise Refused(f"请先通过第 {level_no - 1} 关")
    if level_passed(user, competition, level_no):
        raise Refused("这一关您已经通过了，请挑战下一关")
    return quizzes.attempt_start(user=user, quiz=level, now=now, unlocked=True)


def entry_refresh(attempt: Attempt) -> CompetitionEntry | None:
    """Recompute the player's standing from their attempts (idempotent): a level counts
    by its first pass."""
    quiz = attempt.quiz
    if quiz.competition_id is None:
        return None
    firsts: dict[int, Attempt] = {}
    passes = (
        Attempt.objects.filter(
            quiz__competition_id=quiz.competition_id,
            user_id=attempt.user_id,
            state=AttemptState.SUBMITTED,
            passed=True,
        )
        .select_related("quiz")
        .order_by("submitted_at", "pk")
    )
    for passed in passes:
        firsts.setdefault(passed.quiz.level or 0, passed)
    score = sum(a.score for a in firsts.values())
    seconds = 0
    for first in firsts.values():
        if first.submitted_at is not None:
            seconds += max(0, int((first.submitted_at - first.started_at).total_seconds()))
    reached = max((a.submitted_at for a in firsts.values() if a.submitted_at), default=None)
    entry, _ = CompetitionEntry.objects.update_or_create(
        competition_id=quiz.competition_id,
        user_id=attempt.user_id,
        defaults={
            "levels_passed": len(firsts),
            "score": score,
            "seconds": seconds,
            "reached_at": reached,
        },
        create_defaults={
            "org_id": attempt.org_id,
            "levels_passed": len(firsts),
            "score": score,
            "seconds": seconds,
            "reached_at": reached,
        },
    )
    return entry
