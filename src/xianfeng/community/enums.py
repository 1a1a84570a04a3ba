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


# --- 微实事: civic micro-projects and the residents' vote ------------------------------------


class ProjectState(models.TextChoices):
    PENDING = "pending", _("待审核")
    CANDIDATE = "candidate", _("候选")
    APPROVED = "approved", _("已立项")
    IN_PROGRESS = "in_progress", _("实施中")
    DONE = "done", _("已完成")
    NOT_SELECTED = "not_selected", _("未入选")
    REJECTED = "rejected", _("未通过")


PROJECT_TRANSITIONS: dict[str, set[str]] = {
    ProjectState.PENDING: {ProjectState.CANDIDATE, ProjectState.REJECTED},
    # The count decides: the top projects within the budget are approved, the rest not.
    ProjectState.CANDIDATE: {ProjectState.APPROVED, ProjectState.NOT_SELECTED},
    ProjectState.APPROVED: {ProjectState.IN_PROGRESS, ProjectState.DONE},
    ProjectState.IN_PROGRESS: {ProjectState.DONE},
}

PROJECT_MACHINE = StateMachine(
    name="civic_project", label="微实事", states=ProjectState, transitions=PROJECT_TRANSITIONS
)

# Seen by everyone: the candidates, the count's outcome and the public progress log.
PROJECT_PUBLIC_STATES = frozenset(
    {
        ProjectState.CANDIDATE,
        ProjectState.APPROVED,
        ProjectState.IN_PROGRESS,
        ProjectState.DONE,
        ProjectState.NOT_SELECTED,
    }
)
# 立项 → 实施中 → 已完成: the states whose progress log is written.
PROJECT_WORK_STATES = frozenset({ProjectState.APPROVED, ProjectState.IN_PROGRESS})


class CivicNoticeKind(models.TextChoices):
    REVIEW = "civic.review", _("微实事待审核")
    PROGRESS = "civic.progress", _("我关注的微实事进展")


# --- 微行动: activities, sign-up, check-in and service hours --------------------------------


class ActivityKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿服务")
    PARTY_DAY = "party_day", _("主题党日")
    CLEANUP = "cleanup", _("环境整治")
    LECTURE = "lecture", _("宣讲讲座")
    CARE = "care", _("关爱帮扶")
    OTHER = "other", _("其他")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("党员和群众")
    MEMBERS = "members", _("仅党员")


class ActivityState(models.TextChoices):
    PUBLISHED = "published", _("报名中")
    CANCELLED = "cancelled", _("已取消")


ACTIVITY_MACHINE = StateMachine(
    name="activity",
    label="微行动",
    states=ActivityState,
    transitions={ActivityState.PUBLISHED: {ActivityState.CANCELLED}},
)


class SignupState(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")


class ActivityNoticeKind(models.TextChoices):
    SIGNUP = "activity.signup", _("我报名的活动")


# The activity's QR code: a new one every 30 s, accepted during its step and the next.
ACTIVITY_QR_STEP_SECONDS = 30
# Check-in opens this long before the start; check-out closes this long after the end.
CHECKIN_OPENS_MINUTES = 30
CHECKOUT_CLOSES_HOURS = 3


# --- 微星光 and 微平台 ------------------------------------------------------------------------


class HonorKind(models.TextChoices):
    MEMBER = "member", _("优秀党员")
    TEAM = "team", _("党员先锋队")
    POST = "post", _("党员示范岗")
    BRAND = "brand", _("支部品牌")


class HonorState(models.TextChoices):
    NOMINATED = "nominated", _("待审批")
    APPROVED = "approved", _("已入选")
    RETURNED = "returned", _("已退回")


HONOR_MACHINE = StateMachine(
    name="honor",
    label="微星光",
    states=HonorState,
    transitions={
        HonorState.NOMINATED: {HonorState.APPROVED, HonorState.RETURNED},
        HonorState.RETURNED: {HonorState.NOMINATED},
    },
)


class HonorNoticeKind(models.TextChoices):
    REVIEW = "honor.review", _("微星光待审批")
    RESULT = "honor.result", _("微星光审批结果")
