"""One way to change state: a declared transition table per model, one function that
applies it.

An app declares its machine once, beside its states:

    LESSON_MACHINE = StateMachine(
        name="lesson", label="微党课", states=LessonState,
        transitions={LessonState.DRAFT: {LessonState.SUBMITTED}, …},
    )

and its services change state only through

    transition(lesson, LESSON_MACHINE, LessonState.SUBMITTED, actor=user, org=lesson.org,
               fields={"submitted_at": now})

which refuses an illegal move with one clear message, sets the state and the other fields,
saves, and publishes the domain event "<name>.<new state>" (an audit row; subscribers hear
of it after the commit). Call it inside the service's transaction, on a locked row.
Nowhere else is `obj.state = …` written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from xianfeng.audit import events
from xianfeng.common.errors import Refused

if TYPE_CHECKING:
    from xianfeng.people.models import User

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class StateMachine:
    name: str  # event prefix: "lesson" → "lesson.published"
    label: str  # how the message names the thing: "微党课"
    states: type[models.TextChoices]
    transitions: Mapping[str, frozenset[str] | set[str]]
    field: str = "state"
    # Saving the same state again (a progress update) is allowed, without an event.
    allow_same: bool = False
    # States whose arrival is not an event worth publishing (e.g. a video's PROBING).
    quiet: frozenset[str] = dataclasses.field(default_factory=frozenset)

    def __post_init__(self) -> None:
        values = set(self.states.values)
        for source, targets in self.transitions.items():
            unknown = ({source} | set(targets)) - values
            if unknown:
                raise ValueError(f"{self.name}: unknown states {sorted(unknown)}")

    def can(self, current: str, target: str) -> bool:
        if current == target:
            return self.allow_same
        return target in self.transitions.get(current, ())

    def label_of(self, state: str) -> str:
        try:
            return str(self.states(state).label)
        except ValueError:
            return state

    def refusal(self, current: str, target: str) -> Refused:
        return Refused(f"{self.label}不能从“{self.label_of(current)}”变为“{self.label_of(target)}”")


def transition(
    obj: M,
    machine: StateMachine,
    target: str,
    *,
    actor: User | None,
    org: Any = None,
    fields: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    save: bool = True,
) -> M:
    """Move `obj` to `target` (or refuse), set `fields`, save, and publish the event."""
    current = str(getattr(obj, machine.field))
    if not machine.can(current, target):
        raise machine.refusal(current, target)
    setattr(obj, machine.field, target)
    for name, value in (fields or {}).items():
        setattr(obj, name, value)
    if save:
        obj.save()
    if current != target and target not in machine.quiet:
        events.publish(
            f"{machine.name}.{target}",
            actor=actor,
            obj=obj,
            org=org,
            data={"from": current, **(data or {})},
        )
    return obj
