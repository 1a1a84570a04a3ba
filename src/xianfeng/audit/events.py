"""Domain events: one way for an app to say "this happened" and for others to react
without importing it.

A service publishes inside its transaction:

    events.publish("lesson.completed", actor=user, obj=progress, org=lesson.org,
                   data={"lesson_id": lesson.pk, "user_id": user.pk})

The event is an audit row (`AuditLog.event` set), written in the same transaction as the
change: if the change rolls back, so does the event (a transactional outbox). After the
commit a task hands it to every subscriber whose pattern matches. An app subscribes in its
AppConfig.ready(), under a stable name that keys its delivery rows:

    events.subscribe("lesson.completed", name="study.points", handler=award_points)

Delivery is at least once: a handler that raises is retried with back-off (1 min, 5 min,
30 min, 2 h, 12 h, then given up and left visible in the admin as DEAD); an event whose
dispatch never ran (a crash between the commit and the task) is found by the sweep. So a
handler must be idempotent, keyed by `event.id` (e.g. a unique constraint on the row it
writes). `replay()` (manage.py events_replay) runs handlers again for a range of events.

Handlers receive an `Event` (ids and plain data), never the publisher's model instances.

The same event for many people at once (a meeting's sign-ins) is `publish_many`: one insert
and one dispatch. A subscriber that can take them together passes `batch=` (a handler of a
list of events with the same effect as `handler` on each); a batch that fails is delivered
one event at a time, so retries and back-off stay per event.
"""

from __future__ import annotations

import datetime
import fnmatch
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from xianfeng.audit.models import AuditLog, DeliveryState, EventDelivery
from xianfeng.audit.services import _plain, audit_log

if TYPE_CHECKING:
    from xianfeng.people.models import User

log = logging.getLogger(__name__)

# Back-off after the n-th failure; past the last one the delivery is given up (DEAD).
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
]
# An event not dispatched this long after its commit is dispatched by the sweep.
SWEEP_AFTER = datetime.timedelta(seconds=30)


@dataclass(frozen=True)
class Event:
    """What a subscriber receives: plain values only."""

    id: int
    name: str
    actor_id: int | None
    object_type: str
    object_id: str
    org_id: int | None
    data: dict[str, Any]
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: AuditLog) -> Event:
        return cls(
            id=row.pk,
            name=row.event,
            actor_id=row.actor_id,
            object_type=row.object_type,
            object_id=row.object_id,
            org_id=row.org_id,
            data=dict(row.data or {}),
            created_at=row.created_at,
        )


Handler = Callable[[Event], None]
BatchHandler = Callable[[list[Event]], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    pattern: str  # an event name, or a glob such as "meeting.*"
    handler: Handler
    # Optional: handles several events at once (same effect as `handler` on each in turn);
    # a dispatch of many events (publish_many) then costs one call, not one per event.
    batch: BatchHandler | None = None

    def wants(self, event_name: str) -> bool:
        return fnmatch.fnmatchcase(event_name, self.pattern)


_subscribers: dict[str, Subscriber] = {}


def subscribe(
    pattern: str, *, name: str, handler: Handler, batch: BatchHandler | None = None
) -> None:
    """Register a handler (in AppConfig.ready). `name` is stable: it keys delivery rows.
    `batch`, if given, must do what `handler` does for each of a list of events."""
    existing = _subscribers.get(name)
    if existing is not None and (existing.pattern, existing.handler) != (pattern, handler):
        raise ValueError(f"subscriber {name} is already registered for {existing.pattern}")
    _subscribers[name] = Subscriber(name=name, pattern=pattern, handler=handler, batch=batch)


def unsubscribe(name: str) -> None:
    _subscribers.pop(name, None)


def subscribers_for(event_name: str) -> list[Subscriber]:
    return [s for s in _subscribers.values() if s.wants(event_name)]


def catalogue() -> dict[str, list[str]]:
    """Subscriber names by pattern (for the README and the admin)."""
    found: dict[str, list[str]] = {}
    for subscriber in _subscribers.values():
        found.setdefault(subscriber.pattern, []).append(subscriber.name)
    return found


def publish(
    name: str,
    *,
    actor: User | None,
    obj: models.Model,
    org: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Record that `name` happened to `obj`, as an audit row, inside the caller's
    transaction; subscribers hear of it after the commit."""
    row = audit_log(actor=actor, action=name, obj=obj, org=org, data=data, event=name)
    if not subscribers_for(name):
        # Nobody listens: nothing to dispatch, and nothing for the sweep to find.
        AuditLog.objects.filter(pk=row.pk).update(dispatched_at=row.created_at)
        return row
    event_id = row.pk

    from xianfeng.audit.enqueue import enqueue_on_commit
    from xianfeng.audit.tasks import dispatch_events

    # Queue down: the row stays undispatched and the events.sweep job delivers it later.
    enqueue_on_commit(dispatch_events, event_ids=[event_id])
    return row


def publish_many(
    name: str,
    *,
    actor: User | None,
    obj: models.Model,
    org: Any = None,
    data: list[dict[str, Any]],
    actors: list[User | None] | None = None,
) -> list[AuditLog]:
    """`publish` once per item of `data` (the same event about the same object for several
    people, say; `actors`, if given, is each one's actor), as one insert and one dispatch:
    subscribers with a batch handler hear of them all in one call."""
    if not data:
        return []
    if actors is None:
        actors = [actor] * len(data)
    assert len(actors) == len(data)
    quiet = not subscribers_for(name)
    made = [
        AuditLog(
            actor=who if who is not None and who.is_authenticated else None,
            action=name,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            org=org,
            data=_plain(item),
            event=name,
        )
        for who, item in zip(actors, data, strict=True)
    ]
    rows = AuditLog.objects.bulk_create(made)
    ids = [row.pk for row in rows]  # PostgreSQL and SQLite return them
    if quiet:
        # Nobody listens: nothing to dispatch, and nothing for the sweep to find.
        AuditLog.objects.filter(pk__in=ids).update(dispatched_at=F("created_at"))
        return rows

    from xianfeng.audit.enqueue import enqueue_on_commit
    from xianfeng.audit.tasks import dispatch_events

    enqueue_on_commit(dispatch_events, event_ids=ids)
    return rows


def dispatch(event_ids: list[int]) -> int:
    """Hand each event to its subscribers (the task's body); returns deliveries done.
    Subscribers with a batch handler get the events they want in one call."""
    done = 0
    rows = list(AuditLog.objects.filter(pk__in=event_ids).exclude(event="").order_by("pk"))
    batched: set[str] = set()
    if len(rows) > 1:
        wanted: dict[str, list[Event]] = {}
        for row in rows:
            for subscriber in subscribers_for(row.event):
                if subscriber.batch is not None:
                    wanted.setdefault(subscriber.name, []).append(Event.from_row(row))
        for name, batch in wanted.items():
            done += deliver_many(batch, _subscribers[name])
            batched.add(name)
    for row in rows:
        done += _dispatch_row(row, force=False, skip=batched, mark=not batched)
    if batched:
        AuditLog.objects.filter(pk__in=[row.pk for row in rows], dispatched_at__isnull=True).update(
            dispatched_at=timezone.now()
        )
    return done


def deliver_many(batch: list[Event], subscriber: Subscriber) -> int:
    """`deliver` for several events to one subscriber with a batch handler: one delivery row
    each, all done in one call and one transaction; if the batch fails, each event is
    delivered on its own (so a failing one is retried with back-off, the others done)."""
    assert subscriber.batch is not None
    ids = [event.id for event in batch]
    try:
        with transaction.atomic():
            EventDelivery.objects.bulk_create(
                [EventDelivery(event_id=i, subscriber=subscriber.name) for i in ids],
                ignore_conflicts=True,
            )
            locked = EventDelivery.objects.select_for_update().filter(
                event_id__in=ids, subscriber=subscriber.name
            )
            skip = {
                d.event_id for d in locked if d.state in (DeliveryState.DONE, DeliveryState.DEAD)
            }
            todo = [event for event in batch if event.id not in skip]
            if not todo:
                return 0
            with transaction.atomic():
                subscriber.batch(todo)
            EventDelivery.objects.filter(
                event_id__in=[event.id for event in todo], subscriber=subscriber.name
            ).update(
                state=DeliveryState.DONE,
                done_at=timezone.now(),
                next_attempt_at=None,
                last_error="",
                attempts=F("attempts") + 1,
            )
            return len(todo)
    except Exception:
        log.warning(
            "events %s…: batch of subscriber %s failed; delivering one by one",
            ids[0],
            subscriber.name,
            exc_info=True,
        )
    return sum(deliver(event, subscriber) for event in batch)


def _dispatch_row(
    row: AuditLog,
    *,
    force: bool,
    only: str | None = None,
    skip: set[str] | None = None,
    mark: bool = True,
) -> int:
    event = Event.from_row(row)
    done = 0
    for subscriber in subscribers_for(event.name):
        if only is not None and subscriber.name != only:
            continue
        if skip and subscriber.name in skip:
            continue
        if deliver(event, subscriber, force=force):
            done += 1
    if mark and row.dispatched_at is None:
        AuditLog.objects.filter(pk=row.pk, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now()
        )
    return done


def deliver(event: Event, subscriber: Subscriber, *, force: bool = False) -> bool:
    """Run one subscriber's handler for one event, unless it already ran (or `force`);
    the handler's writes and the delivery row commit together. True when it ran well."""
    with transaction.atomic():
        delivery, _ = EventDelivery.objects.get_or_create(
            event_id=event.id, subscriber=subscriber.name
        )
        # The lock makes two dispatchers of the same event (a task and the sweep) take
        # turns; the second finds it DONE.
        delivery = EventDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state == DeliveryState.DONE and not force:
            return False
        if delivery.state == DeliveryState.DEAD and not force:
            return False
        delivery.attempts += 1
        try:
            with transaction.atomic():
                subscriber.handler(event)
        except Exception as exc:
            log.exception(
                "event %s (%s): subscriber %s failed", event.id, event.name, subscriber.name
            )
            failures = delivery.attempts
            delivery.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
            if failures > len(BACKOFF):
                delivery.state = DeliveryState.DEAD
                delivery.next_attempt_at = None
            else:
                delivery.state = DeliveryState.FAILED
                delivery.next_attempt_at = timezone.now() + BACKOFF[failures - 1]
            delivery.save()
            return False
        delivery.state = DeliveryState.DONE
        delivery.done_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.save()
        return True


def sweep(now: datetime.datetime | None = None) -> int:
    """Dispatch events that no task handled and retry failed deliveries that are due."""
    now = now or timezone.now()
    handled = 0
    forgotten = AuditLog.objects.filter(
        ~Q(event=""), dispatched_at__isnull=True, created_at__lte=now - SWEEP_AFTER
    ).order_by("pk")[:500]
    for row in forgotten:
        handled += _dispatch_row(row, force=False)
    due = (
        EventDelivery.objects.filter(state=DeliveryState.FAILED, next_attempt_at__lte=now)
        .select_related("event")
        .order_by("next_attempt_at")[:500]
    )
    for delivery in due:
        subscriber = _subscribers.get(delivery.subscriber)
        if subscriber is None:
            continue  # a subscriber that no longer exists: left for the admin to see
        if deliver(Event.from_row(delivery.event), subscriber):
            handled += 1
    return handled


def replay(
    *,
    first_id: int,
    last_id: int | None = None,
    pattern: str = "*",
    subscriber: str | None = None,
) -> int:
    """Run the handlers again for the events with ids in [first_id, last_id] matching
    `pattern` (all subscribers, or one); handlers are idempotent, so this is safe."""
    rows = AuditLog.objects.filter(pk__gte=first_id).exclude(event="").order_by("pk")
    if last_id is not None:
        rows = rows.filter(pk__lte=last_id)
    ran = 0
    for row in rows.iterator(chunk_size=500):
        if fnmatch.fnmatchcase(row.event, pattern):
            ran += _dispatch_row(row, force=True, only=subscriber)
    return ran
