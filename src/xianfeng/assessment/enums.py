from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine


class Grade(models.TextChoices):
    """民主评议党员的评定等次."""

    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class AppraisalState(models.TextChoices):
    PREPARING = "preparing", _("准备中")  # 自评
    VOTING = "voting", _("互评中")
    COUNTED = "counted", _("已计票")  # 组织评定 proposed here
    PROPOSED = "proposed", _("待上级确认")
    CONFIRMED = "confirmed", _("已确认")


APPRAISAL_MACHINE = StateMachine(
    name="appraisal",
    label="民主评议",
    states=AppraisalState,
    transitions={
        AppraisalState.PREPARING: {AppraisalState.VOTING},
        AppraisalState.VOTING: {AppraisalState.COUNTED},
        AppraisalState.COUNTED: {AppraisalState.PROPOSED},
        # The higher org sends a proposal back, or confirms it.
        AppraisalState.PROPOSED: {AppraisalState.COUNTED, AppraisalState.CONFIRMED},
    },
)


class SchemeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("执行中")
    RETIRED = "retired", _("已停用")  # replaced by a later version, kept for its scores


SCHEME_MACHINE = StateMachine(
    name="scheme",
    label="考评方案",
    states=SchemeState,
    transitions={
        SchemeState.DRAFT: {SchemeState.ACTIVE},
        SchemeState.ACTIVE: {SchemeState.RETIRED},
    },
)


class ItemRule(models.TextChoices):
    """How a scheme item is scored."""

    COMPUTED = "computed", _("按指标计算")  # from an indicator: full marks at a threshold
    EVIDENCE = "evidence", _("凭材料评分")  # the branch uploads evidence, a reviewer scores
    DEDUCTION = "deduction", _("扣分项")  # points off per occurrence, with reasons


class CheckState(models.TextChoices):
    """A branch's monthly 自查."""

    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")  # the town sent it back with a reason: edit, resubmit
    CHECKED = "checked", _("已抽查")  # the town looked at it (and may have adjusted scores)
    LOCKED = "locked", _("已锁定")  # the quarter's 通报 fixed its score


SELFCHECK_MACHINE = StateMachine(
    name="selfcheck",
    label="月度自查",
    states=CheckState,
    transitions={
        # A draft never submitted is locked as it stands (未按时自查) when the quarter closes.
        CheckState.DRAFT: {CheckState.SUBMITTED, CheckState.LOCKED},
        CheckState.SUBMITTED: {CheckState.CHECKED, CheckState.RETURNED, CheckState.LOCKED},
        # Returned (退回) before or after the spot check; a return not resubmitted by the
        # time the quarter closes is locked like a draft (it counts as not submitted).
        CheckState.RETURNED: {CheckState.SUBMITTED, CheckState.LOCKED},
        CheckState.CHECKED: {CheckState.RETURNED, CheckState.LOCKED},
    },
)


class BulletinState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


BULLETIN_MACHINE = StateMachine(
    name="bulletin",
    label="考评通报",
    states=BulletinState,
    transitions={BulletinState.DRAFT: {BulletinState.PUBLISHED}},
)

SELFCHECK_DUE_KIND = "assessment.selfcheck_due"
BULLETIN_KIND = "assessment.bulletin"
SELFCHECK_RETURNED_KIND = "assessment.selfcheck_returned"
