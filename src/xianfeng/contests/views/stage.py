"""Pages of an on-stage round (走上讲台讲党课): the host's console, the judge's scoring
sheet on a phone, the big-screen scoreboard. They render the same state the API's stage
endpoint returns, and stage.js keeps them live by polling it."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.contests import services
from xianfeng.contests.enums import StageState
from xianfeng.contests.forms import StageEntryForm
from xianfeng.contests.models import Review
from xianfeng.contests.rules import can_organise
from xianfeng.contests.selectors import (
    get_stage_round,
    get_stage_slot,
    judge_of,
    judge_queue,
    queue_entry_for_judge,
    stage_state,
)
from xianfeng.people.selectors import member_of, user_by_login


def _api_url(contest_id: int, number: int) -> str:
    return f"/api/v1/contests/{contest_id}/rounds/{number}/stage"


@login_required
def host(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    """The host's console: the order of speakers, the running speech's clock, start, stop
    and reveal, how many judges have submitted; adding a speaker and the draw."""
    contest, round_ = get_stage_round(request.user, pk, number)
    if not can_organise(request.user, contest):
        raise Http404("找不到该页面")
    state = stage_state(request.user, contest, round_)
    return render(
        request,
        "contests/stage_host.html",
        {
            "contest": contest,
            "round": round_,
            "state": state,
            "form": StageEntryForm(),
            "api": _api_url(contest.pk, round_.number),
            "started": any(s["state"] != StageState.WAITING for s in state["slots"]),
        },
    )


@login_required
@require_POST
def host_action(request: AuthedRequest, pk: int, number: int, action: str) -> HttpResponse:
    contest, round_ = get_stage_round(request.user, pk, number)
    if not can_organise(request.user, contest):
        raise Http404("找不到该页面")
    try:
        if action == "add":
            form = StageEntryForm(request.POST)
            if not form.is_valid():
                raise Refused("请填写选手的手机号或用户名和演讲题目")
            who = user_by_login(form.cleaned_data["who"])
            member = member_of(who) if who is not None else None
            if member is None:
                raise Refused("找不到该党员，请核对手机号或用户名")
            services.stage_entry_add(
                actor=request.user,
                round_=round_,
                speaker=member,
                topic=form.cleaned_data["topic"],
            )
            messages.success(request, f"已添加选手 {member.user.name}")
        elif action == "draw":
            services.stage_draw(actor=request.user, round_=round_)
            messages.success(request, "已抽签排定出场顺序")
        elif action in ("start", "stop", "reveal"):
            slot = get_stage_slot(round_, int_param(request.POST.get("entry"), field="entry"))
            if action == "start":
                services.stage_start(actor=request.user, slot=slot)
            elif action == "stop":
                services.stage_stop(actor=request.user, slot=slot)
            else:
                services.stage_reveal(
                    actor=request.user, slot=slot, allow_missing=request.POST.get("force") == "1"
                )
                messages.success(request, f"已揭晓 {slot.entry.lesson.speaker_name} 的成绩")
        else:
            raise Http404("未知操作")
    except (Refused, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    return redirect("contests:stage_host", pk=pk, number=number)


@login_required
@require_http_methods(["GET", "POST"])
def judge(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    """A judge's sheet: the speaker on stage with the round's rubric; scores typed during
    the speech and submitted at its end. stage.js queues a submission on the device while
    the connection is down; without script the form posts here."""
    contest, round_ = get_stage_round(request.user, pk, number)
    if judge_of(request.user, round_) is None:
        raise Http404("您不是本轮评委")
    criteria = list(round_.criteria.order_by("order", "id"))
    if request.method == "POST":
        entry = queue_entry_for_judge(
            request.user, round_, int_param(request.POST.get("entry"), field="entry") or 0
        )
        try:
            services.review_save(
                judge=request.user,
                round_=round_,
                entry=entry,
                scores={c.pk: request.POST.get(f"score_{c.pk}", "") for c in criteria},
                feedback=request.POST.get("feedback", ""),
                client_key=request.POST.get("key", ""),
            )
        except (Refused, PermissionDenied) as exc:
            messages.error(request, getattr(exc, "message", None) or str(exc))
        else:
            messages.success(request, f"已提交对 {entry.lesson.speaker_name} 的评分")
        return redirect("contests:stage_judge", pk=pk, number=number)
    state = stage_state(request.user, contest, round_)
    mine = {
        r.entry_id: r
        for r in Review.objects.filter(round=round_, judge_id=request.user.pk).only(
            "entry_id", "scores", "feedback"
        )
    }
    # Scoreable: the judge's queue (assignments and conflicts of interest applied).
    allowed = {item.entry.pk for item in judge_queue(request.user, round_)}
    sheets: list[dict[str, Any]] = []
    for slot in state["slots"]:
        if slot["entry_id"] not in allowed:
            continue
        review = mine.get(slot["entry_id"])
        sheets.append(
            {
                "slot": slot,
                "values": [
                    (c, review.scores.get(str(c.pk), "") if review else "") for c in criteria
                ],
                "feedback": review.feedback if review else "",
                "key": uuid.uuid4().hex,
            }
        )
    return render(
        request,
        "contests/stage_judge.html",
        {
            "contest": contest,
            "round": round_,
            "state": state,
            "sheets": sheets,
            "api": _api_url(contest.pk, round_.number),
            "post_url": reverse("contests:stage_judge", args=[contest.pk, round_.number]),
        },
    )


@login_required
def board(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    """The big screen: order, the speech's clock, revealed scores and ranks, updated live."""
    contest, round_ = get_stage_round(request.user, pk, number)
    state = stage_state(request.user, contest, round_)
    return render(
        request,
        "contests/stage_board.html",
        {
            "contest": contest,
            "round": round_,
            "state": state,
            "api": _api_url(contest.pk, round_.number),
        },
    )
