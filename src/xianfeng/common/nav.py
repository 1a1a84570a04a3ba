"""The top navigation: each app registers its entry; the base template knows no app.

    nav.register(nav.Entry("lessons:feed", "微党课", order=10))
    nav.register(nav.Entry("people:member_list", "党员", order=50, visible=can_see_roster))

`visible(user)` decides per person (default: anyone logged in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


def _anyone(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str
    order: int = 100
    visible: Callable[[Any], bool] = _anyone


@dataclass(frozen=True)
class Link:
    url: str
    label: str


_entries: dict[str, Entry] = {}


def register(entry: Entry) -> None:
    _entries[entry.url_name] = entry


def links_for(user: Any) -> list[Link]:
    """The entries this person sees, in order (none for a visitor)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        Link(reverse(entry.url_name), entry.label)
        for entry in sorted(_entries.values(), key=lambda e: (e.order, e.url_name))
        if entry.visible(user)
    ]
