from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from xianfeng.common import nav


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "nav_links": nav.links_for(getattr(request, "user", None)),
    }
