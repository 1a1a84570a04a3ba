from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.study.enums import (
    AttemptState,
    Difficulty,
    EntryKind,
    ImportState,
    Period,
    QuestionKind,
    QuizKind,
)


class PointsEntry(models.Model):
    """One line of the learning-points ledger: a person, a rule, the points, the day and the
    source object they came from. An earning and its reversal are two rows; the ledger's
    sum is the person's total."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("党员"),
        on_delete=models.CASCADE,
        related_name="points_entries",
    )
    # The person's org when it was earned (rankings count it there).
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.CharField(_("积分规则"), max_length=64)
    kind = models.CharField(_("类型"), max_length=8, choices=EntryKind.choices)
    points = models.IntegerField(_("积分"))
    day = models.DateField(_("日期"))
    source_type = models.CharField(_("来源类型"), max_length=64)
    source_id = models.CharField(_("来源编号"), max_length=64)
    title = models.CharField(_("来源"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=100, blank=True)
    event_id = models.PositiveBigIntegerField(_("事件编号"), null=True, blank=True)
    created_at = models.DateTimeField(_("记入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        constraints = [
            # Once per person, rule and source, whatever replays or repeats the event.
            models.UniqueConstraint(
                fields=["user", "rule", "source_type", "source_id", "kind"],
                name="points_once_per_source",
            )
        ]
        indexes = [
            models.Index(fields=["user", "day"], name="points_user_day_idx"),
            models.Index(fields=["user", "-created_at"], name="points_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.rule} {self.points:+d}"


class PointsDay(models.Model):
    """What a person earned on one day (gross, for the daily caps). Its row is locked while
    an earning is written, so two events at once cannot both slip under a cap."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    earned = models.PositiveIntegerField(_("当日获得"), default=0)

    class Meta:
        verbose_name = _("每日积分")
        verbose_name_plural = _("每日积分")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="points_day_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.earned}"


class PointsTotal(models.Model):
    """A person's net points in one week, month or year, kept with each ledger row (F()
    updates): rankings read these, never the millions of ledger rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    start = models.DateField(_("起始日"))
    points = models.IntegerField(_("积分"), default=0)

    class Meta:
        verbose_name = _("积分汇总")
        verbose_name_plural = _("积分汇总")
        constraints = [
            models.UniqueConstraint(fields=["user", "period", "start"], name="points_total_once")
        ]
        indexes = [
            models.Index(fields=["period", "start", "points"], name="points_total_rank_idx"),
            models.Index(fields=["period", "start", "org"], name="points_total_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period} {self.start} {self.points}"


class PointsRuleSetting(models.Model):
    """An org's own points and daily cap for a rule; applies to its subtree unless a lower
    org sets its own."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+"
    )
    rule = models.CharField(_("积分规则"), max_length=64)
    points = models.PositiveSmallIntegerField(_("每次积分"))
    daily_cap = models.PositiveSmallIntegerField(_("每日上限"), help_text=_("0 表示不设上限"))
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("积分规则设置")
        verbose_name_plural = _("积分规则设置")
        constraints = [
            models.UniqueConstraint(fields=["org", "rule"], name="points_rule_setting_once")
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.rule}"


class PointsPolicy(models.Model):
    """An org's cap on the points one person can earn in a day, for its subtree."""

    org = models.OneToOneField(
        "orgs.Org", verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+"
    )
    daily_cap = models.PositiveSmallIntegerField(_("每日总上限"), help_text=_("0 表示不设上限"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("每日积分上限")
        verbose_name_plural = _("每日积分上限")

    def __str__(self) -> str:
        return f"{self.org_id} {self.daily_cap}"


class Question(models.Model):
    """One question of an org's bank (题库); usable by the org and every org below it.

    `options` holds the choices of 单选/多选 (A, B, C … in order); `answer` holds the
    correct letters ("A", "C"), "T"/"F" for 判断, or every accepted text of a 填空."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("题型"), max_length=8, choices=QuestionKind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.JSONField(_("答案"), default=list)
    explanation = models.TextField(_("解析"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    tags = models.JSONField(_("标签"), default=list, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    # The stem without spaces and punctuation, with the kind: finds the same question twice.
    fingerprint = models.CharField(_("指纹"), max_length=64, db_index=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    batch = models.ForeignKey(
        "study.QuestionImport",
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        constraints = [
            models.UniqueConstraint(fields=["org", "fingerprint"], name="question_once_per_bank")
        ]
        indexes = [models.Index(fields=["org", "kind", "is_active"], name="question_bank_idx")]

    def __str__(self) -> str:
        return self.stem[:40]


class QuestionImport(models.Model):
    """An uploaded question workbook: read and checked (preview), then committed at once
    or not at all."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("导入到"), on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filename = models.CharField(_("文件名"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=12, choices=ImportState.choices, default=ImportState.PREVIEW
    )
    rows = models.JSONField(_("可导入的题目"), default=list)
    errors = models.JSONField(_("错误"), default=list)
    imported = models.PositiveIntegerField(_("导入题数"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("题库导入")
        verbose_name_plural = _("题库导入")

    def __str__(self) -> str:
        return self.filename


class Quiz(models.Model):
    """An exam (考试), a 每日一练 or a lesson's 知识检测: who it is for (the org's subtree),
    when, how long, how the paper is made, the pass mark and how many attempts."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=QuizKind.choices)
    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("答题时长（分钟）"), default=0, help_text=_("0 表示不限时（仍以结束时间为准）")
    )
    # {"fixed": [question ids]} or {"rules": [{"kind": "single", "tag": "", "count": 5}]}
    paper = models.JSONField(_("组卷方式"), default=dict)
    points = models.JSONField(_("每题分值"), default=dict, blank=True)  # by kind
    shuffle = models.BooleanField(_("打乱题目和选项顺序"), default=True)
    pass_percent = models.PositiveSmallIntegerField(_("及格线（百分比）"), default=60)
    attempts_allowed = models.PositiveSmallIntegerField(_("可答次数"), default=1)
    is_published = models.BooleanField(_("已发布"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("测验")
        verbose_name_plural = _("测验")
        indexes = [models.Index(fields=["org", "kind", "closes_at"], name="quiz_org_idx")]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    """One person's answer sheet (答卷) for a quiz. The paper is drawn and frozen when it
    starts (questions, shuffled options and the key, which never leaves the server before
    submission); the server's clock sets the deadline."""

    quiz = models.ForeignKey(
        Quiz, verbose_name=_("测验"), on_delete=models.CASCADE, related_name="attempts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答题人"),
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    # 1, 2 … for an exam; the day (20261202) for a 每日一练: one per person per day.
    number = models.PositiveIntegerField(_("第几次"))
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS
    )
    paper = models.JSONField(_("试卷"), default=list)
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    auto_submitted = models.BooleanField(_("到时自动交卷"), default=False)
    score = models.PositiveIntegerField(_("得分"), default=0)
    max_score = models.PositiveIntegerField(_("满分"), default=0)
    correct = models.PositiveSmallIntegerField(_("答对题数"), default=0)
    passed = models.BooleanField(_("及格"), default=False)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "user", "number"], name="attempt_once")
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="attempt_due_idx"),
            models.Index(fields=["quiz", "state"], name="attempt_quiz_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id} · {self.user_id} · {self.number}"


class AttemptAnswer(models.Model):
    """The answer to one question of an attempt, saved as the person goes (an upsert per
    question), so a dropped connection loses nothing already saved."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="answers"
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    response = models.JSONField(_("作答"), default=list)
    is_correct = models.BooleanField(_("正确"), null=True)
    points = models.PositiveSmallIntegerField(_("得分"), default=0)
    saved_at = models.DateTimeField(_("保存时间"))

    class Meta:
        verbose_name = _("作答")
        verbose_name_plural = _("作答")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"
