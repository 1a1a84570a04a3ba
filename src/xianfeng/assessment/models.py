from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.assessment.enums import (
    AppraisalState,
    BulletinState,
    CheckState,
    Grade,
    ItemRule,
    SchemeState,
)
from xianfeng.common import records
from xianfeng.common.storage import private_storage


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
    # The year's grade: "label:lowest score" from the best down; 达标 and 标杆支部 lines.
    grade_bands = models.CharField(
        _("等次划分"), max_length=200, default="五星:95,四星:85,三星:75,二星:60,一星:0"
    )
    standard_min = models.DecimalField(_("达标线"), max_digits=4, decimal_places=1, default=75)
    benchmark_min = models.DecimalField(
        _("标杆支部分数线"), max_digits=4, decimal_places=1, default=95
    )

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


class SpotCheck(models.Model):
    """抽查: a town (or county) looks again at a sample of its branches' submitted 自查."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("抽查组织"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("月份"))
    randomly = models.BooleanField(_("随机抽取"), default=True)
    size = models.PositiveSmallIntegerField(_("抽查数量"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽查人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("抽查时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抽查")
        verbose_name_plural = _("抽查")
        # One per org and month: a second request adds to it (a double click draws no
        # second sample).
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="spotcheck_once")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m} 抽查 {self.size} 个"


class SelfCheck(models.Model):
    """月度自查: one branch, one month, scored against the scheme in force."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("考评方案"), on_delete=models.PROTECT, related_name="selfchecks"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="selfchecks"
    )
    month = models.DateField(_("月份"))  # the first day of the month
    state = models.CharField(
        _("状态"), max_length=16, choices=CheckState.choices, default=CheckState.DRAFT
    )
    # On a 100-point scale over the items that could be scored (an indicator with nothing
    # to measure leaves its points out); None until something is scored.
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    spot_check = models.ForeignKey(
        SpotCheck,
        verbose_name=_("抽查"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("抽查完成"), null=True, blank=True)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度自查")
        verbose_name_plural = _("月度自查")
        ordering = ["-month", "org__path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "month"], name="selfcheck_once_per_month")
        ]
        indexes = [models.Index(fields=["month", "state"], name="selfcheck_month_state")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m} 自查"

    @property
    def editable(self) -> bool:
        return self.state in (CheckState.DRAFT, CheckState.RETURNED)


class CheckReturn(models.Model):
    """退回: the town sent a submitted self-check back to the branch, with its reason; kept
    (with when it came back) so the history of returns stays readable."""

    selfcheck = models.ForeignKey(
        SelfCheck, verbose_name=_("月度自查"), on_delete=models.CASCADE, related_name="returns"
    )
    reason = models.CharField(_("退回理由"), max_length=300)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("退回时间"), auto_now_add=True)
    score = models.DecimalField(
        _("退回时得分"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    resubmitted_at = models.DateTimeField(_("重新提交"), null=True, blank=True)

    class Meta:
        verbose_name = _("自查退回")
        verbose_name_plural = _("自查退回")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.selfcheck_id} 退回：{self.reason[:20]}"


class CheckLine(models.Model):
    """One scheme item in a self-check: the figure behind it, the branch's own score and,
    after a spot check, the adjusted score (each change kept as an Adjustment)."""

    selfcheck = models.ForeignKey(
        SelfCheck, verbose_name=_("月度自查"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(
        SchemeItem, verbose_name=_("考评项目"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.FloatField(_("指标值"), null=True, blank=True)
    records_url = models.CharField(_("记录链接"), max_length=300, blank=True)
    self_score = models.DecimalField(
        _("自评得分"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    cases = models.PositiveSmallIntegerField(_("扣分次数"), default=0)
    note = models.TextField(_("自查说明"), blank=True)  # 扣分事由 for a deduction
    adjusted = models.DecimalField(
        _("核定得分"), max_digits=5, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("自查项目")
        verbose_name_plural = _("自查项目")
        ordering = ["item__sort_order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["selfcheck", "item"], name="checkline_once")]

    def __str__(self) -> str:
        return f"{self.selfcheck_id} · {self.item_id}"

    @property
    def final(self) -> Decimal | None:
        return self.adjusted if self.adjusted is not None else self.self_score


class Adjustment(models.Model):
    """A score changed in a spot check: what it was, what it became, and why."""

    line = models.ForeignKey(
        CheckLine, verbose_name=_("自查项目"), on_delete=models.CASCADE, related_name="adjustments"
    )
    before = models.DecimalField(_("原得分"), max_digits=5, decimal_places=1, null=True)
    after = models.DecimalField(_("核定得分"), max_digits=5, decimal_places=1)
    reason = models.CharField(_("调整理由"), max_length=300)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    adjusted_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分数调整")
        verbose_name_plural = _("分数调整")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.before} → {self.after}"


class Evidence(models.Model):
    """Evidence for a self-check item: a private file or a link."""

    line = models.ForeignKey(
        CheckLine, verbose_name=_("自查项目"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(
        _("文件"), upload_to="assessment/%Y/%m/", storage=private_storage, blank=True
    )
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)
    link = models.URLField(_("链接"), max_length=500, blank=True)
    name = models.CharField(_("名称"), max_length=100)
    # A record of the platform instead of a file (common/records: "meetings.meeting", 12),
    # chosen from the branch's own; `name` keeps its title as it was when chosen.
    record_kind = models.CharField(_("记录类型"), max_length=64, blank=True)
    record_id = models.PositiveBigIntegerField(_("记录编号"), null=True, blank=True)
    # SHA-256 of the file's bytes (of the link, of the record reference): the same file
    # twice on one item (a double click, a retry after a dropped connection) is stored
    # once. Blank on rows from before it was kept.
    digest = models.CharField(_("内容摘要"), max_length=64, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "digest"],
                condition=~models.Q(digest=""),
                name="evidence_once_per_line",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def record_url(self) -> str:
        """The referenced record's page (its own app checks who may open it)."""
        kind = records.get(self.record_kind) if self.record_kind else None
        return kind.url(self.record_id) if kind is not None and self.record_id else ""

    @property
    def record_label(self) -> str:
        kind = records.get(self.record_kind) if self.record_kind else None
        return kind.label if kind is not None else ""


class Bulletin(models.Model):
    """考评通报: a quarter's ranking of the branches below an org (quarter 1–4), or the
    year's grades (quarter 0). Scores are fixed when it is published."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("通报组织"), on_delete=models.PROTECT, related_name="bulletins"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))  # 0: the year
    state = models.CharField(
        _("状态"), max_length=16, choices=BulletinState.choices, default=BulletinState.DRAFT
    )
    comment = models.TextField(_("总体评价"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考评通报")
        verbose_name_plural = _("考评通报")
        ordering = ["-year", "-quarter", "org__path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "quarter"], name="bulletin_once")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def annual(self) -> bool:
        return self.quarter == 0

    @property
    def title(self) -> str:
        period = "年度考评结果" if self.quarter == 0 else f"第{self.quarter}季度考评通报"
        return f"{self.org.name}{self.year}年{period}"

    @property
    def months(self) -> list[int]:
        if self.quarter == 0:
            return list(range(1, 13))
        return [3 * self.quarter - 2, 3 * self.quarter - 1, 3 * self.quarter]

    @property
    def firsts(self) -> list[datetime.date]:
        return [datetime.date(self.year, m, 1) for m in self.months]


class BulletinRow(models.Model):
    """One branch in a 通报: its rank, score and comment; in the year's, its grade."""

    bulletin = models.ForeignKey(
        Bulletin, verbose_name=_("考评通报"), on_delete=models.CASCADE, related_name="rows"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(_("名次"))
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    periods = models.PositiveSmallIntegerField(_("已考评期数"), default=0)
    comment = models.CharField(_("点评"), max_length=200, blank=True)
    grade = models.CharField(_("等次"), max_length=16, blank=True)
    meets = models.BooleanField(_("达标"), default=False)
    benchmark = models.BooleanField(_("标杆支部"), default=False)

    class Meta:
        verbose_name = _("通报排名")
        verbose_name_plural = _("通报排名")
        ordering = ["rank", "org__path"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "org"], name="bulletin_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.bulletin_id} #{self.rank} {self.org_id}"


class SelfCheckReminder(models.Model):
    """That a branch was told its 自查 for a month is due (or overdue): once each."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    stage = models.CharField(max_length=16)  # "due" or "overdue"
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("自查提醒")
        verbose_name_plural = _("自查提醒")
        constraints = [
            models.UniqueConstraint(fields=["org", "month", "stage"], name="selfcheck_remind_once")
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m} {self.stage}"
