"""The community pages, by concern: wishes, civic projects, activities, honors and org pages."""

from __future__ import annotations

from xianfeng.community.views.wishes import (
    wall,
    wish_detail,
    ACTIONS,
    wish_action,
    photo,
    wish_new,
    mine,
    review_queue,
    campaigns,
    campaign,
    campaign_new,
    analysis_page,
    export,
)

__all__ = [
    "wall",
    "wish_detail",
    "ACTIONS",
    "wish_action",
    "photo",
    "wish_new",
    "mine",
    "review_queue",
    "campaigns",
    "campaign",
    "campaign_new",
    "analysis_page",
    "export",
]
