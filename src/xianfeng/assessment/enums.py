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
