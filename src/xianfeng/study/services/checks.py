"""知识检测 on a lesson: a few questions after the video, chosen by the lesson's author or
an officer from the banks that reach the lesson's org (or written there, into its bank).
Taking it is an attempt like any other: the paper frozen on the server, no key before it
is handed in, then every answer with its explanation; passing earns learning points once
(the `study.check` rule)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.rules import can_manage_lessons, is_lesson_owner
from xianfeng.people.models import User
from xianfeng.study import bank
from xianfeng.study.enums import AttemptState, QuestionKind, QuizKind
from xianfeng.study.models import Attempt, Question, Quiz
from xianfeng.study.rules import can_manage_study
from xianfeng.study.selectors.bank import questions_usable_at
from xianfeng.study.services import quizzes

MAX_CHECK_QUESTIONS = 10
CHECK_ATTEMPTS = 3
CHECK_PASS_PERCENT = 60


def can_set_check(user: Any, lesson: Lesson) -> bool:
    """The lesson's author or speaker, or an officer of its org (lessons or study)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        is_lesson_owner(user, lesson)
        or can_manage_lessons(user, lesson.org)
        or can_manage_study(user, lesson.org)
    )


def check_of(lesson: Lesson) -> Quiz | None:
    return Quiz.objects.filter(lesson=lesson, kind=QuizKind.CHECK).first()


def check_set_questions(*, actor: User, lesson: Lesson, question_ids: list[int]) -> Quiz | None:
    """Set the check's questions (in this order). No questions: the check is taken down
    (attempts already made are kept)."""
    if not can_set_check(actor, lesson):
        raise PermissionDenied("只有本课的作者和组织的书记、委员可以设置知识检测")
    ids = list(dict.fromkeys(int(i) for i in question_ids))
    if len(ids) > MAX_CHECK_QUESTIONS:
        raise Refused(f"知识检测最多 {MAX_CHECK_QUESTIONS} 道题", field="questions")
    found = set(questions_usable_at(lesson.org).filter(pk__in=ids).values_list("pk", flat=True))
    if len(found) != len(ids):
        raise Refused("有的题目不在本组织可用的题库中", field="questions")
    with transaction.atomic():
        check = Quiz.objects.select_for_update().filter(lesson=lesson).first()
        if check is None:
            if not ids:
                return None
            return quizzes.quiz_create(
                actor=actor,
                org=lesson.org,
                kind=QuizKind.CHECK,
                title=f"《{lesson.title}》知识检测",
                paper={"fixed": ids},
                pass_percent=CHECK_PASS_PERCENT,
                attempts_allowed=CHECK_ATTEMPTS,
                shuffle=False,
                lesson=lesson,
            )
        check.paper = {"fixed": ids} if ids else {"fixed": []}
        check.is_published = bool(ids)
        check.title = f"《{lesson.title}》知识检测"[:100]
        check.save(update_fields=["paper", "is_published", "title"])
        audit_log(
            actor=actor, action="quiz.check_set", obj=check, org=lesson.org, data={"ids": ids}
        )
    return check


def check_write_question(
    *,
    actor: User,
    lesson: Lesson,
    kind: str,
    stem: str,
    options: list[str],
    answer: str,
    explanation: str = "",
) -> Question:
    """Write a question for the lesson's check: it goes into the bank of the lesson's org
    (the same question already there is reused) and onto the end of the check."""
    if not can_set_check(actor, lesson):
        raise PermissionDenied("只有本课的作者和组织的书记、委员可以设置知识检测")
    stem = " ".join(stem.split())
    if is_blank(stem):
        raise Refused("请填写题干", field="stem")
    if len(stem) > 500:
        raise Refused("题干最多 500 个字", field="stem")
    if kind not in QuestionKind.values:
        raise Refused("请选择题型", field="kind")
    options = [" ".join(o.split()) for o in options if not is_blank(o)]
    answer = answer.strip()
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if not 2 <= len(options) <= len(bank.LETTERS):
            raise Refused("选择题请填写 2 到 6 个选项", field="options")
        try:
            key = bank.read_choice_answer(answer, kind, len(options))
        except bank.RowError as exc:
            raise Refused(exc.message, field="answer") from exc
        if kind == QuestionKind.SINGLE and len(key) != 1:
            raise Refused("单选题只能有一个正确答案", field="answer")
    elif kind == QuestionKind.JUDGE:
        options = []
        try:
            key = bank.read_judge_answer(answer)
        except bank.RowError as exc:
            raise Refused(exc.message, field="answer") from exc
    else:
        options = []
        try:
            key = bank.read_blank_answer(answer)
        except bank.RowError as exc:
            raise Refused(
                "请填写填空题的答案（多个可接受的答案用 | 分开）", field="answer"
            ) from exc
    current = check_of(lesson)
    ids = list(current.paper.get("fixed", [])) if current else []
    if len(ids) >= MAX_CHECK_QUESTIONS:
        raise Refused(f"知识检测最多 {MAX_CHECK_QUESTIONS} 道题", field="stem")
    print_ = bank.fingerprint(kind, stem)
    with transaction.atomic():
        question, _ = Question.objects.get_or_create(
            org=lesson.org,
            fingerprint=print_,
            defaults={
                "kind": kind,
                "stem": stem,
                "options": options,
                "answer": key,
                "explanation": explanation.strip()[:2000],
                "tags": ["微党课"],
                "source": f"微党课《{lesson.title}》"[:200],
                "created_by": actor,
            },
        )
        if not question.is_active:
            Question.objects.filter(pk=question.pk).update(is_active=True)
        if question.pk not in ids:
            check_set_questions(actor=actor, lesson=lesson, question_ids=[*ids, question.pk])
    return question


def check_start(*, user: User, check: Quiz, now: datetime.datetime | None = None) -> Attempt:
    """Start (or continue) the person's check. The caller has shown the person may see
    the lesson; any logged-in viewer may take it, at most CHECK_ATTEMPTS times."""
    now = now or timezone.now()
    if check.kind != QuizKind.CHECK or not check.is_published or not check.paper.get("fixed"):
        raise Refused("这节课还没有知识检测")
    lesson = check.lesson
    if lesson is None or lesson.state != LessonState.PUBLISHED:
        raise Refused("课程发布后才能做知识检测")
    open_one = Attempt.objects.filter(quiz=check, user=user, state=AttemptState.IN_PROGRESS).first()
    if open_one is not None:
        return open_one
    done = Attempt.objects.filter(quiz=check, user=user).count()
    if done >= check.attempts_allowed:
        raise Refused(f"知识检测每人可做 {check.attempts_allowed} 次，您已做完")
    return quizzes._new_attempt(
        user=user, quiz=check, org=quizzes._member_org(user), number=done + 1, now=now
    )
