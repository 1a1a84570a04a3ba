"""The community app's JSON API: 微心愿 (/api/v1/wishes/) and 微实事, 微行动, 微星光 and the
org pages (/api/v1/community/), each on the same selectors and services as its pages."""

from __future__ import annotations

from xianfeng.community.api import (
    officers,  # noqa: F401  (registers its operations)
    organisers,  # noqa: F401  (registers its operations)
)
from xianfeng.community.api.five import router as five_router
from xianfeng.community.api.wishes import router

__all__ = ["five_router", "router"]
