"""Records that another app may point at as evidence (a meeting, an organised viewing):
each owning app registers the kinds it offers in its AppConfig, with how to find one
for a person and a branch through its own selector.

    records.register(RecordKind(
        code="meetings.meeting", label="三会一课", app="meetings",
        find=lambda user, branch, pk: …,      # one record or None
        choices=lambda user, branch, limit: …,  # the branch's latest, newest first
        url=lambda pk: reverse("meetings:detail", kwargs={"pk": pk}),
    ))

Both answer only records of `branch` (and the orgs below it) that `user` may see: a
reference is (kind code, id), and a miss, another branch's record or one the person may
not read, is None. The url of a record is its owning app's page, which checks again.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class RecordRef:
    """One record as evidence shows it."""

    kind: str
    pk: int
    title: str
    url: str
    when: datetime.datetime | datetime.date | None = None


@dataclass(frozen=True)
class RecordKind:
    code: str  # "meetings.meeting"
    label: str  # "三会一课"
    app: str
    find: Callable[[Any, Any, int], RecordRef | None]  # (user, branch org, pk)
    choices: Callable[[Any, Any, int], list[RecordRef]]  # (user, branch org, limit)
    url: Callable[[int], str]  # the record's page (which checks who may see it)
    # Offered as evidence for assessment's self-checks; False for a kind another app
    # links to for its own step (the 支部党员大会 that voted on a 发展对象).
    evidence: bool = True


_KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    if not CODE.match(kind.code):
        raise ValueError(f"record kind {kind.code!r}: app.name in lower case")
    known = _KINDS.get(kind.code)
    if known is not None and known.app != kind.app:
        raise ValueError(f"record kind {kind.code!r} is already {known.app}'s")
    _KINDS[kind.code] = kind
    return kind


def from_queryset(
    *,
    code: str,
    label: str,
    app: str,
    own: Callable[[Any, Any], Any],  # (user, branch org) -> the branch's records the user sees
    ref: Callable[[Any], RecordRef],
    url: Callable[[int], str],
    newest: tuple[str, ...] = ("-starts_at", "-pk"),
    evidence: bool = True,
) -> RecordKind:
    """A kind whose find and choices both read one scoped queryset, newest first."""

    def find(user: Any, branch: Any, pk: int) -> RecordRef | None:
        row = own(user, branch).filter(pk=pk).first()
        return ref(row) if row is not None else None

    def choices(user: Any, branch: Any, limit: int) -> list[RecordRef]:
        return [ref(row) for row in own(user, branch).order_by(*newest)[:limit]]

    return RecordKind(
        code=code, label=label, app=app, find=find, choices=choices, url=url, evidence=evidence
    )


def get(code: str) -> RecordKind | None:
    return _KINDS.get(code)


def kinds() -> list[RecordKind]:
    return list(_KINDS.values())


def unregister(code: str) -> None:
    """For tests that register a kind of their own."""
    _KINDS.pop(code, None)
