"""The community pages, by concern: wishes, civic projects, activities, honors and org pages."""

from __future__ import annotations

from xianfeng.community.views.wishes import (
    ACTIONS,
    analysis_page,
    campaign,
    campaign_new,
    campaigns,
    export,
    mine,
    photo,
    review_queue,
    wall,
    wish_action,
    wish_detail,
    wish_new,
)

__all__ = [
    "ACTIONS",
    "analysis_page",
    "campaign",
    "campaign_new",
    "campaigns",
    "export",
    "mine",
    "photo",
    "review_queue",
    "wall",
    "wish_action",
    "wish_detail",
    "wish_new",
]
