"""知识检测 on a lesson page: the lessons page loads this fragment after the video (one
line in its template); the study app owns the rest: starting, answering, the result with
every explanation, and the page where the author or an officer sets the questions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import get_lesson_for_user
from xianfeng.study import grading
from xianfeng.study.bank import LETTERS
from xianfeng.study.enums import AttemptState, QuestionKind
from xianfeng.study.forms import BankFilterForm, CheckQuestionForm
from xianfeng.study.models import Attempt, AttemptAnswer, Question, Quiz
from xianfeng.study.selectors.bank import question_search, questions_usable_at
from xianfeng.study.services import checks as services
from xianfeng.study.services import quizzes as quiz_services


def _back(lesson: Lesson) -> str:
    return reverse("lessons:detail", args=[lesson.pk]) + "#lesson-check"


def _context(request: HttpRequest, lesson: Lesson, check: Quiz | None) -> dict[str, Any]:
    user: Any = request.user
    ctx: dict[str, Any] = {
        "lesson": lesson,
        "check": check,
        "can_set": services.can_set_check(user, lesson),
        "count": len(check.paper.get("fixed", [])) if check else 0,
        "live": check is not None and check.is_published and lesson.is_published,
    }
    if not user.is_authenticated or check is None:
        return ctx
    attempts = list(Attempt.objects.filter(quiz=check, user_id=user.pk).order_by("-number"))
    latest = attempts[0] if attempts else None
    ctx["latest"] = latest
    ctx["attempts_left"] = max(0, check.attempts_allowed - len(attempts))
    ctx["passed"] = any(a.passed for a in attempts)
    if latest is None:
        return ctx
    answers = dict(AttemptAnswer.objects.filter(attempt=latest).values_list("position", "response"))
    if latest.state == AttemptState.SUBMITTED:
        ctx["review"] = [
            {
                "stem": item["stem"],
                "options": item["options"],
                "mine": grading.response_text(item, answers.get(i, [])),
                "right": grading.is_correct(item, answers.get(i, [])),
                "key_text": grading.key_text(item),
                "explanation": item["explanation"],
            }
            for i, item in enumerate(latest.paper)
        ]
    else:
        items = []
        for i, item in enumerate(latest.paper):
            shown = grading.public_item(item, i)
            shown["choices"] = list(zip(LETTERS, shown["options"], strict=False))
            shown["mine"] = answers.get(i, [])
            items.append(shown)
        ctx["items"] = items
    return ctx


def _fragment(request: HttpRequest, lesson: Lesson, *, error: str = "") -> HttpResponse:
    check = services.check_of(lesson)
    ctx = _context(request, lesson, check)
    if not ctx["live"] and not ctx["can_set"]:
        return HttpResponse("")  # nothing to show: the placeholder goes away
    ctx["error"] = error
    return render(request, "study/_lesson_check.html", ctx)


@require_GET
def lesson_check(request: HttpRequest, lesson_pk: int) -> HttpResponse:
    """The fragment under the lesson's video (404 for a lesson the person may not see)."""
    lesson = get_lesson_for_user(request.user, lesson_pk)
    return _fragment(request, lesson)


def _answer(request: HttpRequest, lesson: Lesson, error: str = "") -> HttpResponse:
    if request.headers.get("HX-Request"):
        return _fragment(request, lesson, error=error)
    if error:
        messages.error(request, error)
    return redirect(_back(lesson))


@login_required
@require_POST
def lesson_check_start(request: AuthedRequest, lesson_pk: int) -> HttpResponse:
    lesson = get_lesson_for_user(request.user, lesson_pk)
    check = services.check_of(lesson)
    try:
        if check is None:
            raise Refused("这节课还没有知识检测")
        services.check_start(user=request.user, check=check)
    except Refused as exc:
        return _answer(request, lesson, exc.message)
    return _answer(request, lesson)


@login_required
@require_POST
def lesson_check_submit(request: AuthedRequest, lesson_pk: int) -> HttpResponse:
    """Save every posted answer and hand the check in; a second submit counts once."""
    lesson = get_lesson_for_user(request.user, lesson_pk)
    check = services.check_of(lesson)
    attempt = (
        Attempt.objects.filter(quiz=check, user_id=request.user.pk).order_by("-number").first()
        if check is not None
        else None
    )
    if attempt is None:
        return _answer(request, lesson, "请先开始知识检测")
    try:
        if attempt.state == AttemptState.IN_PROGRESS:
            for position in range(len(attempt.paper)):
                if f"q{position}" in request.POST:
                    quiz_services.attempt_save(
                        user=request.user,
                        attempt=attempt,
                        position=position,
                        response=request.POST.getlist(f"q{position}"),
                    )
            quiz_services.attempt_submit(user=request.user, attempt=attempt)
    except Refused as exc:
        return _answer(request, lesson, exc.message)
    return _answer(request, lesson)


@login_required
def lesson_check_edit(request: AuthedRequest, lesson_pk: int) -> HttpResponse:
    """The author or an officer picks the questions from the bank or writes new ones."""
    lesson = get_lesson_for_user(request.user, lesson_pk)
    if not services.can_set_check(request.user, lesson):
        raise PermissionDenied("只有本课的作者和组织的书记、委员可以设置知识检测")
    check = services.check_of(lesson)
    ids: list[int] = list(check.paper.get("fixed", [])) if check else []
    form = CheckQuestionForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "write":
                form = CheckQuestionForm(request.POST)
                if form.is_valid():
                    d = form.cleaned_data
                    services.check_write_question(
                        actor=request.user,
                        lesson=lesson,
                        kind=d["kind"],
                        stem=d["stem"],
                        options=d["options"].splitlines(),
                        answer=d["answer"],
                        explanation=d["explanation"],
                    )
                    messages.success(request, "已加入知识检测，并存入本组织题库")
                    return redirect("study:lesson_check_edit", lesson_pk=lesson.pk)
            else:
                try:
                    target = int(request.POST.get("question", ""))
                except ValueError:
                    raise Refused("请选择题目") from None
                if action == "add":
                    new_ids = [*ids, target]
                elif action == "remove":
                    new_ids = [i for i in ids if i != target]
                elif action == "up" and target in ids and ids.index(target) > 0:
                    at = ids.index(target)
                    new_ids = ids[:]
                    new_ids[at - 1], new_ids[at] = new_ids[at], new_ids[at - 1]
                else:
                    new_ids = ids
                services.check_set_questions(
                    actor=request.user, lesson=lesson, question_ids=new_ids
                )
                return redirect("study:lesson_check_edit", lesson_pk=lesson.pk)
        except Refused as exc:
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                messages.error(request, exc.message)
    chosen_map = Question.objects.in_bulk(ids)
    chosen = [chosen_map[i] for i in ids if i in chosen_map]
    filters = BankFilterForm(request.GET or None)
    found: list[Question] = []
    if filters.is_valid() and any(filters.cleaned_data.values()):
        found = list(
            question_search(
                questions_usable_at(lesson.org).exclude(pk__in=ids),
                kind=filters.cleaned_data["kind"],
                text=filters.cleaned_data["q"],
                tag=filters.cleaned_data["tag"],
            )
            .select_related("org")
            .order_by("-id")[:30]
        )
    return render(
        request,
        "study/lesson_check_edit.html",
        {
            "lesson": lesson,
            "check": check,
            "chosen": chosen,
            "found": found,
            "filters": filters,
            "form": form,
            "kinds": dict(QuestionKind.choices),
            "max": services.MAX_CHECK_QUESTIONS,
        },
    )
