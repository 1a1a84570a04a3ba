"""Reads of 现场竞答: who may reach a room (the members of its org's subtree play; the
host and the org's officers host) and the live leaderboard, kept in the cache for a
moment so a room full of polling screens costs one query every few seconds."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from xianfeng.orgs import paths
from xianfeng.orgs.selectors import scope_q
from xianfeng.people.selectors import member_of
from xianfeng.study import grading
from xianfeng.study.bank import LETTERS
from xianfeng.study.enums import QuestionKind, RoomState
from xianfeng.study.models import QuizRoom, RoomAnswer
from xianfeng.study.rules import STUDY_MANAGE_ROLES

BOARD_SECONDS = 2
BOARD_SIZE = 20
SCREEN_BOARD_SIZE = 10  # what a TV across a room can show legibly


def rooms_for(user: Any) -> QuerySet[QuizRoom]:
    member = member_of(user)
    if member is None:
        return QuizRoom.objects.none()
    return QuizRoom.objects.filter(org_id__in=paths.ids_in(member.org.path)).select_related("org")


def rooms_hosted_by(user: Any) -> QuerySet[QuizRoom]:
    if not getattr(user, "is_authenticated", False):
        return QuizRoom.objects.none()
    return QuizRoom.objects.filter(
        Q(host_id=user.pk) | scope_q(user, STUDY_MANAGE_ROLES, field="org__path")
    ).select_related("org")


def get_room_to_play(user: Any, pk: int) -> QuizRoom:
    room = rooms_for(user).filter(pk=pk).first()
    if room is None:
        raise Http404("找不到这场现场竞答")
    return room


def get_room_by_code(user: Any, code: str) -> QuizRoom:
    """The unfinished room with this code that the person may play; 404 otherwise."""
    room = (
        rooms_for(user)
        .filter(code=code.strip())
        .exclude(state=RoomState.FINISHED)
        .order_by("-id")
        .first()
    )
    if room is None:
        raise Http404("没有这个房间号的现场竞答")
    return room


def get_room_to_host(user: Any, pk: int) -> QuizRoom:
    room = rooms_hosted_by(user).filter(pk=pk).first()
    if room is None:
        raise Http404("找不到这场现场竞答")
    return room


def _scored(room: QuizRoom) -> QuerySet[RoomAnswer]:
    """The answers whose points may be shown: while a question is being asked its answers
    are left out, or the board would rise for the right ones and give the answer away
    before the reveal."""
    answers = RoomAnswer.objects.filter(room=room)
    if room.state == RoomState.ASKING:
        answers = answers.exclude(position=room.current)
    return answers


def board(room: QuizRoom) -> list[dict[str, Any]]:
    """The top of the room: total points, right answers (one query, then cached). The key
    names the step, so a board cached while a question was asked is not served after its
    reveal: the new points show the moment the answer does."""
    key = f"study:room:{room.pk}:board:{room.state}:{room.current}"
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        rows = [
            dict(row)
            for row in _scored(room)
            .values("user_id", "user__name", "org__name")
            .annotate(
                total=Sum("points"),
                right=Count("pk", filter=Q(correct=True)),
                last=Max("answered_at"),
            )
            .order_by("-total", "last", "user_id")[:BOARD_SIZE]
        ]
        cache.set(key, rows, BOARD_SECONDS)
    return rows


def answered_count(room: QuizRoom) -> int:
    if room.current < 0:
        return 0
    return RoomAnswer.objects.filter(room=room, position=room.current).count()


def my_answer(user: Any, room: QuizRoom) -> RoomAnswer | None:
    if room.current < 0:
        return None
    return RoomAnswer.objects.filter(room=room, user_id=user.pk, position=room.current).first()


def my_total(user: Any, room: QuizRoom) -> int:
    """The person's points in the room so far (answers to questions not yet revealed
    included only once revealed, so the total never tells right from wrong early)."""
    answers = _scored(room).filter(user_id=user.pk)
    return int(answers.aggregate(total=Sum("points"))["total"] or 0)


def seconds_left(room: QuizRoom) -> int:
    if room.state != RoomState.ASKING or room.asked_at is None:
        return 0
    return max(0, room.seconds - int((timezone.now() - room.asked_at).total_seconds()))


def shown_question(room: QuizRoom) -> dict[str, Any] | None:
    """The question on screen; the key only once the host revealed it."""
    if room.current < 0 or room.state == RoomState.WAITING:
        return None
    item = room.paper[room.current]
    shown = grading.public_item(item, room.current)
    kind = item["kind"]
    shown["kind_label"] = QuestionKind(kind).label
    if kind == QuestionKind.JUDGE:
        shown["choices"] = [("T", "对"), ("F", "错")]
    elif kind == QuestionKind.BLANK:
        shown["choices"] = []
    else:
        shown["choices"] = list(zip(LETTERS, shown["options"], strict=False))
    shown["one_tap"] = kind in (QuestionKind.SINGLE, QuestionKind.JUDGE)
    if room.state in (RoomState.REVEALED, RoomState.FINISHED):
        shown["key_text"] = grading.key_text(item)
        shown["explanation"] = item["explanation"]
    return shown


# --- a site's TV (common/screens.py): the rooms of the site's own org --------------------


def rooms_on_screen(org: Any) -> QuerySet[QuizRoom]:
    """The rooms a site's big screen may run with its remote: its own org's (a village's
    TV runs the village's room, never the town's that every village plays: each village
    pressing OK would move it for all)."""
    if getattr(org, "pk", None) is None:
        return QuizRoom.objects.none()
    return QuizRoom.objects.filter(org_id=org.pk).select_related("org")


def rooms_viewable_on_screen(org: Any) -> QuerySet[QuizRoom]:
    """The rooms a site's big screen may show: its own org's and those of the orgs above it
    (the town's room, which the village's members play on their phones: `rooms_for`), the
    latter read-only. Never a sibling's."""
    if getattr(org, "pk", None) is None:
        return QuizRoom.objects.none()
    return QuizRoom.objects.filter(org_id__in=paths.ids_in(org.path)).select_related("org")


def get_room_on_screen(org: Any, pk: int, *, drive: bool = True) -> QuizRoom:
    """A room the screen may run (`drive`), or only show; 404 otherwise."""
    rooms = rooms_on_screen(org) if drive else rooms_viewable_on_screen(org)
    room = rooms.filter(pk=pk).first()
    if room is None:
        raise Http404("找不到这场现场竞答")
    return room


NEXT_STEP = {
    RoomState.WAITING: "出题",
    RoomState.ASKING: "公布答案",
    RoomState.REVEALED: "下一题",
}


def screen_state(room: QuizRoom, *, read_only: bool = False) -> dict[str, Any]:
    """What the wall shows (the host's screen in JSON): no key and no points for the
    question being asked until its reveal. `read_only`: a screen that only shows the room
    (another org's host runs it) is offered no step."""
    question = shown_question(room)
    total = len(room.paper)
    step = NEXT_STEP.get(RoomState(room.state), "")
    if room.state == RoomState.REVEALED and room.current + 1 >= total:
        step = "结束竞答"
    if read_only:
        step = ""
    shown = None
    if question is not None:
        shown = {
            "position": question["position"],
            "kind": question["kind"],
            "kind_label": str(question["kind_label"]),
            "stem": question["stem"],
            "choices": [{"letter": k, "text": v} for k, v in question["choices"]],
            "key_text": question.get("key_text"),
            "explanation": question.get("explanation"),
        }
    return {
        "id": room.pk,
        "title": room.title,
        "org": room.org.name,
        "code": room.code,
        "state": room.state,
        "current": room.current,
        "total": total,
        "seconds": room.seconds,
        "seconds_left": seconds_left(room),
        "answered": answered_count(room),
        "question": shown,
        "next_step": step,
        "read_only": read_only,
        "board": [
            {
                "rank": i,
                "name": row["user__name"],
                "org": row["org__name"] or "",
                "right": row["right"],
                "points": row["total"],
            }
            for i, row in enumerate(board(room)[:SCREEN_BOARD_SIZE], start=1)
        ],
    }
