"""Quizzes and exams: setting one up, starting an attempt (the paper drawn and frozen on the
server), saving answers as the person goes, submitting once (by the person or, at the
deadline, by the server) and grading."""

from __future__ import annotations

import datetime
import random
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.common.transitions import transition
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.people.models import Member, User
from xianfeng.study import grading
from xianfeng.study.enums import ATTEMPT_MACHINE, AttemptState, QuestionKind, QuizKind
from xianfeng.study.models import Attempt, AttemptAnswer, Quiz
from xianfeng.study.rules import can_manage_study
from xianfeng.study.selectors.bank import questions_usable_at

# A submit that left the phone just before the deadline may arrive a moment after it.
GRACE = datetime.timedelta(seconds=5)
DAILY_QUESTIONS = 5
DAILY_TITLE = "每日一练"


def _member_org(user: Any) -> Org | None:
    member = Member.objects.select_related("org").filter(user_id=user.pk).first()
    return member.org if member is not None else None


def may_take(user: Any, quiz: Quiz, org: Org | None) -> bool:
    """A quiz is for the members of its org's subtree."""
    return org is not None and org.path.startswith(quiz.org.path) and quiz.is_published


# --- setting up ------------------------------------------------------------------------------


def quiz_create(
    *,
    actor: User,
    org: Org,
    title: str,
    kind: str = QuizKind.EXAM,
    description: str = "",
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
    duration_minutes: int = 0,
    paper: dict[str, Any],
    points: dict[str, int] | None = None,
    pass_percent: int = 60,
    attempts_allowed: int = 1,
    shuffle: bool = True,
    publish: bool = True,
    lesson: Any = None,
    competition: Any = None,
    level: int | None = None,
) -> Quiz:
    """An exam for `org`'s members: a window, a duration, a fixed paper or drawing rules
    (so many of each kind, per tag) from the banks that reach the org."""
    if lesson is None and not can_manage_study(actor, org):
        # A lesson's 知识检测 is checked by its caller (the lesson's author may set it).
        raise PermissionDenied("您不能为该组织组织考试")
    title = " ".join(title.split())
    if is_blank(title):
        raise Refused("请填写考试名称", field="title")
    if opens_at and closes_at and closes_at <= opens_at:
        raise Refused("结束时间应晚于开始时间", field="closes_at")
    if not 0 <= pass_percent <= 100:
        raise Refused("及格线应在 0 到 100 之间", field="pass_percent")
    if not 1 <= attempts_allowed <= 20:
        raise Refused("可答次数应在 1 到 20 之间", field="attempts_allowed")
    if not 0 <= duration_minutes <= 600:
        raise Refused("答题时长应在 0 到 600 分钟之间", field="duration_minutes")
    pool = questions_usable_at(org)
    if "fixed" in paper:
        ids = [int(i) for i in paper["fixed"]]
        found = set(pool.filter(pk__in=ids).values_list("pk", flat=True))
        if not ids or len(found) != len(set(ids)):
            raise Refused("试卷中有本组织不能使用的题目", field="paper")
        paper = {"fixed": ids}
    else:
        rules = []
        for rule in paper.get("rules", []):
            kind_ = rule.get("kind")
            count = int(rule.get("count", 0))
            if kind_ not in QuestionKind.values or count < 1:
                raise Refused("组卷规则应写明题型和题数", field="paper")
            available = pool.filter(kind=kind_)
            if rule.get("tag"):
                available = available.filter(tags__icontains=f'"{rule["tag"]}"')
            have = available.count()
            if have < count:
                label = QuestionKind(kind_).label
                tag = f"“{rule['tag']}”" if rule.get("tag") else ""
                raise Refused(f"题库中{label}{tag}只有 {have} 道，不够抽 {count} 道", field="paper")
            rules.append({"kind": kind_, "tag": rule.get("tag", ""), "count": count})
        if not rules:
            raise Refused("请设置组卷规则或选定题目", field="paper")
        paper = {"rules": rules}
    with transaction.atomic():
        quiz = Quiz.objects.create(
            org=org,
            kind=kind,
            title=title[:100],
            description=description.strip(),
            opens_at=opens_at,
            closes_at=closes_at,
            duration_minutes=duration_minutes,
            paper=paper,
            points=points or {},
            shuffle=shuffle,
            pass_percent=pass_percent,
            attempts_allowed=attempts_allowed,
            is_published=publish,
            lesson=lesson,
            competition=competition,
            level=level,
            created_by=actor,
        )
        audit_log(actor=actor, action="quiz.create", obj=quiz, org=org, data={"title": title})
    return quiz


# --- taking ------------------------------------------------------------------------------------


def attempt_start(
    *,
    user: User,
    quiz: Quiz,
    now: datetime.datetime | None = None,
    unlocked: bool = False,
) -> Attempt:
    """Start (or continue) the person's attempt: an unfinished one is returned as it is,
    so a double tap or a reload never draws a second paper. A competition's level starts
    only through `level_start` (which checks the levels before it: `unlocked`), a lesson's
    check only through `check_start`."""
    now = now or timezone.now()
    if quiz.kind == QuizKind.CHECK or (quiz.kind == QuizKind.LEVEL and not unlocked):
        raise PermissionDenied("请从课程或竞赛页面开始答题")
    org = _member_org(user)
    if not may_take(user, quiz, org):
        raise PermissionDenied("这场考试不面向您所在的组织")
    if quiz.opens_at and now < quiz.opens_at:
        raise Refused(f"考试尚未开始，开始时间 {timezone.localtime(quiz.opens_at):%m月%d日 %H:%M}")
    open_one = Attempt.objects.filter(quiz=quiz, user=user, state=AttemptState.IN_PROGRESS).first()
    if open_one is not None:
        return attempt_expire_if_due(open_one, now=now)
    if quiz.closes_at and now >= quiz.closes_at:
        raise Refused("考试已经结束")
    done = Attempt.objects.filter(quiz=quiz, user=user).count()
    if done >= quiz.attempts_allowed:
        raise Refused(f"这场考试每人可答 {quiz.attempts_allowed} 次，您已答完")
    return _new_attempt(user=user, quiz=quiz, org=org, number=done + 1, now=now)


def _new_attempt(
    *, user: User, quiz: Quiz, org: Org | None, number: int, now: datetime.datetime
) -> Attempt:
    pool = list(questions_usable_at(quiz.org))
    rng = random.Random(secrets.randbits(64))
    paper = grading.draw(pool, quiz.paper, rng=rng, shuffle=quiz.shuffle, points=quiz.points)
    if not paper:
        raise Refused("题库中没有可用的题目，请联系组织者")
    deadline = None
    if quiz.duration_minutes:
        deadline = now + datetime.timedelta(minutes=quiz.duration_minutes)
    if quiz.closes_at:
        deadline = min(deadline, quiz.closes_at) if deadline else quiz.closes_at
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                quiz=quiz,
                user=user,
                number=number,
                org=org,
                paper=paper,
                started_at=now,
                deadline=deadline,
                max_score=sum(item["points"] for item in paper),
            )
            audit_log(
                actor=user,
                action="attempt.start",
                obj=attempt,
                org=org,
                data={"quiz_id": quiz.pk, "questions": len(paper)},
            )
    except IntegrityError:
        # The same start twice at once: the other request drew the paper.
        existing = Attempt.objects.filter(quiz=quiz, user=user, number=number).first()
        if existing is None:
            raise
        return existing
    return attempt


def daily_quiz_for(org: Org) -> Quiz:
    """The county's 每日一练 (one per tree root): 5 questions a day from the banks that
    reach the person."""
    root_id = paths.ids_in(org.path)[0]
    quiz = Quiz.objects.filter(org_id=root_id, kind=QuizKind.DAILY).first()
    if quiz is None:
        quiz, _ = Quiz.objects.get_or_create(
            org_id=root_id,
            kind=QuizKind.DAILY,
            defaults={
                "title": DAILY_TITLE,
                "paper": {"rules": []},
                "attempts_allowed": 1,
                "is_published": True,
                "pass_percent": 60,
            },
        )
    return quiz


def daily_start(*, user: User, now: datetime.datetime | None = None) -> Attempt:
    """Today's 每日一练: one a day, drawn from every bank above the person's branch."""
    now = now or timezone.now()
    org = _member_org(user)
    if org is None:
        raise PermissionDenied("每日一练面向党员")
    quiz = daily_quiz_for(org)
    day = timezone.localdate(now)
    number = int(day.strftime("%Y%m%d"))
    existing = Attempt.objects.filter(quiz=quiz, user=user, number=number).first()
    if existing is not None:
        return existing
    pool = list(questions_usable_at(org))
    rng = random.Random(secrets.randbits(64))
    chosen = rng.sample(pool, min(DAILY_QUESTIONS, len(pool)))
    if not chosen:
        raise Refused("题库中还没有题目")
    paper = [
        grading.make_item(q, rng=rng, shuffle=True, points=grading.DEFAULT_POINTS[q.kind])
        for q in chosen
    ]
    end_of_day = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    )
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                quiz=quiz,
                user=user,
                number=number,
                org=org,
                paper=paper,
                started_at=now,
                deadline=end_of_day,
                max_score=sum(item["points"] for item in paper),
            )
    except IntegrityError:
        return Attempt.objects.get(quiz=quiz, user=user, number=number)


def _open_for(user: User, attempt: Attempt) -> None:
    if attempt.user_id != user.pk:
        raise PermissionDenied("这不是您的答卷")


def attempt_save(
    *,
    user: User,
    attempt: Attempt,
    position: int,
    response: list[Any],
    now: datetime.datetime | None = None,
) -> AttemptAnswer:
    """Save one answer (again and again, as the person changes their mind) until the
    deadline; after it the attempt is submitted as saved and the change is refused."""
    now = now or timezone.now()
    _open_for(user, attempt)
    if attempt.state != AttemptState.IN_PROGRESS:
        raise Refused("已经交卷，不能再修改答案")
    if attempt.deadline and now > attempt.deadline + GRACE:
        attempt_submit(user=user, attempt=attempt, now=now, auto=True)
        raise Refused("答题时间已到，已按截止时保存的答案自动交卷")
    if not 0 <= position < len(attempt.paper):
        raise Refused("没有这道题", field="position")
    stored = grading.clean_response(attempt.paper[position], response)
    row, _ = AttemptAnswer.objects.update_or_create(
        attempt=attempt, position=position, defaults={"response": stored, "saved_at": now}
    )
    return row


def attempt_submit(
    *,
    user: User | None,
    attempt: Attempt,
    now: datetime.datetime | None = None,
    auto: bool = False,
) -> Attempt:
    """Hand in: grade what was saved. Twice counts once. A person's submit after the
    deadline is refused (the server submits the attempt as it stood at the deadline)."""
    now = now or timezone.now()
    if user is not None and not auto:
        _open_for(user, attempt)
    late = attempt.deadline is not None and now > attempt.deadline + GRACE
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.state == AttemptState.SUBMITTED:
            if late and not auto and attempt.auto_submitted:
                raise Refused("已超过交卷时间，系统已按截止时保存的答案自动交卷")
            return attempt  # handed in already: a second submit counts once
        answers = {a.position: a for a in AttemptAnswer.objects.filter(attempt=attempt)}
        score = correct = 0
        for position, item in enumerate(attempt.paper):
            answer = answers.get(position)
            cutoff = attempt.deadline + GRACE if attempt.deadline else None
            if answer is not None and cutoff is not None and answer.saved_at > cutoff:
                answer = None  # written after the deadline: not counted
            right = answer is not None and grading.is_correct(item, answer.response)
            if answer is not None:
                AttemptAnswer.objects.filter(pk=answer.pk).update(
                    is_correct=right, points=item["points"] if right else 0
                )
            if right:
                score += item["points"]
                correct += 1
        percent = score * 100 / attempt.max_score if attempt.max_score else 0
        quiz = attempt.quiz
        transition(
            attempt,
            ATTEMPT_MACHINE,
            AttemptState.SUBMITTED,
            actor=user,
            org=attempt.org,
            fields={
                "submitted_at": min(now, attempt.deadline) if late and attempt.deadline else now,
                "auto_submitted": auto or late,
                "score": score,
                "correct": correct,
                "passed": percent >= quiz.pass_percent,
            },
            data={
                "quiz_id": quiz.pk,
                "quiz_kind": quiz.kind,
                "user_id": attempt.user_id,
                "number": attempt.number,
                "score": score,
                "max_score": attempt.max_score,
                "passed": percent >= quiz.pass_percent,
                "title": quiz.title,
            },
        )
        if quiz.kind == QuizKind.LEVEL:
            from xianfeng.study.services.competitions import entry_refresh

            entry_refresh(attempt)
    if late and not auto:
        raise Refused("已超过交卷时间，系统已按截止时保存的答案自动交卷")
    return attempt


def attempt_expire_if_due(attempt: Attempt, *, now: datetime.datetime | None = None) -> Attempt:
    """An attempt past its deadline is submitted by the server (on any read, and by the
    periodic sweep)."""
    now = now or timezone.now()
    if (
        attempt.state == AttemptState.IN_PROGRESS
        and attempt.deadline is not None
        and now > attempt.deadline + GRACE
    ):
        return attempt_submit(user=None, attempt=attempt, now=now, auto=True)
    return attempt


def attempts_submit_due(now: datetime.datetime | None = None) -> int:
    """The periodic sweep: submit every attempt whose deadline has passed."""
    now = now or timezone.now()
    due = Attempt.objects.filter(state=AttemptState.IN_PROGRESS, deadline__lt=now - GRACE).order_by(
        "deadline"
    )[:1000]
    done = 0
    for attempt in due:
        attempt_submit(user=None, attempt=attempt, now=now, auto=True)
        done += 1
    return done


def question_stats(quiz: Quiz) -> list[dict[str, Any]]:
    """Per question of the quiz: how many submitted papers held it and how many of them got
    it wrong (unanswered counts as wrong), most wrong first."""
    right: dict[int, dict[int, bool]] = {}
    for attempt_id, position, correct in AttemptAnswer.objects.filter(
        attempt__quiz=quiz, attempt__state=AttemptState.SUBMITTED
    ).values_list("attempt_id", "position", "is_correct"):
        right.setdefault(attempt_id, {})[position] = bool(correct)
    counts: dict[int, dict[str, Any]] = {}
    papers = Attempt.objects.filter(quiz=quiz, state=AttemptState.SUBMITTED).values_list(
        "pk", "paper"
    )
    for attempt_id, paper in papers.iterator(chunk_size=200):
        for position, item in enumerate(paper):
            entry = counts.setdefault(
                item["qid"], {"qid": item["qid"], "stem": item["stem"], "seen": 0, "wrong": 0}
            )
            entry["seen"] += 1
            entry["wrong"] += 0 if right.get(attempt_id, {}).get(position) else 1
    return sorted(counts.values(), key=lambda e: (-e["wrong"], e["qid"]))
