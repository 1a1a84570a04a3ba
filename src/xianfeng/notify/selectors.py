"""Reads of the notify app: a person only ever sees their own notifications; a sender
sees the reach of what they sent; org policies are read along the org's ancestors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from xianfeng.notify import kinds
from xianfeng.notify.backends import Webhook
from xianfeng.notify.enums import EXTERNAL, GROUP_ROBOTS, Allow, Channel, DeliveryState
from xianfeng.notify.models import Batch, Delivery, Notification, OrgPolicy, Prefs
from xianfeng.orgs import paths
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over

PENDING = (DeliveryState.QUEUED, DeliveryState.SENDING)

# --- the inbox --------------------------------------------------------------------------------


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The person's notifications, newest first (none for an anonymous visitor)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def unread_for(user: Any) -> QuerySet[Notification]:
    return notifications_for(user).filter(read_at__isnull=True)


def inbox_for(user: Any, *, unread: bool = False, kind: str = "") -> QuerySet[Notification]:
    """The person's notifications, filtered: only unread, one kind or one app ("meeting.")."""
    qs = unread_for(user) if unread else notifications_for(user)
    if kind.endswith("."):
        qs = qs.filter(kind__startswith=kind)
    elif kind:
        qs = qs.filter(kind=kind)
    return qs


def unread_count(user: Any, *, kind_prefix: str = "") -> int:
    """How many unread, optionally only kinds starting with `kind_prefix` ("meeting.")."""
    qs = unread_for(user)
    if kind_prefix:
        qs = qs.filter(kind__startswith=kind_prefix)
    return qs.count()


def unread_badge(request: Any) -> int:
    """The header's unread count: one COUNT query per request, and none when anonymous."""
    cached: int | None = getattr(request, "_xf_unread", None)
    if cached is None:
        user = getattr(request, "user", None)
        cached = unread_count(user) if getattr(user, "is_authenticated", False) else 0
        request._xf_unread = cached
    return cached


# --- a person's settings ------------------------------------------------------------------------


def prefs_of(user: Any) -> Prefs:
    """The person's settings (unsaved defaults when they have none yet)."""
    prefs = Prefs.objects.filter(user_id=user.pk).first()
    return prefs if prefs is not None else Prefs(user_id=user.pk)


def org_path_of(user: Any) -> str:
    """The path of the org whose policy applies to the person: their branch as a member,
    else the village a resident registered in; "" for neither (the site's defaults)."""
    User = get_user_model()  # people sits above notify: no import of its models

    row = User.objects.filter(pk=user.pk).values_list("member__org__path", "home_org__path").first()
    if row is None:
        return ""
    return row[0] or row[1] or ""


def policies_along(org_paths: Iterable[str]) -> dict[str, OrgPolicy]:
    """The policies of the given orgs and all their ancestors, by org path (one query)."""
    wanted: set[str] = set()
    for path in org_paths:
        if path:
            wanted.update(paths.ancestor_paths(path))
    if not wanted:
        return {}
    rows = OrgPolicy.objects.filter(org__path__in=sorted(wanted)).select_related("org")
    return {p.org.path: p for p in rows}


def allowed_channels(org_path: str, policies: dict[str, OrgPolicy]) -> frozenset[str]:
    """External channels the org allows: for each channel, the nearest org (itself, then
    upwards) that says on or off decides; no word anywhere: the site's default."""
    allowed = set()
    chain = list(reversed(paths.ancestor_paths(org_path))) if org_path else []
    for channel in EXTERNAL:
        word = ""
        for path in chain:
            policy = policies.get(path)
            if policy is not None and getattr(policy, channel) != Allow.INHERIT:
                word = getattr(policy, channel)
                break
        if word == Allow.ON or (not word and channel in settings.NOTIFY_DEFAULT_CHANNELS):
            allowed.add(str(channel))
    return frozenset(allowed)


def webhook_for(org_path: str, policies: dict[str, OrgPolicy], channel: str) -> Webhook | None:
    """The nearest work-group robot (the org's own, or its branch's, town's …) for a
    group channel."""
    if not org_path or channel not in GROUP_ROBOTS:
        return None
    for path in reversed(paths.ancestor_paths(org_path)):
        policy = policies.get(path)
        if policy is None:
            continue
        if channel == Channel.WECOM and policy.wecom_key:
            return Webhook(org_name=policy.org.name, key=policy.wecom_key)
        if channel == Channel.DINGTALK and policy.dingtalk_token:
            return Webhook(
                org_name=policy.org.name,
                key=policy.dingtalk_token,
                secret=policy.dingtalk_secret,
            )
    return None


def chosen_channels(prefs: Prefs | None, kind: kinds.Kind) -> frozenset[str]:
    """The external channels the person wants for `kind` (the kind's defaults until they
    choose)."""
    if prefs is not None and kind.key in (prefs.channels or {}):
        return frozenset(str(c) for c in prefs.channels[kind.key]) & set(EXTERNAL)
    return kind.default_channels


@dataclass(frozen=True)
class ChannelInfo:
    channel: str
    label: str
    ready: bool  # the person can be reached this way (an address, a robot)
    why: str = ""  # what is missing when not ready


@dataclass(frozen=True)
class KindChoice:
    kind: kinds.Kind
    chosen: frozenset[str]


@dataclass
class SettingsView:
    """What the settings page and the prefs API show a person."""

    prefs: Prefs
    channels: list[ChannelInfo]  # the external channels the person's org allows
    groups: list[tuple[str, list[KindChoice]]] = field(default_factory=list)

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(c.channel for c in self.channels)


def settings_view(user: Any) -> SettingsView:
    """The person's choices per kind, and the channels their org allows."""
    prefs = prefs_of(user)
    org_path = org_path_of(user)
    policies = policies_along([org_path])
    allowed = allowed_channels(org_path, policies)
    missing = {
        Channel.EMAIL: "" if user.email else "请先填写邮箱",
        Channel.SMS: "" if user.phone else "账号没有手机号",
        Channel.WECHAT: "" if prefs.wechat_openid else "尚未在公众号中绑定",
        Channel.WECOM: ""
        if webhook_for(org_path, policies, Channel.WECOM)
        else "所在组织未设置企业微信群机器人",
        Channel.DINGTALK: ""
        if webhook_for(org_path, policies, Channel.DINGTALK)
        else "所在组织未设置钉钉群机器人",
    }
    channels = [
        ChannelInfo(channel=str(c), label=str(c.label), ready=not missing[c], why=str(missing[c]))
        for c in EXTERNAL
        if c in allowed
    ]
    groups = [
        (
            name,
            [KindChoice(kind=k, chosen=chosen_channels(prefs, k) & allowed) for k in members],
        )
        for name, members in kinds.by_app()
    ]
    return SettingsView(prefs=prefs, channels=channels, groups=groups)


# --- org policy -------------------------------------------------------------------------------


def get_policy_org_for_user(user: Any, code: str) -> Org:
    """An org whose notification policy the person may edit (an org admin over it); 404
    otherwise."""
    from xianfeng.orgs.enums import ORG_ADMIN_ROLES
    from xianfeng.orgs.selectors import get_org_for_user

    return get_org_for_user(user, code, ORG_ADMIN_ROLES)


def policy_of(org: Org) -> OrgPolicy:
    policy = OrgPolicy.objects.filter(org=org).first()
    return policy if policy is not None else OrgPolicy(org=org)


def inherited_channels(org: Org) -> frozenset[str]:
    """What the org would allow if it said nothing itself (its parent's word)."""
    parent_path = org.path[: -paths.SEGMENT]
    return allowed_channels(parent_path, policies_along([parent_path]))


# --- reach ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unreached:
    name: str
    channel: str
    error: str


@dataclass(frozen=True)
class Reach:
    """How a batch reached its people."""

    batch: Batch
    total: int  # people told (each has it in the app)
    read: int  # read in the app
    reached: int  # read, or delivered by some channel
    pending: int  # not yet: quiet hours, the digest, a retry
    unreached: int  # every channel failed and it is unread
    failed_by_channel: dict[str, int]  # of the unreached, per channel label
    people: list[Unreached]  # the first of the unreached, by name

    @property
    def summary(self) -> str:
        text = f"通知已发送 {self.total} 人"
        if self.unreached:
            parts = "，".join(f"{label}失败 {n} 人" for label, n in self.failed_by_channel.items())
            text += f"，其中 {self.unreached} 人未能送达（{parts}）"
        if self.pending:
            text += f"，{self.pending} 人等待发送（免打扰时段、每日汇总或重试）"
        return text


REACH_NAMES = 20


def batch_reach(batch: Batch) -> Reach:
    """Counts by person and the names of those not reached (one query when everyone was
    reached or is still waiting, three otherwise)."""
    deliveries = Delivery.objects.filter(notification=OuterRef("pk"))
    sent = Exists(deliveries.filter(state=DeliveryState.SENT))
    waiting = Exists(deliveries.filter(state__in=PENDING))
    failed = Exists(deliveries.filter(state=DeliveryState.FAILED))
    unread = Q(read_at__isnull=True)
    lost = unread & ~Q(sent) & ~Q(waiting) & Q(failed)
    counts = Notification.objects.filter(batch=batch).aggregate(
        total=Count("pk"),
        read=Count("pk", filter=~unread),
        reached=Count("pk", filter=~unread | Q(sent)),
        pending=Count("pk", filter=unread & ~Q(sent) & Q(waiting)),
        unreached=Count("pk", filter=lost),
    )
    if not counts["unreached"]:
        return Reach(
            batch=batch,
            total=counts["total"],
            read=counts["read"],
            reached=counts["reached"],
            pending=counts["pending"],
            unreached=0,
            failed_by_channel={},
            people=[],
        )
    lost_rows = Delivery.objects.filter(
        notification__batch=batch,
        notification__read_at__isnull=True,
        state=DeliveryState.FAILED,
    ).exclude(
        notification__deliveries__state__in=[DeliveryState.SENT, *PENDING],
    )
    by_channel = {
        row["channel"]: row["n"]
        for row in lost_rows.values("channel").annotate(n=Count("notification_id")).order_by()
    }
    labels = dict(Channel.choices)
    failed_by_channel = {str(labels[c]): by_channel[c] for c in EXTERNAL if by_channel.get(c)}
    people = [
        Unreached(name=name, channel=str(labels[channel]), error=error)
        for name, channel, error in lost_rows.order_by(
            "notification__user__name", "channel"
        ).values_list("notification__user__name", "channel", "error")[:REACH_NAMES]
    ]
    return Reach(
        batch=batch,
        total=counts["total"],
        read=counts["read"],
        reached=counts["reached"],
        pending=counts["pending"],
        unreached=counts["unreached"],
        failed_by_channel=failed_by_channel,
        people=people,
    )


@dataclass(frozen=True)
class ChannelCount:
    label: str
    sent: int
    waiting: int
    failed: int
    read: int  # read in the app first, not sent


def channel_counts(batch: Batch) -> list[ChannelCount]:
    """Delivery rows of a batch by channel and state (one query), for its reach page."""
    grid: dict[str, dict[str, int]] = {}
    rows = (
        Delivery.objects.filter(notification__batch=batch)
        .values("channel", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        grid.setdefault(row["channel"], {})[row["state"]] = row["n"]
    labels = dict(Channel.choices)
    return [
        ChannelCount(
            label=str(labels[c]),
            sent=grid[c].get(DeliveryState.SENT, 0),
            waiting=sum(grid[c].get(s, 0) for s in PENDING),
            failed=grid[c].get(DeliveryState.FAILED, 0),
            read=grid[c].get(DeliveryState.READ, 0),
        )
        for c in EXTERNAL
        if c in grid
    ]


def failed_deliveries(batch: Batch, *, limit: int = REACH_NAMES) -> list[Unreached]:
    """Every delivery of the batch that failed for good, reached otherwise or not."""
    labels = dict(Channel.choices)
    rows = (
        Delivery.objects.filter(notification__batch=batch, state=DeliveryState.FAILED)
        .order_by("notification__user__name", "channel")
        .values_list("notification__user__name", "channel", "error")[:limit]
    )
    return [Unreached(name=n, channel=str(labels[c]), error=e) for n, c, e in rows]


def about_key(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def latest_batch_about(obj: models.Model, *, kinds_in: Iterable[str] = ()) -> Batch | None:
    """The latest sending about `obj` (of the given kinds), for its page."""
    about_type, about_id = about_key(obj)
    qs = Batch.objects.filter(about_type=about_type, about_id=about_id)
    wanted = list(kinds_in)
    if wanted:
        qs = qs.filter(kind__in=wanted)
    return qs.order_by("-id").first()


def latest_reach_about(obj: models.Model, *, kinds_in: Iterable[str] = ()) -> Reach | None:
    """The reach of the latest sending about `obj` (its page shows it to its managers)."""
    batch = latest_batch_about(obj, kinds_in=kinds_in)
    return batch_reach(batch) if batch is not None else None


def can_see_batch(user: Any, batch: Batch) -> bool:
    """The sender, and the officers of the org it was sent for."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or (batch.actor_id is not None and batch.actor_id == user.pk):
        return True
    return batch.org is not None and has_role_over(user, batch.org, RECORD_ROLES)


def get_batch_for_user(user: Any, pk: int) -> Batch:
    """A batch the person may see the reach of; 404 otherwise."""
    batch = Batch.objects.select_related("org", "actor").filter(pk=pk).first()
    if batch is None or not can_see_batch(user, batch):
        raise Http404("找不到该通知")
    return batch
