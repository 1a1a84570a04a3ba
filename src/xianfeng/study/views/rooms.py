"""现场竞答 pages: the host makes a room and runs it on the big screen (the question, the
time left, how many have answered, the leaderboard: a fragment polled every two seconds);
each phone polls its own fragment and answers: one tap for 单选 and 判断, ticks then 提交
for 多选, typing then 提交 for 填空. While a phone has an answer in hand the poll answers
204 (nothing changes), so half-ticked boxes and half-typed words are never swapped away."""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.forms import Form
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.selectors import member_of
from xianfeng.study import grading
from xianfeng.study.enums import QuestionKind, RoomState
from xianfeng.study.models import QuizRoom
from xianfeng.study.rules import STUDY_MANAGE_ROLES, manages_study_anywhere
from xianfeng.study.selectors import rooms as sel
from xianfeng.study.services import rooms as services


class RoomForm(Form):
    org = forms.ModelChoiceField(label="组织（面向其下全体党员）", queryset=Org.objects.none())
    title = forms.CharField(label="名称", max_length=100, initial="主题党日现场竞答")
    count = forms.IntegerField(label="题数", min_value=1, max_value=30, initial=10)
    seconds = forms.IntegerField(label="每题限时（秒）", min_value=5, max_value=120, initial=20)
    tag = forms.CharField(label="只抽这个标签的题（可不填）", max_length=20, required=False)
    kinds = forms.MultipleChoiceField(
        label="题型（不选则各种题型都抽）",
        choices=QuestionKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from xianfeng.study.forms import _org_choices

        _org_choices(self.fields["org"], orgs)


@login_required
def room_list(request: AuthedRequest) -> HttpResponse:
    hosts = manages_study_anywhere(request.user)
    form = RoomForm(request.POST or None, orgs=orgs_managed_by(request.user, STUDY_MANAGE_ROLES))
    if request.method == "POST":
        if not hosts:
            raise PermissionDenied("只有书记、委员和组织管理员可以主持现场竞答")
        if form.is_valid():
            d = form.cleaned_data
            try:
                room = services.room_create(
                    actor=request.user,
                    org=d["org"],
                    title=d["title"],
                    count=d["count"],
                    seconds=d["seconds"],
                    tag=d["tag"].strip(),
                    kinds=d["kinds"],
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("study:room_host", pk=room.pk)
    return render(
        request,
        "study/room_list.html",
        {
            "rooms": list(
                sel.rooms_for(request.user).exclude(state=RoomState.FINISHED).order_by("-id")[:20]
            ),
            # The last few that ended, with their final leaderboard one tap away.
            "finished": list(
                sel.rooms_for(request.user).filter(state=RoomState.FINISHED).order_by("-id")[:5]
            ),
            "hosted": list(sel.rooms_hosted_by(request.user).order_by("-id")[:20]) if hosts else [],
            "form": form if hosts else None,
        },
    )


@login_required
def room_host(request: AuthedRequest, pk: int) -> HttpResponse:
    room = sel.get_room_to_host(request.user, pk)
    return render(request, "study/room_host.html", _host_context(room))


def _host_context(room: QuizRoom) -> dict[str, Any]:
    return {
        "room": room,
        "question": sel.shown_question(room),
        "left": sel.seconds_left(room),
        "answered": sel.answered_count(room),
        "board": sel.board(room),
        "total": len(room.paper),
    }


@login_required
def room_host_state(request: AuthedRequest, pk: int) -> HttpResponse:
    room = sel.get_room_to_host(request.user, pk)
    return render(request, "study/room_host.html#screen", _host_context(room))


@login_required
@require_POST
def room_advance(request: AuthedRequest, pk: int) -> HttpResponse:
    room = sel.get_room_to_host(request.user, pk)
    # The step the host saw: a double tap moves the room once.
    room.state = request.POST.get("state", room.state)
    with contextlib.suppress(ValueError):
        room.current = int(request.POST.get("current", room.current))
    try:
        services.room_advance(actor=request.user, room=room)
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("study:room_host", pk=pk)


def _phone_version(room: QuizRoom, mine: Any, left: int) -> str:
    """What the phone shows, in a word: the poll carries it back, and while it is the same
    the poll answers 204 so a form in progress is left alone."""
    return f"{room.state}.{room.current}.{int(mine is not None)}.{int(left > 0)}"


def _play_context(request: AuthedRequest, room: QuizRoom, error: str = "") -> dict[str, Any]:
    mine = sel.my_answer(request.user, room)
    left = sel.seconds_left(room)
    return {
        "room": room,
        "question": sel.shown_question(room),
        "left": left,
        "version": _phone_version(room, mine, left),
        "mine": mine,
        "mine_text": grading.response_text(room.paper[room.current], mine.response)
        if mine is not None
        else "",
        "error": error,
        "total": len(room.paper),
        # Once it is over the phone shows the final leaderboard and the person's points.
        "board": sel.board(room) if room.state == RoomState.FINISHED else [],
        "my_total": sel.my_total(request.user, room) if room.state == RoomState.FINISHED else 0,
    }


@login_required
def room_play(request: AuthedRequest, pk: int) -> HttpResponse:
    room = sel.get_room_to_play(request.user, pk)
    return render(request, "study/room_play.html", _play_context(request, room))


@login_required
def room_play_state(request: AuthedRequest, pk: int) -> HttpResponse:
    room = sel.get_room_to_play(request.user, pk)
    context = _play_context(request, room)
    answering = room.state == RoomState.ASKING and context["mine"] is None
    if answering and request.GET.get("v") == context["version"]:
        return HttpResponse(status=204)
    return render(request, "study/room_play.html#phone", context)


@login_required
@require_POST
def room_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    room = sel.get_room_to_play(request.user, pk)
    member = member_of(request.user)
    error = ""
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = -1
    try:
        services.room_answer(
            user=request.user,
            org=member.org if member else None,
            room=room,
            position=position,
            response=request.POST.getlist("answer"),
        )
    except Refused as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        return render(request, "study/room_play.html#phone", _play_context(request, room, error))
    if error:
        messages.error(request, error)
    return redirect("study:room_play", pk=pk)
