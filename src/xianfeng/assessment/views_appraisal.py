"""民主评议 pages: the list, starting one, and one page per appraisal whose forms depend on
who is looking (member: 自评 and the ballot; branch: open, close, propose; above: confirm)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xianfeng.assessment import selectors, services
from xianfeng.assessment.enums import Grade
from xianfeng.common.errors import Refused
from xianfeng.common.parse import int_param, year_param
from xianfeng.common.types import actor_of
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.selectors import get_org_for_user


@login_required
def appraisal_list(request: HttpRequest) -> HttpResponse:
    appraisals = selectors.appraisals_visible_to(request.user).order_by("-year", "org__path")
    return render(
        request,
        "assessment/appraisals.html",
        {
            "appraisals": appraisals[:200],
            "branches": selectors.branches_for_appraisal(request.user),
            "year": timezone.localdate().year,
        },
    )


@login_required
@require_POST
def appraisal_create(request: HttpRequest) -> HttpResponse:
    org = get_org_for_user(request.user, request.POST.get("org", ""), ROSTER_MANAGE_ROLES)
    year = year_param(request.POST.get("year"), default=timezone.localdate().year)
    share = int_param(
        request.POST.get("excellent_max_percent"),
        default=20,
        minimum=0,
        maximum=100,
        label="优秀比例上限",
    )
    try:
        appraisal = services.appraisal_create(
            actor=actor_of(request), org=org, year=year, excellent_max_percent=share or 0
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("assessment:appraisals")
    messages.success(request, "已发起民主评议：请党员先填写个人自评，然后开始互评。")
    return redirect("assessment:appraisal", pk=appraisal.pk)


@login_required
def appraisal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = selectors.get_appraisal_for_user(request.user, pk)
    page = selectors.appraisal_page(request.user, appraisal)
    return render(request, "assessment/appraisal.html", {"page": page, "grades": Grade.choices})


def _marks(request: HttpRequest, prefix: str) -> dict[int, str]:
    marks = {}
    for key in request.POST:
        if key.startswith(prefix):
            pk = int_param(key[len(prefix) :], label="参评党员")
            if pk is not None:
                marks[pk] = request.POST.get(key, "")
    return marks


@login_required
@require_POST
def appraisal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    appraisal = selectors.get_appraisal_for_user(request.user, pk)
    actor = actor_of(request)
    done = {
        "self": "个人自评已保存。",
        "vote": "投票成功。您的选票不记名，任何人都看不到您投给谁什么等次。",
        "open": "互评已开始，已通知参评党员。",
        "close": "互评已结束，票数已统计。",
        "propose": "组织评定意见已提交上级党组织确认。",
        "return": "已退回支部。",
        "confirm": "评定结果已确认，记入党员档案。",
    }
    if action not in done:
        raise PermissionDenied("无法执行该操作")
    try:
        if action == "self":
            services.self_assessment_save(
                actor=actor, appraisal=appraisal, text=request.POST.get("text", "")
            )
        elif action == "vote":
            services.ballot_cast(actor=actor, appraisal=appraisal, marks=_marks(request, "m-"))
        elif action == "open":
            services.voting_open(actor=actor, appraisal=appraisal)
        elif action == "close":
            services.voting_close(actor=actor, appraisal=appraisal)
        elif action == "propose":
            grades = {
                pk: (grade, request.POST.get(f"n-{pk}", ""))
                for pk, grade in _marks(request, "g-").items()
            }
            services.grades_propose(actor=actor, appraisal=appraisal, grades=grades)
        elif action == "return":
            services.appraisal_return(
                actor=actor, appraisal=appraisal, reason=request.POST.get("reason", "")
            )
        else:
            services.appraisal_confirm(actor=actor, appraisal=appraisal)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done[action])
    return redirect("assessment:appraisal", pk=appraisal.pk)


__all__ = ["appraisal_action", "appraisal_create", "appraisal_detail", "appraisal_list"]
