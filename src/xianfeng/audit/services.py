from __future__ import annotations

import datetime
import decimal
import uuid
from typing import TYPE_CHECKING, Any

from django.db import models

from xianfeng.audit.models import AuditLog

if TYPE_CHECKING:
    from xianfeng.people.models import User


def _plain(value: Any) -> Any:
    """Make `value` JSON-safe (dates, decimals, model instances, sets)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def audit_log(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    data: dict[str, Any] | None = None,
    org: Any = None,
    event: str = "",
) -> AuditLog:
    """Write the audit row for a state change; call it inside the service's transaction.
    (A domain event is published with audit/events.py, which passes `event`.)"""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        org=org,
        data=_plain(data or {}),
        event=event,
    )
