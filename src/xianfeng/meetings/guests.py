"""People a branch's meetings expect besides its own members, offered by higher apps in
their AppConfig.ready() (meetings never imports them): the 流动党员 a branch hosts for the
time they are with it (mobility). A source answers, for a branch and a day, the user ids
it adds; they attend the branch's 组织生活 as guests (no vote: quorum_of counts the
branch's own full members only)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

Source = Callable[[int, datetime.date], set[int]]  # (branch id, day) → user ids

_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    _sources[name] = source


def unregister(name: str) -> None:
    """For tests that register a source of their own."""
    _sources.pop(name, None)


def guest_user_ids(branch_id: int, day: datetime.date) -> set[int]:
    """Everyone the registered sources add to the branch's meetings on `day` (one query a
    source)."""
    found: set[int] = set()
    for source in _sources.values():
        found |= source(branch_id, day)
    return found
