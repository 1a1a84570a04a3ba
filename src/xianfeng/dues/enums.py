from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DuesCategory(models.TextChoices):
    """How a member's dues are worked out (中组部《关于中国共产党党费收缴、使用和管理的规定》)."""

    IN_WORK = "in_work", _("在职")
    RETIRED = "retired", _("离退休")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    SUBSISTENCE = "subsistence", _("享受最低生活保障")
    # 生活确有困难的党员，经支部党员大会讨论、报上一级党委批准，可以免交 (2008 规定第十条).
    EXEMPT = "exempt", _("经批准免交")


# Categories whose monthly amount is a share of the base income (brackets), and those that
# pay a fixed small amount set by the rule.
BRACKET_CATEGORIES = (DuesCategory.IN_WORK, DuesCategory.RETIRED)
FIXED_CATEGORIES = (DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.SUBSISTENCE)


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现场交纳")
    TRANSFER = "transfer", _("转账")
    # Set only by a payment gateway (none yet): its transaction id goes into `reference`.
    ONLINE = "online", _("在线支付")


# 党员没有正当理由，连续六个月不交纳党费的，按自行脱党处理 (党章第九条): flagged from this many.
BEHIND_MONTHS = 6
