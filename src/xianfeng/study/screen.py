"""现场竞答 on a village site's TV (common/screens.py): the TV of a site lists the unfinished
rooms of its org and of the orgs above it, shows the one opened as the host's screen does
(question, time left, answers in, the answer once revealed, the leaderboard) and moves its
own org's room on with the remote's OK key, the same step as the host's button; a room of
an org above (the town's, which its members play too) it only shows."""

from __future__ import annotations

from typing import Any

from xianfeng.common import screens
from xianfeng.common.errors import Refused
from xianfeng.study.enums import RoomState
from xianfeng.study.selectors import rooms as sel
from xianfeng.study.services import rooms as services

KIND = "study.room"


def listing(org: Any) -> list[screens.Item]:
    rooms = list(
        sel.rooms_viewable_on_screen(org).exclude(state=RoomState.FINISHED).order_by("-id")[:10]
    )
    rooms.sort(key=lambda room: room.org_id != org.pk)  # its own first, newest first
    return [
        screens.Item(
            kind=KIND,
            id=room.pk,
            title=room.title,
            subtitle=(
                f"现场竞答 · 共 {len(room.paper)} 题 · 房间号 {room.code}"
                if room.org_id == org.pk
                else f"现场竞答 · {room.org.name}主持，本屏只看 · 共 {len(room.paper)} 题 · "
                f"房间号 {room.code}"
            ),
        )
        for room in rooms
    ]


def state(org: Any, pk: int) -> dict[str, Any]:
    room = sel.get_room_on_screen(org, pk, drive=False)
    return sel.screen_state(room, read_only=room.org_id != org.pk)


def advance(org: Any, pk: int, step: str, label: str) -> dict[str, Any]:
    """`step` is "state.current" as the screen showed it ("asking.2")."""
    room = sel.get_room_on_screen(org, pk)
    shown_state, _, shown_current = step.partition(".")
    if shown_state not in RoomState.values:
        raise Refused("操作已过期，请再按一次确定", field="step")
    try:
        room.current = int(shown_current)
    except ValueError:
        raise Refused("操作已过期，请再按一次确定", field="step") from None
    room.state = shown_state
    if room.state == RoomState.FINISHED:
        raise Refused("竞答已经结束")
    moved = services.room_advance_on_screen(org=org, room=room, label=label)
    return sel.screen_state(moved)


def register() -> None:
    screens.register(
        screens.Show(kind=KIND, label="现场竞答", listing=listing, state=state, advance=advance)
    )
