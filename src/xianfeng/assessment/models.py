from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.assessment.enums import AppraisalState, Grade


class Fact(models.Model):
    """One indicator's figure for one org and month: the org's own records plus its
    subtree's, as numerator and denominator, so every roll-up is a sum (common/indicators)."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织"), on_delete=models.CASCADE, related_name="facts"
    )
    indicator = models.CharField(_("指标"), max_length=64)
    month = models.DateField(_("月份"))  # the first day of the month
    numerator = models.FloatField(_("分子"))
    denominator = models.FloatField(_("分母"), default=1)
    # Only this org's own records (the rest comes from its children), for drill-down.
    own_numerator = models.FloatField(_("本级分子"), default=0)
    own_denominator = models.FloatField(_("本级分母"), default=0)
    value = models.FloatField(_("数值"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("指标数值")
        verbose_name_plural = _("指标数值")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "month", "org"], name="fact_once_per_org_month"
            )
        ]
        indexes = [models.Index(fields=["org", "month"], name="fact_org_month_idx")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.month:%Y-%m} {self.org_id}: {self.value}"


class Appraisal(models.Model):
    """民主评议党员: one branch, one year — self-assessments, a secret mutual ballot, the
    committee's proposed grades and the higher org's confirmation."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="appraisals"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(
        _("状态"), max_length=16, choices=AppraisalState.choices, default=AppraisalState.PREPARING
    )
    # 优秀 at most this share of those appraised (a common rule: 20 %); 0 = no limit.
    excellent_max_percent = models.PositiveSmallIntegerField(_("优秀比例上限（%）"), default=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    voting_opened_at = models.DateTimeField(_("开始互评"), null=True, blank=True)
    counted_at = models.DateTimeField(_("计票时间"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("提交上级"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("上级确认"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_reason = models.CharField(_("退回理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="appraisal_once_per_branch_year")
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year}年民主评议"


class Appraisee(models.Model):
    """A member appraised: their self-assessment, the committee's proposed grade and the
    confirmed one (which goes on their record)."""

    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="appraisees"
    )
    member = models.ForeignKey(
        "people.Member",
        verbose_name=_("党员"),
        on_delete=models.CASCADE,
        related_name="appraisals",
    )
    self_assessment = models.TextField(_("个人自评"), blank=True)
    self_assessed_at = models.DateTimeField(_("自评时间"), null=True, blank=True)
    proposed = models.CharField(_("组织评定"), max_length=16, choices=Grade.choices, blank=True)
    note = models.CharField(_("评定说明"), max_length=200, blank=True)
    grade = models.CharField(_("确认等次"), max_length=16, choices=Grade.choices, blank=True)

    class Meta:
        verbose_name = _("参评党员")
        verbose_name_plural = _("参评党员")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "member"], name="appraisee_once")
        ]

    def __str__(self) -> str:
        return f"{self.appraisal} · {self.member_id}"


class BallotReceipt(models.Model):
    """That a person voted — nothing about how. Ballots are not stored at all: casting adds
    to the counts below in the same transaction, so no row, timestamp or id order can tie a
    mark to a voter."""

    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="receipts"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("投票人"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "voter"], name="ballot_once_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.appraisal_id} · {self.voter_id} 已投票"


class Tally(models.Model):
    """How many ballots gave one appraisee one grade (互评结果)."""

    appraisee = models.ForeignKey(
        Appraisee, verbose_name=_("参评党员"), on_delete=models.CASCADE, related_name="tallies"
    )
    grade = models.CharField(_("等次"), max_length=16, choices=Grade.choices)
    votes = models.PositiveIntegerField(_("票数"), default=0)

    class Meta:
        verbose_name = _("互评票数")
        verbose_name_plural = _("互评票数")
        constraints = [
            models.UniqueConstraint(fields=["appraisee", "grade"], name="tally_once_per_grade")
        ]

    def __str__(self) -> str:
        return f"{self.appraisee_id} {self.grade}: {self.votes}"
