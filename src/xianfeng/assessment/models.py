from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.assessment.enums import AppraisalState, Grade, ItemRule, SchemeState


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
        # An org's months (trends), and with indicator, value and id in the key the
        # dashboard's red flags rank a subtree's misses from the index alone.
        indexes = [
            models.Index(
                fields=["org", "month", "indicator", "value", "id"], name="fact_org_month_cover"
            )
        ]

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


class Scheme(models.Model):
    """量化考评方案: what an org (usually a county) scores its branches on for a year.

    Versioned: a scheme in use is never edited in place. Revising an active scheme makes a
    draft copy with the next version number; activating it retires the old one, whose
    scores stay readable as they were computed."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("制定组织"), on_delete=models.PROTECT, related_name="schemes"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("方案名称"), max_length=100)
    state = models.CharField(
        _("状态"), max_length=16, choices=SchemeState.choices, default=SchemeState.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("修订自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    change_note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("制定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考评方案")
        verbose_name_plural = _("考评方案")
        ordering = ["-year", "org_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "version"], name="scheme_version_once"),
            # At most one scheme in force per org and year.
            models.UniqueConstraint(
                fields=["org", "year"],
                condition=models.Q(state=SchemeState.ACTIVE),
                name="scheme_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @property
    def editable(self) -> bool:
        return self.state == SchemeState.DRAFT


class SchemeItem(models.Model):
    """One scored line of a scheme, under a heading (五个好 or the county's own)."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("考评方案"), on_delete=models.CASCADE, related_name="items"
    )
    heading = models.CharField(_("分组"), max_length=40)
    name = models.CharField(_("考评内容"), max_length=100)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    rule = models.CharField(_("评分方式"), max_length=16, choices=ItemRule.choices)
    indicator = models.CharField(_("指标"), max_length=64, blank=True)
    # Computed items: full marks at `full_at` (e.g. 100 %), none at `zero_at`, linear between.
    full_at = models.FloatField(_("满分线"), null=True, blank=True)
    zero_at = models.FloatField(_("零分线"), null=True, blank=True, default=0)
    # Deductions: points off per occurrence, never below zero for the item.
    per_case = models.DecimalField(
        _("每次扣分"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    guidance = models.CharField(_("评分说明"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考评项目")
        verbose_name_plural = _("考评项目")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.heading} · {self.name}"
