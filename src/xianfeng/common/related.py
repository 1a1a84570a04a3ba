"""What the apps above link to a record of an app below: a meeting's page lists the
点亮微心愿 campaign tied to it without the meetings app knowing the community app.

Each app above registers, in its AppConfig, a provider for a record kind (the codes of
common/records: "meetings.meeting"); the provider answers the links of one record for the
person looking, through its own selectors (one query at most). The record's page asks
`links_to(code, user, pk)` after it has found the record through its own selector, and
each link's page checks again who may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Link:
    label: str  # what it is: "点亮微心愿"
    title: str
    url: str
    note: str = ""  # a period, a state


Provider = Callable[[Any, int], list[Link]]  # (user, record pk)
_PROVIDERS: dict[str, list[Provider]] = {}


def register(code: str, provider: Provider) -> Provider:
    found = _PROVIDERS.setdefault(code, [])
    if provider not in found:
        found.append(provider)
    return provider


def links_to(code: str, user: Any, pk: int) -> list[Link]:
    return [link for provider in _PROVIDERS.get(code, []) for link in provider(user, pk)]
