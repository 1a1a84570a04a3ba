"""Learning points (学习积分): which domain events earn points, declared by the app whose
events they are, so the points ledger (the `study` app) never reads another app's tables
and a later app adds a way to earn without touching `study`.

An app registers its rules in AppConfig.ready():

    points.register(points.Rule(
        code="lesson.completed", label="学习微党课", events=("lesson.completed",),
        claim=lambda e: points.Claim(user_id=e.data["user_id"],
                                     source_type="lessons.lesson", source_id=e.data["lesson_id"]),
        points=2, daily_cap=10,
    ))

`claim(event)` turns one event into an earning for one person and one source object (the
lesson watched, the meeting attended), a reversal of that earning (`reverse=True`: a
withdrawn reflection, a deleted comment) or None (nothing to credit). Each (rule, event
name) pair is its own event subscriber, so delivery is at least once and keyed by the
event id; the ledger (the "sink", installed by `study`) keeps one row per person, rule and
source, so a replay or a second event for the same source credits nothing more. The
points and caps given here are defaults; the county may change them for its tree.

This is a registry (like home panels or the top navigation): it lives below every app so
that any app may declare rules, and it knows no app by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from xianfeng.audit import events
from xianfeng.audit.events import Event


@dataclass(frozen=True)
class Claim:
    """One person earns (or loses again) the points of one source object."""

    user_id: int
    source_type: str  # "app.model" of the source: "lessons.lesson", "meetings.meeting"
    source_id: int | str
    reverse: bool = False
    title: str = ""  # what the person sees in the ledger (a lesson's title), when known


@dataclass(frozen=True)
class Rule:
    """A way to earn points: the events that earn (or reverse) it and its default amounts."""

    code: str  # stable: ledger rows and the county's settings refer to it
    label: str  # Chinese, shown on the points page: "学习微党课"
    events: tuple[str, ...]
    claim: Callable[[Event], Claim | None] = field(compare=False)
    points: int = 1  # per source object
    daily_cap: int = 0  # points a day under this rule; 0: no cap of its own
    order: int = 100  # place on the points page


Sink = Callable[[Rule, Event, Claim], object]
# The same for many claims of one rule at once (in the events' order).
ManySink = Callable[[Rule, list[tuple[Event, Claim]]], object]

_rules: dict[str, Rule] = {}
_sink: list[Sink] = []
_many_sink: list[ManySink] = []


def subscriber_name(rule: Rule, event_name: str) -> str:
    return f"points.{rule.code}@{event_name}"


def register(rule: Rule) -> Rule:
    """Declare a rule (in AppConfig.ready); subscribes to each of its events."""
    existing = _rules.get(rule.code)
    if existing is not None:
        if existing != rule:
            raise ValueError(f"points rule {rule.code} is already registered")
        return existing
    if not rule.events:
        raise ValueError(f"points rule {rule.code} earns on no event")
    _rules[rule.code] = rule
    for event_name in rule.events:
        events.subscribe(
            event_name,
            name=subscriber_name(rule, event_name),
            handler=_handler(rule),
            batch=_batch_handler(rule),
        )
    return rule


def _handler(rule: Rule) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        claim = rule.claim(event)
        if claim is None:
            return
        if not _sink:
            # No ledger installed: fail, so the delivery is retried once it is.
            raise RuntimeError("学习积分账本未接入，稍后重试")
        _sink[0](rule, event, claim)

    handle.__qualname__ = f"points[{rule.code}]"
    return handle


def _batch_handler(rule: Rule) -> Callable[[list[Event]], None]:
    single = _handler(rule)

    def handle_many(batch: list[Event]) -> None:
        if not _many_sink:
            for event in batch:
                single(event)
            return
        claims = [(event, rule.claim(event)) for event in batch]
        _many_sink[0](rule, [(event, claim) for event, claim in claims if claim is not None])

    handle_many.__qualname__ = f"points[{rule.code}]*"
    return handle_many


def unregister(code: str) -> None:
    """Tests only: forget a rule and its subscriptions."""
    rule = _rules.pop(code, None)
    if rule is not None:
        for event_name in rule.events:
            events.unsubscribe(subscriber_name(rule, event_name))


def rules() -> list[Rule]:
    return sorted(_rules.values(), key=lambda r: (r.order, r.code))


def rule(code: str) -> Rule | None:
    return _rules.get(code)


def install_sink(sink: Sink, many: ManySink | None = None) -> None:
    """The ledger that receives claims (the study app, once); `many` takes a batch."""
    _sink[:] = [sink]
    _many_sink[:] = [many] if many is not None else []
