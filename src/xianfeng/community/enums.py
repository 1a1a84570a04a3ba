from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine
from xianfeng.orgs.enums import RoleKind


class WishCategory(models.TextChoices):
    STUDY = "study", _("助学")
    ELDERLY = "elderly", _("助老")
    DISABLED = "disabled", _("助残")
    MEDICAL = "medical", _("医疗")
    GOODS = "goods", _("生活物资")
    REPAIR = "repair", _("维修")
    JOBS = "jobs", _("就业")
    OTHER = "other", _("其他")


class WishState(models.TextChoices):
    PENDING = "pending", _("待审核")
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    CONFIRMING = "confirming", _("待确认")
    FULFILLED = "fulfilled", _("已实现")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("已过期")
    REJECTED = "rejected", _("未通过")


WISH_TRANSITIONS: dict[str, set[str]] = {
    WishState.PENDING: {WishState.OPEN, WishState.REJECTED, WishState.WITHDRAWN},
    # An open wish is claimed, withdrawn, or expires unclaimed.
    WishState.OPEN: {WishState.CLAIMED, WishState.WITHDRAWN, WishState.EXPIRED},
    # A claim is fulfilled, given up (or overdue: back to open), or the wish withdrawn.
    WishState.CLAIMED: {WishState.CONFIRMING, WishState.OPEN, WishState.WITHDRAWN},
    # The wisher confirms, or disputes (back to the claimer).
    WishState.CONFIRMING: {WishState.FULFILLED, WishState.CLAIMED},
}

WISH_MACHINE = StateMachine(
    name="wish", label="微心愿", states=WishState, transitions=WISH_TRANSITIONS
)

# What the wall shows to everyone (reviewed, not withdrawn or refused).
PUBLIC_STATES = frozenset(
    {WishState.OPEN, WishState.CLAIMED, WishState.CONFIRMING, WishState.FULFILLED}
)
# A claim is running: it counts toward the claimer's limit.
HELD_STATES = frozenset({WishState.CLAIMED, WishState.CONFIRMING})
# Withdrawal is possible until someone has done the work.
WITHDRAWABLE_STATES = frozenset({WishState.PENDING, WishState.OPEN, WishState.CLAIMED})

# Who reviews a community's wishes and sees the wisher's contact: the branch officers.
REVIEW_ROLES = frozenset(
    {RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA, RoleKind.ADMIN}
)
# Who may enter a wish for someone without a phone (代录): the officers and the site admin.
PROXY_ROLES = REVIEW_ROLES | {RoleKind.SITE_ADMIN}
# Who may claim in the name of an org ("东街社区党支部 认领").
ORG_CLAIM_ROLES = frozenset({RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.ADMIN})


class ClaimEnd(models.TextChoices):
    FULFILLED = "fulfilled", _("已实现")
    RELEASED = "released", _("主动放弃")
    OVERDUE = "overdue", _("逾期未实现")
    WITHDRAWN = "withdrawn", _("心愿撤回")


class PhotoKind(models.TextChoices):
    WISH = "wish", _("心愿照片")
    FULFIL = "fulfil", _("实现照片")


class NoticeKind(models.TextChoices):
    REVIEW = "wish.review", _("微心愿待审核")
    PROGRESS = "wish.progress", _("我的微心愿进展")
    CLAIM = "wish.claim", _("我认领的微心愿")


PHOTO_MAX_SIDE = 1600
THUMB_MAX_SIDE = 480
PHOTO_MAX_BYTES = 15 * 1024 * 1024
PHOTOS_PER_KIND = 3
