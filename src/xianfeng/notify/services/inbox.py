"""The person's inbox: marking read (which also stops deliveries not yet sent)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from xianfeng.notify.enums import DeliveryState
from xianfeng.notify.models import Delivery, Notification


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them, or those in `ids`; anyone
    else's ids are ignored). Deliveries still waiting (quiet hours, the digest, a retry)
    are not sent any more: they end as read."""
    now = timezone.now()
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    with transaction.atomic():
        Delivery.objects.filter(notification__in=qs, state=DeliveryState.QUEUED).update(
            state=DeliveryState.READ, updated_at=now
        )
        return qs.update(read_at=now)
