from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.contests.enums import (
    STAGE_STOP_SECONDS,
    STAGE_WARN_SECONDS,
    Aggregation,
    ContestState,
    Decision,
    Level,
    Recurrence,
    RoundState,
    StageState,
)


class Contest(models.Model):
    """A micro-lesson contest (一人一课, a monthly 评比) run by an org over its subtree."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="contests"
    )
    title = models.CharField(_("名称"), max_length=100)
    theme = models.CharField(_("主题"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    extra_orgs = models.ManyToManyField(
        "orgs.Org", verbose_name=_("可参赛的其他组织"), blank=True, related_name="guest_contests"
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=ContestState.choices, default=ContestState.DRAFT
    )
    recurrence = models.CharField(
        _("重复"), max_length=16, choices=Recurrence.choices, default="", blank=True
    )
    # The contest this one was opened from (monthly 评比): rounds and rubric are copied.
    template = models.ForeignKey(
        "self",
        verbose_name=_("模板"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("竞赛")
        verbose_name_plural = _("竞赛")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Round(models.Model):
    """One tier of selection with its dates, deciding level, quota and rubric."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("竞赛"), on_delete=models.CASCADE, related_name="rounds"
    )
    number = models.PositiveSmallIntegerField(_("轮次"))
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("评选层级"), max_length=16, choices=Level.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    quota = models.PositiveIntegerField(_("每个组织可推荐"), default=0, help_text=_("0 表示不限"))
    aggregation = models.CharField(
        _("计分方式"), max_length=16, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    vote_share = models.PositiveSmallIntegerField(
        _("群众投票占比（%）"), default=0, validators=[MaxValueValidator(100)]
    )
    blind = models.BooleanField(_("匿名评审"), default=False, help_text=_("评委看不到主讲人和组织"))
    judges_see_others = models.BooleanField(_("评委提交后可看他人评分"), default=False)
    # 走上讲台讲党课: the speeches are given on a stage and scored on the spot; an entry is the
    # speaker and the topic (its lesson a draft until a recording is attached).
    on_stage = models.BooleanField(_("现场比赛（走上讲台）"), default=False)
    warn_seconds = models.PositiveIntegerField(
        _("提醒时间（秒）"), default=STAGE_WARN_SECONDS, validators=[MinValueValidator(30)]
    )
    stop_seconds = models.PositiveIntegerField(
        _("限时（秒）"), default=STAGE_STOP_SECONDS, validators=[MinValueValidator(60)]
    )
    show_judge_scores = models.BooleanField(_("大屏显示各评委分数"), default=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=RoundState.choices, default=RoundState.PENDING
    )
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评选轮次")
        verbose_name_plural = _("评选轮次")
        ordering = ["contest", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="round_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.name}"

    @property
    def stage_timing_label(self) -> str:
        """限时 8 分钟，7 分钟时提醒 (an on-stage round's timing, as the pages say it)."""

        def words(seconds: int) -> str:
            minutes, rest = divmod(seconds, 60)
            if not rest:
                return f"{minutes} 分钟"
            return f"{minutes} 分 {rest} 秒" if minutes else f"{rest} 秒"

        return f"限时 {words(self.stop_seconds)}，{words(self.warn_seconds)}时提醒"


class Criterion(models.Model):
    """A line of a round's rubric: 思想性 40 %, …; an independent one is shown, not counted."""

    round = models.ForeignKey(
        Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("评分项"), max_length=30)
    weight = models.DecimalField(
        _("权重（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    max_score = models.PositiveSmallIntegerField(_("满分"), default=100)
    required = models.BooleanField(_("必评"), default=True)
    counted = models.BooleanField(_("计入总分"), default=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分细则")
        verbose_name_plural = _("评分细则")
        ordering = ["round", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    """A lesson in a contest: entered by its speaker or nominated by the branch."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("竞赛"), on_delete=models.CASCADE, related_name="entries"
    )
    lesson = models.ForeignKey(
        "lessons.Lesson", verbose_name=_("微党课"), on_delete=models.PROTECT, related_name="entries"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("作品编号"), max_length=20)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("参赛作品")
        verbose_name_plural = _("参赛作品")
        ordering = ["contest", "code"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "lesson"], name="entry_lesson_once"),
            models.UniqueConstraint(fields=["contest", "code"], name="entry_code_once"),
        ]

    def __str__(self) -> str:
        return self.code


class EntryVersion(models.Model):
    """The video an entry was judged on; an improved version (打磨) keeps the earlier ones."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("作品"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("版本"))
    video = models.ForeignKey(
        "media.Video", verbose_name=_("视频"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("作品版本")
        verbose_name_plural = _("作品版本")
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="entry_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.entry} v{self.number}"


class Standing(models.Model):
    """An entry's place in a round: pending, advanced or stopped — recorded quietly and
    shown to entrants only when the round is published."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("作品"), on_delete=models.CASCADE, related_name="standings"
    )
    round = models.ForeignKey(
        Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="standings"
    )
    # The org that decides this entry in this round (its branch, its town committee, or the
    # organiser), fixed when the entry enters the round: quotas are counted per decider.
    decider = models.ForeignKey(
        "orgs.Org", verbose_name=_("评选组织"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(
        _("结果"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("晋级情况")
        verbose_name_plural = _("晋级情况")
        constraints = [models.UniqueConstraint(fields=["entry", "round"], name="standing_once")]
        indexes = [
            models.Index(fields=["round", "decision"], name="standing_round_idx"),
            models.Index(fields=["round", "decider", "decision"], name="standing_quota_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} · {self.round} · {self.decision}"


class RoundJudge(models.Model):
    """A judge (评委) of a round: all entries, or only the assigned ones."""

    round = models.ForeignKey(
        Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="judges"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评委"),
        on_delete=models.PROTECT,
        related_name="judging",
    )
    all_entries = models.BooleanField(_("评审全部作品"), default=True)
    entries = models.ManyToManyField(
        Entry, verbose_name=_("分配的作品"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("评委")
        verbose_name_plural = _("评委")
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="round_judge_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.round}"


class Review(models.Model):
    """One judge's scores for one entry in one round (a second save updates it)."""

    round = models.ForeignKey(
        Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="reviews"
    )
    entry = models.ForeignKey(
        Entry, verbose_name=_("作品"), on_delete=models.CASCADE, related_name="reviews"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评委"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    # None for a speech scored on stage (no video was judged).
    version = models.ForeignKey(
        EntryVersion,
        verbose_name=_("评审的版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    # {criterion id: score}; totals are computed from these with the current weights.
    scores = models.JSONField(_("各项得分"), default=dict)
    abstained = models.BooleanField(_("回避/弃权"), default=False)
    feedback = models.TextField(_("点评与打磨建议"), blank=True)
    # The device's key for the last submission (a judge's phone resends a queued score
    # after a dropped connection): the same key again is the same submission.
    client_key = models.CharField(_("提交标识"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now=True)

    class Meta:
        verbose_name = _("评审")
        verbose_name_plural = _("评审")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "entry", "judge"], name="review_once_per_judge"
            )
        ]
        indexes = [models.Index(fields=["round", "entry"], name="review_round_entry_idx")]

    def __str__(self) -> str:
        return f"{self.judge} → {self.entry}"


class StageSlot(models.Model):
    """A speaker's turn in an on-stage round: the order, the timed speech, the reveal. Once
    revealed, the score shown is the one stored here and the judges' reviews are locked."""

    round = models.ForeignKey(
        Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="slots"
    )
    entry = models.ForeignKey(
        Entry, verbose_name=_("作品"), on_delete=models.CASCADE, related_name="slots"
    )
    position = models.PositiveSmallIntegerField(_("出场顺序"))
    state = models.CharField(
        _("状态"), max_length=16, choices=StageState.choices, default=StageState.WAITING
    )
    started_at = models.DateTimeField(_("开始演讲"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束演讲"), null=True, blank=True)
    revealed_at = models.DateTimeField(_("揭晓时间"), null=True, blank=True)
    score = models.DecimalField(
        _("揭晓得分"), max_digits=7, decimal_places=3, null=True, blank=True
    )
    # The judges' totals at the reveal, in the judges' order (as text, exact decimals).
    judge_totals = models.JSONField(_("各评委总分"), default=list, blank=True)

    class Meta:
        verbose_name = _("出场")
        verbose_name_plural = _("出场")
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry"], name="stage_slot_once"),
            models.UniqueConstraint(fields=["round", "position"], name="stage_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.position}"


class Vote(models.Model):
    """A member's public vote for an entry in a round: one per member per entry."""

    round = models.ForeignKey(
        Round, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="votes"
    )
    entry = models.ForeignKey(
        Entry, verbose_name=_("作品"), on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("投票人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("投票时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")
        constraints = [
            models.UniqueConstraint(fields=["round", "entry", "user"], name="vote_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.entry}"


class Award(models.Model):
    """An award: to an entry (一等奖 …) or to an org (优秀组织奖), with a certificate number."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("竞赛"), on_delete=models.CASCADE, related_name="awards"
    )
    level = models.CharField(_("奖项"), max_length=16)
    label = models.CharField(_("奖项名称"), max_length=20)
    entry = models.ForeignKey(
        Entry,
        verbose_name=_("作品"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="awards",
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rank = models.PositiveIntegerField(_("名次"), null=True, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("颁发时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("奖项")
        verbose_name_plural = _("奖项")
        ordering = ["contest", "rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=False) | Q(org__isnull=False), name="award_has_a_winner"
            ),
            models.UniqueConstraint(
                fields=["contest", "entry"],
                condition=Q(entry__isnull=False),
                name="award_once_per_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contest} {self.label}"
