from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from xianfeng.orgs.enums import ROSTER_VIEW_ROLES
    from xianfeng.orgs.selectors import role_kinds_of

    user = getattr(request, "user", None)
    roster = bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or role_kinds_of(user) & ROSTER_VIEW_ROLES)
    )
    return {"SITE_NAME": settings.SITE_NAME, "nav_roster": roster}
