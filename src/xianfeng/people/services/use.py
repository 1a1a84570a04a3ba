"""Who used 先锋 in a month (people.MonthlyUse): written once per person, month and channel."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.utils import timezone

from xianfeng.people.models import MonthlyUse

SESSION_KEY = "xf_used_month"


def use_note(*, user_id: int, via: str, now: datetime.datetime | None = None) -> None:
    """Record that the person used 先锋 this month through `via` (web or app). A second note
    in the month is a no-op: the unique constraint keeps the first, so concurrent requests
    cannot write two rows."""
    now = now or timezone.now()
    month = timezone.localdate(now).replace(day=1)
    MonthlyUse.objects.bulk_create(
        [MonthlyUse(user_id=user_id, month=month, via=via, first_at=now)], ignore_conflicts=True
    )


def _month_text(now: datetime.datetime) -> str:
    return timezone.localdate(now).strftime("%Y-%m")


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing in is using: noted, and the session remembers the month, so the requests
    that follow write nothing (user_logged_in, connected in PeopleConfig)."""
    now = timezone.now()
    use_note(user_id=user.pk, via=MonthlyUse.Via.WEB, now=now)
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = _month_text(now)


class MonthlyUseMiddleware:
    """A session that outlives the month it signed in (sessions last weeks): its first
    request in a new month notes that month's use; the session remembers the month, so the
    other requests write nothing."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        # The session alone says whether anything is due: the person (a query) is loaded
        # only on the request that writes, once a month, so a watch report or a kept page
        # still costs no user row here.
        session = getattr(request, "session", None)
        if session is not None and session.get(AUTH_SESSION_KEY):
            now = timezone.now()
            month = _month_text(now)
            if session.get(SESSION_KEY) != month:
                user = getattr(request, "user", None)
                if user is not None and user.is_authenticated:
                    use_note(user_id=user.pk, via=MonthlyUse.Via.WEB, now=now)
                    session[SESSION_KEY] = month
        return self.get_response(request)
