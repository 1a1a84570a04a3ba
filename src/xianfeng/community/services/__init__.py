"""Writes of the community app, by concern: wishes (微心愿, re-exported here), civic
(微实事), activities (微行动), honors (微星光 and the 微平台 notices)."""

from __future__ import annotations

from xianfeng.community.services._common import Upload
from xianfeng.community.services.wishes import (
    COMMUNITY_REGIONS,
    DISPUTE_GRACE,
    REPEAT_WINDOW,
    campaign_create,
    public_name_for,
    reviewers_for,
    wish_claim,
    wish_confirm,
    wish_dispute,
    wish_fulfil,
    wish_post,
    wish_release,
    wish_review,
    wish_withdraw,
    wishes_expire,
)

__all__ = [
    "COMMUNITY_REGIONS",
    "DISPUTE_GRACE",
    "REPEAT_WINDOW",
    "Upload",
    "campaign_create",
    "public_name_for",
    "reviewers_for",
    "wish_claim",
    "wish_confirm",
    "wish_dispute",
    "wish_fulfil",
    "wish_post",
    "wish_release",
    "wish_review",
    "wish_withdraw",
    "wishes_expire",
]
