"""Reads of the community app that decide who sees what, by concern."""

from __future__ import annotations

from xianfeng.community.selectors.wishes import (
    wishes_public,
    wishes_visible_to,
    get_wish_for_user,
    WishFilters,
    wish_wall,
    my_wishes,
    my_claims,
    wishes_to_review,
    wishes_managed_by,
    claim_orgs_for,
    photos_of,
    get_photo_for_user,
    campaign_for_org,
    open_claims_count,
    get_campaign,
    campaigns_list,
    CampaignStats,
    campaign_stats,
    campaign_leaderboard,
)

__all__ = [
    "wishes_public",
    "wishes_visible_to",
    "get_wish_for_user",
    "WishFilters",
    "wish_wall",
    "my_wishes",
    "my_claims",
    "wishes_to_review",
    "wishes_managed_by",
    "claim_orgs_for",
    "photos_of",
    "get_photo_for_user",
    "campaign_for_org",
    "open_claims_count",
    "get_campaign",
    "campaigns_list",
    "CampaignStats",
    "campaign_stats",
    "campaign_leaderboard",
]
