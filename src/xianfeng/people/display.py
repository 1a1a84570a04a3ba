"""大字模式: larger text and touch targets for older eyes.

Remembered per person (User.large_text, what any new device starts with) and per device
(the `xf_text` cookie, "large" or "normal", which wins on that device: a member may want
large text on the village PC and normal text on their own phone).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

COOKIE = "xf_text"
COOKIE_AGE = 365 * 24 * 3600
LARGE, NORMAL = "large", "normal"


def large_text(request: HttpRequest) -> bool:
    """Whether the page is shown in 大字模式 for this request."""
    device = request.COOKIES.get(COOKIE)
    if device in (LARGE, NORMAL):
        return device == LARGE
    user: Any = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.large_text)


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: `large_text` for the <html> class and the switch."""
    return {"large_text": large_text(request)}
