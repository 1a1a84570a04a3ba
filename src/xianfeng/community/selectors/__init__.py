"""Reads of the community app that decide who sees what, by concern."""

from __future__ import annotations

from xianfeng.community.selectors.wishes import (
    CampaignStats,
    WishFilters,
    campaign_for_org,
    campaign_leaderboard,
    campaign_stats,
    campaigns_list,
    claim_orgs_for,
    get_campaign,
    get_photo_for_user,
    get_wish_for_user,
    my_claims,
    my_wishes,
    open_claims_count,
    photos_of,
    wish_wall,
    wishes_managed_by,
    wishes_public,
    wishes_to_review,
    wishes_visible_to,
)

__all__ = [
    "CampaignStats",
    "WishFilters",
    "campaign_for_org",
    "campaign_leaderboard",
    "campaign_stats",
    "campaigns_list",
    "claim_orgs_for",
    "get_campaign",
    "get_photo_for_user",
    "get_wish_for_user",
    "my_claims",
    "my_wishes",
    "open_claims_count",
    "photos_of",
    "wish_wall",
    "wishes_managed_by",
    "wishes_public",
    "wishes_to_review",
    "wishes_visible_to",
]
