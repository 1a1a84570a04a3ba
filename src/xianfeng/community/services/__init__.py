"""Writes of the community app, by concern: 微心愿 (wishes), 微实事 (civic), 微行动 (activities), 微星光 and 微平台 (honors)."""

from __future__ import annotations

from xianfeng.community.services.wishes import (
    COMMUNITY_REGIONS,
    DISPUTE_GRACE,
    REPEAT_WINDOW,
    Upload,
    public_name_for,
    reviewers_for,
    wish_post,
    wish_review,
    wish_claim,
    wish_release,
    wish_fulfil,
    wish_confirm,
    wish_dispute,
    wish_withdraw,
    wishes_expire,
    campaign_create,
)

__all__ = [
    "COMMUNITY_REGIONS",
    "DISPUTE_GRACE",
    "REPEAT_WINDOW",
    "Upload",
    "public_name_for",
    "reviewers_for",
    "wish_post",
    "wish_review",
    "wish_claim",
    "wish_release",
    "wish_fulfil",
    "wish_confirm",
    "wish_dispute",
    "wish_withdraw",
    "wishes_expire",
    "campaign_create",
]
