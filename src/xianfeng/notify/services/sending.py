"""Telling people: one in-app notification per person, written in bulk, and one delivery
row per external channel the person gets for that kind, sent by a task after the commit."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from xianfeng.notify import kinds, selectors
from xianfeng.notify.enums import EXTERNAL, GROUP_ROBOTS, Channel, Priority
from xianfeng.notify.models import Batch, Delivery, Notification, Prefs
from xianfeng.notify.timing import Quiet, schedule

if TYPE_CHECKING:  # notify sits below people: the type only
    from xianfeng.people.models import User

CHUNK = 1000  # ids per IN (…): SQLite allows some 32,000 parameters per statement


@dataclass(frozen=True)
class Sent:
    """What notify() did: how many were told, and the batch a sender can follow."""

    told: int
    batch: Batch | None


def batch_start(
    *,
    actor: User | None = None,
    kind: str = "",
    title: str,
    org: Any = None,
    about: models.Model | None = None,
) -> Batch:
    """Open a batch that several notify() calls join (one publication telling each
    entrant their own result), so the sender sees one reach for all of them."""
    about_type, about_id = selectors.about_key(about) if about is not None else ("", "")
    return Batch.objects.create(
        kind=kind[:40],
        title=title[:120],
        actor_id=getattr(actor, "pk", None),
        org=org,
        about_type=about_type,
        about_id=about_id,
    )


def notify(
    *,
    users: Iterable[Any],
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "",
    priority: str | None = None,
    actor: User | None = None,
    org: Any = None,
    about: models.Model | None = None,
    batch: Batch | None = None,
    email: bool | None = None,
    now: datetime.datetime | None = None,
) -> Sent:
    """Tell each person once (duplicates in `users`, people or their ids, are dropped).

    Everyone gets it in the app. Each external channel the person chose for `kind` (or
    the kind's defaults), that their org allows and that can reach them (an address, a
    work-group robot) gets a delivery row: now, after their quiet hours, or in their
    daily digest; urgent ones (`priority="high"` or an urgent kind) go at once. The rows
    are sent by a task after the commit. `actor`, `org` and `about` let the sender (and
    the page of `about`) see the reach later; pass `batch` to join an open batch.

    `email` is accepted for older callers and ignored: the person's choices decide.
    """
    del email
    now = now or timezone.now()
    kind_def = kinds.get(kind)
    level = priority or kind_def.priority
    if level not in Priority.values:
        raise ValueError(f"unknown priority {level}")
    ids = list(dict.fromkeys(_pk(user) for user in users if user is not None))
    if not ids:
        return Sent(told=0, batch=batch)
    with transaction.atomic():
        if batch is None:
            batch = batch_start(actor=actor, kind=kind, title=title, org=org, about=about)
        created: list[Notification] = []
        for chunk in _chunks(ids):
            created += Notification.objects.bulk_create(
                [
                    Notification(
                        user_id=pk,
                        title=title[:120],
                        body=body,
                        url=url[:300],
                        kind=kind[:40],
                        priority=level,
                        batch=batch,
                    )
                    for pk in chunk
                ]
            )
        Batch.objects.filter(pk=batch.pk).update(recipients=models.F("recipients") + len(ids))
        deliveries = _plan(created, kind_def, urgent=level == Priority.HIGH, now=now)
        Delivery.objects.bulk_create(deliveries, batch_size=CHUNK)
        if any(d.due_at <= now for d in deliveries):
            from xianfeng.audit.enqueue import enqueue_on_commit
            from xianfeng.notify.tasks import send_batch

            # Queue down: the due rows stay pending and notify.deliver sends them later.
            enqueue_on_commit(send_batch, batch_id=batch.pk)
    batch.recipients += len(ids)
    return Sent(told=len(ids), batch=batch)


def _pk(user: Any) -> int:
    return user if isinstance(user, int) else int(user.pk)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _plan(
    created: list[Notification], kind: kinds.Kind, *, urgent: bool, now: datetime.datetime
) -> list[Delivery]:
    """The delivery rows: per person, the channels wanted ∩ allowed ∩ reachable, each
    scheduled by the person's quiet hours and digest."""
    User = get_user_model()  # people sits above notify: no import of its models

    user_ids = [n.user_id for n in created]
    people: dict[int, tuple[str, str | None, str]] = {}
    prefs: dict[int, Prefs] = {}
    for chunk in _chunks(user_ids):
        for pk, email, phone, member_path, home_path in User.objects.filter(
            pk__in=chunk
        ).values_list("pk", "email", "phone", "member__org__path", "home_org__path"):
            people[pk] = (email, phone, member_path or home_path or "")
        prefs.update(Prefs.objects.in_bulk(chunk))
    wanted_anywhere = kind.default_channels | {
        str(c) for p in prefs.values() for c in (p.channels or {}).get(kind.key, [])
    }
    if not wanted_anywhere:
        return []  # in-app only for everyone: no policy to read
    policies = selectors.policies_along(person[2] for person in people.values())
    rows = []
    for notification in created:
        email, phone, org_path = people[notification.user_id]
        person_prefs = prefs.get(notification.user_id)
        wanted = selectors.chosen_channels(person_prefs, kind)
        allowed = selectors.allowed_channels(org_path, policies)
        quiet = Quiet(
            person_prefs.quiet_start if person_prefs else None,
            person_prefs.quiet_end if person_prefs else None,
        )
        digest_hour = person_prefs.digest_hour if person_prefs and person_prefs.digest else None
        for channel in EXTERNAL:
            if channel not in wanted or channel not in allowed:
                continue
            if not _reachable(channel, email, phone, person_prefs, org_path, policies):
                continue
            # A group robot posts with the notice (after quiet hours); the digest is a
            # personal message.
            hour = None if channel in GROUP_ROBOTS else digest_hour
            due, in_digest = schedule(now, urgent=urgent, quiet=quiet, digest_hour=hour)
            rows.append(
                Delivery(
                    notification=notification,
                    channel=channel,
                    digest=in_digest,
                    due_at=due,
                )
            )
    return rows


def _reachable(
    channel: str,
    email: str,
    phone: str | None,
    prefs: Prefs | None,
    org_path: str,
    policies: dict[str, Any],
) -> bool:
    if channel == Channel.EMAIL:
        return bool(email)
    if channel == Channel.SMS:
        return bool(phone)
    if channel == Channel.WECHAT:
        return bool(prefs and prefs.wechat_openid)
    return selectors.webhook_for(org_path, policies, channel) is not None
