from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine
from xianfeng.orgs.enums import RECORD_ROLES, RoleKind


class SiteKind(models.TextChoices):
    VILLAGE = "village", _("村站点")
    COMMUNITY = "community", _("社区站点")
    HOUSEHOLD = "household", _("入户终端")
    OUTDOOR = "outdoor", _("户外示范点")
    COMPANY = "company", _("企业站点")
    SCHOOL = "school", _("学校站点")


class ViewingState(models.TextChoices):
    OPEN = "open", _("进行中")
    HELD = "held", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class AudienceGroup(models.TextChoices):
    ALL = "all", _("全体党员群众")
    ELDERLY = "elderly", _("老年人")
    WOMEN = "women", _("农村妇女")
    STUDENTS = "students", _("学生")
    GROWERS = "growers", _("种养大户")
    YOUTH = "youth", _("青年")
    CADRES = "cadres", _("村组干部")


# Who runs a site (pairs devices, starts viewings): the 站点管理员 and the org admin above it.
SITE_MANAGE_ROLES = frozenset({RoleKind.SITE_ADMIN, RoleKind.ADMIN})
# Who may look at a site and its figures: those, and the officers of the branch it serves.
SITE_VIEW_ROLES = SITE_MANAGE_ROLES | RECORD_ROLES
# Who reads the 开机通报 of a region: the org admins (county, town).
BULLETIN_ROLES = frozenset({RoleKind.ADMIN})


class PlanState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Topic(models.TextChoices):
    """Courseware categories (what feedback asks for next)."""

    HISTORY = "history", _("党史")
    POLICY = "policy", _("政策法规")
    FARMING = "farming", _("农业技术")
    HEALTH = "health", _("卫生健康")
    LAW = "law", _("法律")
    LOCAL = "local", _("本地风土人情")


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    COMMITTED = "committed", _("已导入")


class SignInHow(models.TextChoices):
    QR = "qr", _("扫码签到")
    PROXY = "proxy", _("代签")
    # 入户终端: a member of the household confirmed on their own phone that they watched.
    CONFIRM = "confirm", _("本人确认")


class PlanNotice(models.TextChoices):
    PUBLISHED = "remote.plan", _("收看计划")
    SILENT = "remote.silent", _("站点未开机提醒")
    HOUSEHOLD = "remote.household", _("入户收看确认")
    HOUSEHOLD_JOIN = "remote.household_join", _("入户终端加入申请")


PLAN_MACHINE = StateMachine(
    name="viewing_plan",
    label="收看计划",
    states=PlanState,
    transitions={PlanState.DRAFT: {PlanState.PUBLISHED}},
)
VIEWING_MACHINE = StateMachine(
    name="viewing",
    label="组织收看",
    states=ViewingState,
    transitions={ViewingState.OPEN: {ViewingState.HELD, ViewingState.CANCELLED}},
)


class PackState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    BUILDING = "building", _("生成中")
    READY = "ready", _("可下载")
    FAILED = "failed", _("生成失败")


PACK_MACHINE = StateMachine(
    name="offline_pack",
    label="离线包",
    states=PackState,
    transitions={
        PackState.QUEUED: {PackState.BUILDING, PackState.FAILED},
        PackState.BUILDING: {PackState.READY, PackState.FAILED, PackState.QUEUED},
        PackState.FAILED: {PackState.QUEUED},
        PackState.READY: {PackState.QUEUED},
    },
    allow_same=True,
    quiet=frozenset({PackState.QUEUED, PackState.BUILDING}),
)


class JoinState(models.TextChoices):
    """A member's request to join the household an 入户终端 is paired to."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    DECLINED = "declined", _("未同意")
    # Replaced by a request to another household, or settled by the admin adding them.
    WITHDRAWN = "withdrawn", _("已撤回")


class JoinVia(models.TextChoices):
    QR = "qr", _("扫描电视上的二维码")
    CODE = "code", _("输入站点编码")


JOIN_MACHINE = StateMachine(
    name="household_join",
    label="入户申请",
    states=JoinState,
    transitions={JoinState.PENDING: {JoinState.APPROVED, JoinState.DECLINED, JoinState.WITHDRAWN}},
)
