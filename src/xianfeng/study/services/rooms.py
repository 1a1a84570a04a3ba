"""现场竞答: the host makes a room from the bank (every kind: 单选 and 判断 answered with one
tap, 多选 ticked then sent, 填空 typed), asks one question at a time, reveals it and moves
on; phones of the members of the room's org answer within the limit; a right answer
scores more the sooner it came. Right or wrong is the quizzes' rule (grading.py): 多选
all or nothing, 填空 compared width-, space- and case-insensitively."""

from __future__ import annotations

import datetime
import random
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.study import grading
from xianfeng.study.enums import (
    ROOM_BASE_POINTS,
    ROOM_GRACE_SECONDS,
    ROOM_SPEED_POINTS,
    QuestionKind,
    RoomState,
)
from xianfeng.study.models import QuizRoom, RoomAnswer
from xianfeng.study.rules import can_manage_study
from xianfeng.study.selectors.bank import questions_usable_at

MAX_ROOM_QUESTIONS = 30
EMPTY_ANSWER = {
    QuestionKind.SINGLE: "请选择一个答案",
    QuestionKind.JUDGE: "请选择“对”或“错”",
    QuestionKind.MULTIPLE: "请至少选择一个答案",
    QuestionKind.BLANK: "请填写答案",
}


def room_create(
    *,
    actor: User,
    org: Org,
    title: str,
    count: int,
    seconds: int,
    tag: str = "",
    kinds: Sequence[str] = (),
) -> QuizRoom:
    """Draw `count` questions from the banks that reach `org` (of `kinds`, or any kind)."""
    if not can_manage_study(actor, org):
        raise PermissionDenied("您不能为该组织主持现场竞答")
    title = " ".join(title.split())
    if is_blank(title):
        raise Refused("请填写名称", field="title")
    if not 1 <= count <= MAX_ROOM_QUESTIONS:
        raise Refused(f"题数应在 1 到 {MAX_ROOM_QUESTIONS} 之间", field="count")
    if not 5 <= seconds <= 120:
        raise Refused("每题限时应在 5 到 120 秒之间", field="seconds")
    if any(kind not in QuestionKind.values for kind in kinds):
        raise Refused("题型不对", field="kinds")
    pool = questions_usable_at(org)
    if kinds:
        pool = pool.filter(kind__in=kinds)
    if tag:
        pool = pool.filter(tags__icontains=f'"{tag}"')
    questions = list(pool.order_by("pk"))
    if len(questions) < count:
        raise Refused(f"题库中可用的题只有 {len(questions)} 道", field="count")
    rng = random.Random(secrets.randbits(64))
    paper = [
        grading.make_item(q, rng=rng, shuffle=True, points=ROOM_BASE_POINTS)
        for q in rng.sample(questions, count)
    ]
    with transaction.atomic():
        room = QuizRoom.objects.create(
            org=org,
            host=actor,
            title=title[:100],
            paper=paper,
            seconds=seconds,
            code=_free_code(),
        )
        audit_log(actor=actor, action="room.create", obj=room, org=org, data={"title": title})
    return room


def _free_code() -> str:
    """Six digits no unfinished room holds (a finished room's code may come back)."""
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if not QuizRoom.objects.filter(code=code).exclude(state=RoomState.FINISHED).exists():
            return code


def can_host(user: Any, room: QuizRoom) -> bool:
    return getattr(user, "pk", None) == room.host_id or can_manage_study(user, room.org)


def room_advance(*, actor: User, room: QuizRoom, now: datetime.datetime | None = None) -> QuizRoom:
    """The host's one button: ask the next question, reveal the one asked, or finish.
    Two taps at once move it one step (the row is locked and the step it was on sent)."""
    if not can_host(actor, room):
        raise PermissionDenied("只有主持人可以操作")
    return _step(room, actor=actor, now=now or timezone.now())


def room_advance_on_screen(
    *,
    org: Org,
    room: QuizRoom,
    label: str,
    now: datetime.datetime | None = None,
) -> QuizRoom:
    """The same step pressed with the OK key of the remote at a site of the room's own org
    (a village's TV runs the village's room); `room` carries the step the TV showed. The
    audit row names the screen, there being no person behind it."""
    if room.org_id != org.pk:
        raise PermissionDenied("该站点不能主持这场现场竞答")
    return _step(room, actor=None, now=now or timezone.now(), screen=label)


def _step(
    room: QuizRoom, *, actor: User | None, now: datetime.datetime, screen: str = ""
) -> QuizRoom:
    with transaction.atomic():
        locked = QuizRoom.objects.select_for_update().get(pk=room.pk)
        if (locked.state, locked.current) != (room.state, room.current):
            return locked  # another tap already moved it
        if locked.state == RoomState.ASKING:
            locked.state = RoomState.REVEALED
        elif locked.state in (RoomState.WAITING, RoomState.REVEALED):
            if locked.current + 1 >= len(locked.paper):
                locked.state = RoomState.FINISHED
            else:
                locked.current += 1
                locked.state = RoomState.ASKING
                locked.asked_at = now
        else:
            raise Refused("竞答已经结束")
        locked.save(update_fields=["state", "current", "asked_at"])
        audit_log(
            actor=actor,
            action=f"room.{locked.state}",
            obj=locked,
            org=locked.org,
            data={"current": locked.current, **({"screen": screen} if screen else {})},
        )
    return locked


def room_answer(
    *,
    user: User,
    org: Org | None,
    room: QuizRoom,
    position: int,
    response: list[str],
    now: datetime.datetime | None = None,
) -> RoomAnswer:
    """A phone's answer to the question on the screen; once; within the limit."""
    now = now or timezone.now()
    if room.state != RoomState.ASKING or position != room.current or room.asked_at is None:
        raise Refused("这道题已经停止作答")
    elapsed = (now - room.asked_at).total_seconds()
    if elapsed > room.seconds + ROOM_GRACE_SECONDS:
        raise Refused("时间到了，这道题不能再作答")
    item = room.paper[position]
    stored = grading.clean_response(item, response)
    if not stored:
        raise Refused(EMPTY_ANSWER[item["kind"]], field="response")
    right = grading.is_correct(item, stored)
    left = max(0.0, room.seconds - max(0.0, elapsed))
    points = ROOM_BASE_POINTS + round(ROOM_SPEED_POINTS * left / room.seconds) if right else 0
    try:
        with transaction.atomic():
            return RoomAnswer.objects.create(
                room=room,
                user=user,
                org=org,
                position=position,
                response=stored,
                correct=right,
                points=points,
                answered_at=now,
            )
    except IntegrityError:
        raise Refused("您已经答过这道题了") from None
