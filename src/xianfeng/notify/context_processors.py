"""The unread badge in the page header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def unread(request: HttpRequest) -> dict[str, Any]:
    from xianfeng.notify.selectors import unread_badge

    # A callable: the template calls it only where the header is drawn (not in htmx
    # fragments), and the count is kept on the request, so one COUNT query at most.
    return {"notify_unread": lambda: unread_badge(request)}
