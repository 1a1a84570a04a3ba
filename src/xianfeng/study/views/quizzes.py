"""考试 and 每日一练: the list, a quiz's page, taking an attempt (answers saved as the person
goes, the server's clock deciding), the result with explanations after submission, and
the organiser's results by person, branch and question (with Excel)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate
from xianfeng.common.types import AuthedRequest
from xianfeng.common.xlsx import XlsxWriter
from xianfeng.people.selectors import member_of
from xianfeng.study import grading
from xianfeng.study.bank import LETTERS
from xianfeng.study.enums import AttemptState
from xianfeng.study.models import Attempt, AttemptAnswer
from xianfeng.study.rules import manages_study_anywhere
from xianfeng.study.selectors import quizzes as sel
from xianfeng.study.services import quizzes as services


@login_required
def quiz_list(request: AuthedRequest) -> HttpResponse:
    now = timezone.now()
    quizzes = list(sel.quizzes_for(request.user)[:50])
    return render(
        request,
        "study/quiz_list.html",
        {
            "quizzes": quizzes,
            "now": now,
            "is_member": member_of(request.user) is not None,
            "daily": sel.today_daily(request.user),
            "manages": manages_study_anywhere(request.user),
            "managed": list(
                sel.quizzes_with_results_for(request.user)
                .filter(kind="exam")
                .select_related("org")
                .order_by("-id")[:20]
            )
            if manages_study_anywhere(request.user)
            else [],
        },
    )


@login_required
def quiz_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = sel.get_quiz_for_user(request.user, pk)
    attempts = sel.my_attempts(request.user, quiz)
    return render(
        request,
        "study/quiz_detail.html",
        {
            "quiz": quiz,
            "attempts": attempts,
            "in_progress": any(a.state == AttemptState.IN_PROGRESS for a in attempts),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def quiz_start(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = sel.get_quiz_for_user(request.user, pk)
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("study:quiz", pk=quiz.pk)
    return redirect("study:attempt", pk=attempt.pk)


@login_required
@require_POST
def daily_start(request: AuthedRequest) -> HttpResponse:
    try:
        attempt = services.daily_start(user=request.user)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("study:quizzes")
    return redirect("study:attempt", pk=attempt.pk)


def _answers(attempt: Attempt) -> dict[int, list[str]]:
    return dict(AttemptAnswer.objects.filter(attempt=attempt).values_list("position", "response"))


@login_required
def attempt_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """Before submission: the questions without key or explanation. After: the result."""
    attempt = services.attempt_expire_if_due(sel.get_attempt_for_user(request.user, pk))
    answers = _answers(attempt)
    if attempt.state == AttemptState.SUBMITTED:
        items = [
            {
                **item,
                "position": i,
                "mine": grading.response_text(item, answers.get(i, [])),
                "right": grading.is_correct(item, answers.get(i, [])),
                "key_text": grading.key_text(item),
            }
            for i, item in enumerate(attempt.paper)
        ]
        return render(request, "study/attempt_result.html", {"attempt": attempt, "items": items})
    items = []
    for i, item in enumerate(attempt.paper):
        shown = grading.public_item(item, i)
        shown["choices"] = list(zip(LETTERS, shown["options"], strict=False))
        shown["mine"] = answers.get(i, [])
        items.append(shown)
    return render(
        request,
        "study/attempt_take.html",
        {"attempt": attempt, "items": items, "now": timezone.now()},
    )


def _posted(request: AuthedRequest, position: int) -> list[str]:
    return [v for v in request.POST.getlist(f"q{position}") if v is not None]


@login_required
@require_POST
def attempt_save(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx: save one question's answer (the fieldset that changed)."""
    attempt = sel.get_attempt_for_user(request.user, pk)
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        return HttpResponse("请刷新页面后重试", status=400)
    try:
        row = services.attempt_save(
            user=request.user,
            attempt=attempt,
            position=position,
            response=_posted(request, position),
        )
    except Refused as exc:
        # Time is up (submitted by the server) or the sheet is handed in: show the result.
        response = HttpResponse(exc.message, status=409)
        response["HX-Redirect"] = reverse("study:attempt", args=[attempt.pk])
        return response
    return HttpResponse(f"已保存 {timezone.localtime(row.saved_at):%H:%M:%S}")


@login_required
@require_POST
def attempt_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Hand in: answers posted with the form are saved first (a page without htmx), then
    the attempt is graded once."""
    attempt = sel.get_attempt_for_user(request.user, pk)
    try:
        if attempt.state == AttemptState.IN_PROGRESS:
            for position in range(len(attempt.paper)):
                if f"q{position}" in request.POST:
                    services.attempt_save(
                        user=request.user,
                        attempt=attempt,
                        position=position,
                        response=_posted(request, position),
                    )
        services.attempt_submit(user=request.user, attempt=attempt)
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("study:attempt", pk=attempt.pk)


@login_required
def quiz_results(request: AuthedRequest, pk: int) -> HttpResponse:
    """The organiser: results per person and per branch in their reach, and which questions
    most people got wrong; `?format=xlsx` for Excel."""
    if not manages_study_anywhere(request.user):
        raise PermissionDenied("只有书记、委员和组织管理员可以查看考试成绩")
    quiz = sel.get_managed_quiz(request.user, pk)
    attempts = sel.results_for(request.user, quiz)
    branches = sel.branch_results(attempts)
    questions = services.question_stats(quiz)[:20]
    if request.GET.get("format") == "xlsx":
        return _results_xlsx(quiz, attempts, branches, questions)
    return render(
        request,
        "study/quiz_results.html",
        {
            "quiz": quiz,
            "page": paginate(request, attempts),
            "branches": branches,
            "questions": questions,
        },
    )


def _results_xlsx(
    quiz: Any, attempts: Any, branches: list[dict[str, Any]], questions: list[dict[str, Any]]
) -> HttpResponse:
    book = XlsxWriter()
    people = book.sheet(
        "个人成绩",
        [
            "姓名",
            "所在组织",
            "第几次",
            "得分",
            "满分",
            "答对题数",
            "是否及格",
            "交卷时间",
            "到时自动交卷",
        ],
        widths=[12, 24, 8, 8, 8, 10, 10, 18, 12],
        preamble=[f"{quiz.title} 成绩"],
    )
    for a in attempts.iterator():
        people.append(
            [
                a.user.name or a.user.username,
                a.org.name if a.org else "",
                a.number,
                a.score,
                a.max_score,
                a.correct,
                "及格" if a.passed else "不及格",
                a.submitted_at,
                "是" if a.auto_submitted else "否",
            ]
        )
    by_branch = book.sheet(
        "各支部", ["组织", "参考人数", "平均分", "及格人数"], widths=[24, 10, 10, 10]
    )
    for b in branches:
        by_branch.append([b["org"], b["people"], b["average"], b["passed"]])
    by_question = book.sheet("易错题", ["题目", "作答人次", "答错人次"], widths=[60, 10, 10])
    for q in questions:
        by_question.append([q["stem"], q["seen"], q["wrong"]])
    return book.response(f"{quiz.title}成绩.xlsx", ascii_filename=f"quiz-{quiz.pk}.xlsx")
