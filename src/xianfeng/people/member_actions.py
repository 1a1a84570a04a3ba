"""Actions on a member's page that higher apps offer (组织关系转接 …), registered in their
AppConfig.ready(): people never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class MemberAction:
    label: str
    url_name: str  # takes the member's pk
    visible: Callable[[Any, Any], bool]  # (user, member) → shown?


_actions: dict[str, MemberAction] = {}


def register(action: MemberAction) -> None:
    _actions[action.url_name] = action


def actions_for(user: Any, member: Any) -> list[tuple[str, str]]:
    """(label, url) of the actions the person may take on the member."""
    return [
        (a.label, reverse(a.url_name, args=[member.pk]))
        for a in _actions.values()
        if a.visible(user, member)
    ]
