"""Sending the delivery rows: due ones go out through their channel's backend, each row
claimed by one runner (so a row sent is never sent twice, even if two runs overlap);
failures are retried with back-off and then kept as failed, with the reason."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from xianfeng.notify import selectors
from xianfeng.notify.backends import Backend, DeliveryError, Message, backend_for
from xianfeng.notify.enums import GROUP_ROBOTS, Channel, DeliveryState, Priority
from xianfeng.notify.models import Delivery, Prefs
from xianfeng.notify.timing import Quiet, not_in_quiet, zone

log = logging.getLogger("xianfeng.notify")

# After the n-th failure the next try waits BACKOFF[n-1]; after the last, failed for good.
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=10),
    datetime.timedelta(hours=1),
]
# A row left "sending" this long was cut off mid-send (a killed worker): whether the
# provider got it is unknown, so it is failed rather than sent again.
STALE_SENDING = datetime.timedelta(minutes=15)
RUN_LIMIT = 1000  # rows loaded at a time
MAX_CHUNKS = 50  # per run; the periodic job comes back for the rest
INTERRUPTED = "发送中断，结果未知（为避免重复发送，未自动重试）"


def deliveries_send(*, batch_id: int | None = None, now: datetime.datetime | None = None) -> int:
    """Send the deliveries that are due (of one batch, or all of them); a digest goes as
    one message per person and channel, a group robot's post once for everyone it
    mentions. Returns how many rows were sent."""
    now = now or timezone.now()
    Delivery.objects.filter(state=DeliveryState.SENDING, updated_at__lt=now - STALE_SENDING).update(
        state=DeliveryState.FAILED, error=INTERRUPTED, updated_at=now
    )
    due = Delivery.objects.filter(state=DeliveryState.QUEUED, due_at__lte=now)
    if batch_id is not None:
        due = due.filter(notification__batch_id=batch_id)
    # Read in the app before it went out: nothing to send.
    due.filter(notification__read_at__isnull=False).update(state=DeliveryState.READ, updated_at=now)
    due = due.filter(notification__read_at__isnull=True)
    backends = _Backends()
    sent = 0
    try:
        # In chunks, so a county-wide batch does not sit in memory at once; a row that
        # fails is due later, one claimed elsewhere is no longer queued: the loop ends.
        for _ in range(MAX_CHUNKS):
            rows = list(
                due.select_related("notification__user").order_by("due_at", "pk")[:RUN_LIMIT]
            )
            if not rows:
                break
            context = _Context.load(rows)
            for group in _groups(rows, context):
                sent += _send_group(group, context, backends, now)
    finally:
        backends.close()
    return sent


class _Backends:
    """One backend per channel for a run; the e-mail one keeps its SMTP connection open
    across messages instead of dialling the server for each."""

    def __init__(self) -> None:
        self._made: dict[str, Backend] = {}

    def get(self, channel: str) -> Backend:
        if channel not in self._made:
            self._made[channel] = backend_for(channel)
        return self._made[channel]

    def close(self) -> None:
        for backend in self._made.values():
            close = getattr(backend, "close", None)
            if close is not None:
                close()


class _Context:
    """What the messages need beyond the rows: openids, quiet hours, org robots."""

    def __init__(
        self, prefs: dict[int, Prefs], org_paths: dict[int, str], policies: dict[str, Any]
    ) -> None:
        self.prefs = prefs
        self.org_paths = org_paths
        self.policies = policies

    @classmethod
    def load(cls, rows: Sequence[Delivery]) -> _Context:
        User = get_user_model()  # people sits above notify: no import of its models

        user_ids = {r.notification.user_id for r in rows}
        prefs = Prefs.objects.in_bulk(list(user_ids))
        org_paths: dict[int, str] = {}
        policies: dict[str, Any] = {}
        robot_users = {r.notification.user_id for r in rows if r.channel in GROUP_ROBOTS}
        if robot_users:
            for pk, member_path, home_path in User.objects.filter(
                pk__in=list(robot_users)
            ).values_list("pk", "member__org__path", "home_org__path"):
                org_paths[pk] = member_path or home_path or ""
            policies = selectors.policies_along(org_paths.values())
        return cls(prefs, org_paths, policies)

    def webhook(self, row: Delivery) -> Any:
        path = self.org_paths.get(row.notification.user_id, "")
        return selectors.webhook_for(path, self.policies, row.channel)

    def quiet(self, user_id: int) -> Quiet:
        prefs = self.prefs.get(user_id)
        return Quiet(prefs.quiet_start if prefs else None, prefs.quiet_end if prefs else None)


def _groups(rows: list[Delivery], context: _Context) -> list[list[Delivery]]:
    """Rows that go as one message: a person's digest on one channel; one notice to one
    work group; otherwise each row alone."""
    groups: dict[tuple[Any, ...], list[Delivery]] = {}
    for row in rows:
        n = row.notification
        key: tuple[Any, ...]
        if row.digest:
            key = ("digest", row.channel, n.user_id)
        elif row.channel in GROUP_ROBOTS:
            hook = context.webhook(row)
            key = ("robot", row.channel, hook, n.batch_id or n.pk, n.title, n.body, n.url)
        else:
            key = ("one", row.pk)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def _message(group: list[Delivery], context: _Context) -> Message:
    first = group[0]
    n = first.notification
    user = n.user
    channel = first.channel
    to = ""
    if channel == Channel.EMAIL:
        to = user.email
    elif channel == Channel.SMS:
        to = user.phone or ""
    elif channel == Channel.WECHAT:
        prefs = context.prefs.get(user.pk)
        to = prefs.wechat_openid if prefs else ""
    common: dict[str, Any] = {
        "channel": channel,
        "kind": n.kind,
        "to": to,
        "name": user.name,
        "ref": f"xf-{first.pk}",
    }
    if first.digest:
        items = sorted((r.notification for r in group), key=lambda x: (x.created_at, x.pk))
        lines = []
        for item in items:
            clock = item.created_at.astimezone(zone())
            line = f"• {item.title}（{clock:%m月%d日 %H:%M}）"
            if item.url:
                line += f"\n  {absolute(item.url)}"
            lines.append(line)
        return Message(
            title=f"今日通知汇总（{len(items)} 条）",
            body="\n".join(lines),
            url=absolute(reverse("notify:inbox")),
            created_at=items[-1].created_at,
            **common,
        )
    mentions: tuple[str, ...] = ()
    webhook = None
    if channel in GROUP_ROBOTS:
        webhook = context.webhook(first)
        mentions = tuple(
            dict.fromkeys(r.notification.user.phone for r in group if r.notification.user.phone)
        )
        common["to"] = ""
        common["name"] = ""
    return Message(
        title=n.title,
        body=n.body,
        url=absolute(n.url) if n.url else "",
        created_at=n.created_at,
        mentions=mentions,
        webhook=webhook,
        **common,
    )


def _send_group(
    group: list[Delivery], context: _Context, backends: _Backends, now: datetime.datetime
) -> int:
    claimed = [row for row in group if _claim(row, now)]
    if not claimed:
        return 0
    channel = claimed[0].channel
    try:
        message = _message(claimed, context)
        external_id = backends.get(channel).send(message)
    except DeliveryError as exc:
        _failed(claimed, exc.reason, final=exc.final, context=context, now=now)
        return 0
    except Exception as exc:
        # A bug or an unexpected library error: kept on the rows and retried like the rest.
        log.exception("notify: %s delivery %s failed", channel, claimed[0].pk)
        _failed(claimed, f"{type(exc).__name__}: {exc}", final=False, context=context, now=now)
        return 0
    Delivery.objects.filter(pk__in=[r.pk for r in claimed]).update(
        state=DeliveryState.SENT,
        sent_at=now,
        external_id=external_id[:120],
        error="",
        updated_at=now,
    )
    return len(claimed)


def _claim(row: Delivery, now: datetime.datetime) -> bool:
    """Take the row for this run: one conditional UPDATE, so of two runs only one wins,
    and a row read in the app meanwhile is left alone."""
    won = Delivery.objects.filter(
        pk=row.pk, state=DeliveryState.QUEUED, notification__read_at__isnull=True
    ).update(state=DeliveryState.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if won:
        row.attempts += 1
    return bool(won)


def _failed(
    rows: list[Delivery],
    reason: str,
    *,
    final: bool,
    context: _Context,
    now: datetime.datetime,
) -> None:
    for row in rows:
        if final or row.attempts > len(BACKOFF):
            Delivery.objects.filter(pk=row.pk).update(
                state=DeliveryState.FAILED, error=reason[:300], updated_at=now
            )
            continue
        n = row.notification
        retry_at = not_in_quiet(
            now + BACKOFF[row.attempts - 1],
            urgent=n.priority == Priority.HIGH,
            quiet=context.quiet(n.user_id),
        )
        Delivery.objects.filter(pk=row.pk).update(
            state=DeliveryState.QUEUED, due_at=retry_at, error=reason[:300], updated_at=now
        )
