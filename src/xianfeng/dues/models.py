from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.dues.enums import DuesCategory, PaymentMethod


class DuesRule(models.Model):
    """The 党费 rates an org (a county) sets for its subtree from a date on.

    The rule for a member on a day is the one of the nearest org above them with the latest
    `effective_from` on or before that day. `brackets` maps a bracket category to
    [[upper, rate %], …] ascending, the last upper None (no limit); an income equal to an
    upper belongs to that bracket (≤ 3000 元: 0.5 %). The whole income pays one rate."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("制定组织"), on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateField(_("执行日期"))
    brackets = models.JSONField(_("按收入比例"), default=dict)
    # 元 per month for the fixed categories (学生, 下岗失业, 低保).
    fixed = models.JSONField(_("固定金额"), default=dict)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费标准")
        verbose_name_plural = _("党费标准")
        ordering = ["org", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["org", "effective_from"], name="dues_rule_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.effective_from}"


class DuesAssessment(models.Model):
    """A member's 党费核定 for a year: category, base income and the monthly amount the rule
    gives. Made once a year (re-made when income changes: the same row is updated)."""

    member = models.ForeignKey(
        "people.Member", verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("类别"), max_length=16, choices=DuesCategory.choices)
    # 计算基数: monthly income after tax (personal data: shown to branch officers only).
    base_income = models.DecimalField(
        _("月计算基数（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    rate = models.DecimalField(
        _("比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    monthly_amount = models.DecimalField(_("每月应交（元）"), max_digits=9, decimal_places=2)
    # 免交: why (生活困难 …), when the higher committee approved, its decision; the member
    # owes nothing in the year and is not counted as owing.
    exempt_reason = models.CharField(_("免交原因"), max_length=200, blank=True)
    exempt_approved_on = models.DateField(_("上级党委批准日期"), null=True, blank=True)
    exempt_decision = models.CharField(_("批准文号或批准组织"), max_length=100, blank=True)
    rule = models.ForeignKey(
        DuesRule, verbose_name=_("依据标准"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核定人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    assessed_on = models.DateField(_("核定日期"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党费核定")
        verbose_name_plural = _("党费核定")
        ordering = ["member", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="dues_assessment_member_year"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.monthly_amount}"

    @property
    def exempt(self) -> bool:
        return self.category == DuesCategory.EXEMPT


def owed_amounts(assessments: Iterable[DuesAssessment]) -> dict[int, Decimal]:
    """Year → monthly amount of the years the member owes dues (an exempt year owes none)."""
    return {a.year: a.monthly_amount for a in assessments if a.category != DuesCategory.EXEMPT}


class DuesPayment(models.Model):
    """One month's 党费 of one member, as received. One row per member and month (the
    database refuses a second: a double submit records it once).

    A payment gateway would add rows with method ONLINE, its transaction id in `reference`
    and no `recorded_by`; its callback, delivered twice, still pays the month once."""

    member = models.ForeignKey(
        "people.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+"
    )
    # The branch the member paid to (their org when it was recorded): its ledger.
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("收缴组织"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("所属月份"), help_text=_("该月的 1 日"))
    amount = models.DecimalField(_("金额（元）"), max_digits=9, decimal_places=2)
    paid_on = models.DateField(_("交纳日期"))
    method = models.CharField(
        _("交纳方式"), max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.CASH
    )
    reference = models.CharField(_("转账流水号或支付单号"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费交纳")
        verbose_name_plural = _("党费交纳")
        ordering = ["member", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_payment_member_month"),
        ]
        indexes = [models.Index(fields=["org", "month"], name="dues_payment_org_month_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m} {self.amount}"
