"""The kinds of notifications: each app registers the kinds it sends in its
AppConfig.ready(), so a person's settings page lists them by app with Chinese labels and
each kind has default channels and a priority.

    kinds.register("meeting.planned", label="会议通知",
                   default_channels={"inapp", "email", "sms"}, priority=Priority.NORMAL)

A kind nobody registered still works (in-app only, normal priority) and is logged, so a
later app that forgets to register loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps

from xianfeng.notify.enums import EXTERNAL, Channel, Priority

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    app: str  # the registering app's label, for grouping on the settings page
    default_channels: frozenset[str]  # external channels on unless the person says otherwise
    priority: str
    description: str = ""
    group: str = ""  # the heading on the settings page (the app's name unless given)

    @property
    def urgent(self) -> bool:
        return self.priority == Priority.HIGH


GENERAL = Kind(
    key="",
    label="其他通知",
    app="notify",
    default_channels=frozenset(),
    priority=Priority.NORMAL,
)

_kinds: dict[str, Kind] = {}


def register(
    key: str,
    *,
    label: str,
    app: str,
    default_channels: Iterable[str] = (Channel.INAPP,),
    priority: str = Priority.NORMAL,
    description: str = "",
    group: str = "",
) -> Kind:
    """Register a kind (idempotent for the same definition)."""
    channels = frozenset(str(c) for c in default_channels) - {Channel.INAPP}
    unknown = channels - set(EXTERNAL)
    if unknown:
        raise ValueError(f"kind {key}: unknown channels {sorted(unknown)}")
    if priority not in Priority.values:
        raise ValueError(f"kind {key}: unknown priority {priority}")
    kind = Kind(
        key=key,
        label=label,
        app=app,
        default_channels=channels,
        priority=str(priority),
        description=description,
        group=group,
    )
    existing = _kinds.get(key)
    if existing is not None and existing != kind:
        raise ValueError(f"notification kind {key} is already registered differently")
    _kinds[key] = kind
    return kind


def get(key: str) -> Kind:
    """The kind registered under `key`; an unknown one behaves as in-app only."""
    if not key:
        return GENERAL
    kind = _kinds.get(key)
    if kind is None:
        log.warning("notification kind %r is not registered: in-app only", key)
        return Kind(
            key=key,
            label=key,
            app="notify",
            default_channels=frozenset(),
            priority=Priority.NORMAL,
        )
    return kind


def registered() -> list[Kind]:
    return list(_kinds.values())


def is_registered(key: str) -> bool:
    return key in _kinds


def by_app() -> list[tuple[str, list[Kind]]]:
    """Kinds grouped by app (the app's Chinese name), in registration order."""
    groups: dict[str, list[Kind]] = {}
    for kind in _kinds.values():
        groups.setdefault(kind.group or _app_name(kind.app), []).append(kind)
    return list(groups.items())


def _app_name(label: str) -> str:
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label
