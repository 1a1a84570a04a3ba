from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.storage import private_storage
from xianfeng.moderation.enums import TextStatus
from xianfeng.study.enums import (
    READING_CHARS_PER_MINUTE,
    READING_MIN_SECONDS,
    ArticleState,
    AttemptState,
    Difficulty,
    EntryKind,
    ImportState,
    Period,
    QuestionKind,
    QuizKind,
    RoomState,
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
    """A person's net points in one week, month or year at one org, kept with each ledger
    row (F() updates): rankings read these, never the millions of ledger rows. A member
    transferred within the period has a row at each branch, so a branch's ranking counts
    only what was earned while they belonged to it."""

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
            models.UniqueConstraint(
                fields=["user", "period", "start", "org"],
                condition=models.Q(org__isnull=False),
                name="points_total_once_per_org",
            ),
            # Points of someone with no member record (NULL org): one row all the same.
            models.UniqueConstraint(
                fields=["user", "period", "start"],
                condition=models.Q(org__isnull=True),
                name="points_total_once_no_org",
            ),
        ]
        indexes = [
            # In the ranking's order (points down, then user), so the top 50 of a county
            # are the index's first rows, however many tie on points.
            models.Index(
                fields=["period", "start", "-points", "user"], name="points_total_top_idx"
            ),
            # With the points: a scope's rank and its branches' sums count the index alone.
            models.Index(
                fields=["period", "start", "org", "points"], name="points_total_org_pts_idx"
            ),
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
    # A lesson's 知识检测 (kind "check"): the lesson it follows.
    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("微党课"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # A level (关卡) of a 知识竞赛 (kind "level"): the competition and its number (1, 2 …).
    competition = models.ForeignKey(
        "study.Competition",
        verbose_name=_("知识竞赛"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="levels",
    )
    level = models.PositiveSmallIntegerField(_("第几关"), null=True, blank=True)
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
        constraints = [
            models.UniqueConstraint(
                fields=["lesson"],
                condition=models.Q(lesson__isnull=False),
                name="quiz_one_check_per_lesson",
            ),
            models.UniqueConstraint(
                fields=["competition", "level"],
                condition=models.Q(competition__isnull=False),
                name="quiz_level_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Competition(models.Model):
    """A 知识竞赛 of the 竞答 kind, for the members of its org's subtree (nobody else sees
    it): levels (闯关, each a quiz of kind "level") passed one after another, with
    individual and branch rankings."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("主办组织"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("竞赛名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))
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
        verbose_name = _("知识竞赛")
        verbose_name_plural = _("知识竞赛")
        indexes = [models.Index(fields=["org", "closes_at"], name="competition_org_idx")]

    def __str__(self) -> str:
        return self.title


class CompetitionEntry(models.Model):
    """A player's standing in a competition, kept with each level they hand in: levels
    passed, the score and seconds of each level's first pass (a retry after seeing the
    key adds nothing). Rankings read these rows, one query each."""

    competition = models.ForeignKey(
        Competition, verbose_name=_("知识竞赛"), on_delete=models.CASCADE, related_name="entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("选手"), on_delete=models.CASCADE, related_name="+"
    )
    # The player's branch when they first played (the branch ranking counts them there).
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    levels_passed = models.PositiveSmallIntegerField(_("通过关数"), default=0)
    score = models.PositiveIntegerField(_("得分"), default=0)
    seconds = models.PositiveIntegerField(_("用时（秒）"), default=0)
    reached_at = models.DateTimeField(_("达到时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("竞赛成绩")
        verbose_name_plural = _("竞赛成绩")
        constraints = [
            models.UniqueConstraint(fields=["competition", "user"], name="competition_entry_once")
        ]
        indexes = [
            models.Index(
                fields=["competition", "-levels_passed", "-score", "seconds"],
                name="competition_rank_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.competition_id} · {self.user_id}"


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


class Column(models.Model):
    """A column (栏目) of an org: shown to the org and every org below it (the county's
    要闻导读 appears in every branch)."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("栏目名称"), max_length=40)
    description = models.CharField(_("简介"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("栏目")
        verbose_name_plural = _("栏目")
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="column_once_per_org")]

    def __str__(self) -> str:
        return self.name


class ArticleSeries(models.Model):
    """A series (专题) of articles, e.g. 学习贯彻党的二十大精神."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("专题名称"), max_length=60)
    description = models.CharField(_("简介"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专题")
        verbose_name_plural = _("专题")
        constraints = [
            models.UniqueConstraint(fields=["org", "title"], name="article_series_once_per_org")
        ]

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    """An article in a column, for the members of its org's subtree. `body` holds HTML that
    went through the allow-list sanitiser (study/richtext.py) when it was saved; nothing
    else is ever rendered unescaped."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("发布组织"), on_delete=models.PROTECT, related_name="+"
    )
    column = models.ForeignKey(
        Column, verbose_name=_("栏目"), on_delete=models.PROTECT, related_name="articles"
    )
    series = models.ForeignKey(
        ArticleSeries,
        verbose_name=_("专题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    body_text = models.TextField(_("正文文字"), blank=True)
    chars = models.PositiveIntegerField(_("字数"), default=0)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    author = models.CharField(_("作者"), max_length=50, blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    cover = models.FileField(
        _("封面"), upload_to="articles/%Y/%m/", storage=private_storage, blank=True
    )
    cover_thumb = models.FileField(
        _("封面缩略图"), upload_to="articles/%Y/%m/", storage=private_storage, blank=True
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=ArticleState.choices, default=ArticleState.DRAFT
    )
    publish_at = models.DateTimeField(_("定时发布时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    text_status = models.CharField(
        _("文字审核"), max_length=12, choices=TextStatus.choices, default=TextStatus.VISIBLE
    )
    flagged_words = models.JSONField(_("敏感词"), default=list, blank=True)
    read_count = models.PositiveIntegerField(_("读完人数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编辑"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("文章")
        verbose_name_plural = _("文章")
        indexes = [
            models.Index(fields=["org", "state", "published_at"], name="article_org_state_idx"),
            models.Index(fields=["column", "state"], name="article_column_idx"),
            models.Index(fields=["state", "publish_at"], name="article_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reading_seconds(self) -> int:
        """The visible time that completes a reading (and the most that is credited)."""
        return max(READING_MIN_SECONDS, round(self.chars * 60 / READING_CHARS_PER_MINUTE))


class ArticleAttachment(models.Model):
    """A document attached to an article (PDF, Word, Excel, PowerPoint, picture), kept
    private and served only to those who may read the article."""

    article = models.ForeignKey(
        Article, verbose_name=_("文章"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="articles/files/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文章附件")
        verbose_name_plural = _("文章附件")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ArticleRead(models.Model):
    """One person's reading of one article: visible seconds credited (never more than the
    article's reading time, never faster than the clock), how far they scrolled, and when
    it completed (once)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("读者"),
        on_delete=models.CASCADE,
        related_name="article_reads",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("文章"), on_delete=models.CASCADE, related_name="reads"
    )
    # The reader's org when they started (阅读率 counts them there).
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seconds = models.FloatField(_("阅读秒数"), default=0)
    scrolled = models.FloatField(_("阅读进度"), default=0)
    reports = models.PositiveIntegerField(_("上报次数"), default=0)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    last_report_at = models.DateTimeField(_("最近上报"), null=True, blank=True)
    completed_at = models.DateTimeField(_("读完时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("阅读记录")
        verbose_name_plural = _("阅读记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="article_read_once")
        ]
        indexes = [models.Index(fields=["completed_at"], name="article_read_done_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.article_id}"


class StudyPlan(models.Model):
    """一日学习计划 of a branch or party group: every day one article to read, one micro
    lesson to watch or one audio lesson to listen to, chosen by the organiser for the day
    or rotating through a series (of articles or of lessons); members check in by finishing
    it, keep streaks, sum up the week and are reminded at the time they choose."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("名称"), max_length=60)
    minutes = models.PositiveSmallIntegerField(_("每天学习（分钟）"), default=15)
    remind_at = models.TimeField(_("默认提醒时间"), default=datetime.time(20, 0))
    series = models.ForeignKey(
        ArticleSeries,
        verbose_name=_("轮流学习的专题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lesson_series = models.ForeignKey(
        "lessons.Series",
        verbose_name=_("轮流学习的微党课专题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_on = models.DateField(_("开始日期"))
    is_active = models.BooleanField(_("进行中"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("学习计划")
        verbose_name_plural = _("学习计划")

    def __str__(self) -> str:
        return self.title


class PlanDay(models.Model):
    """The organiser's choice for one day of a plan, an article or a lesson (video or
    audio); otherwise the series rotates."""

    plan = models.ForeignKey(
        StudyPlan, verbose_name=_("学习计划"), on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField(_("日期"))
    article = models.ForeignKey(
        Article,
        verbose_name=_("文章"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("微党课（视频或音频）"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("计划安排")
        verbose_name_plural = _("计划安排")
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="plan_day_once"),
            # One item a day: an article or a lesson, never both, never neither.
            models.CheckConstraint(
                condition=models.Q(article__isnull=False, lesson__isnull=True)
                | models.Q(article__isnull=True, lesson__isnull=False),
                name="plan_day_one_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.day}"


class CheckIn(models.Model):
    """A member finished the day's item of a plan (打卡): once per plan, person and day."""

    plan = models.ForeignKey(
        StudyPlan, verbose_name=_("学习计划"), on_delete=models.CASCADE, related_name="checkins"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    article = models.ForeignKey(
        Article,
        verbose_name=_("学习内容"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("学习的微党课"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    minutes = models.PositiveSmallIntegerField(_("学习分钟"), default=0)
    created_at = models.DateTimeField(_("打卡时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("学习打卡")
        verbose_name_plural = _("学习打卡")
        constraints = [
            models.UniqueConstraint(fields=["plan", "user", "day"], name="checkin_once_a_day")
        ]
        indexes = [models.Index(fields=["user", "day"], name="checkin_user_day_idx")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.user_id} {self.day}"


class PlanReminder(models.Model):
    """A member's own reminder time for a plan (or off)."""

    plan = models.ForeignKey(
        StudyPlan, verbose_name=_("学习计划"), on_delete=models.CASCADE, related_name="reminders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    remind_at = models.TimeField(_("提醒时间"))
    enabled = models.BooleanField(_("提醒"), default=True)
    last_sent_on = models.DateField(_("最近提醒日"), null=True, blank=True)

    class Meta:
        verbose_name = _("学习提醒")
        verbose_name_plural = _("学习提醒")
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="plan_reminder_once")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.user_id} {self.remind_at}"


class WeeklyNote(models.Model):
    """A member's weekly 小结 for a plan, shared with the group."""

    plan = models.ForeignKey(
        StudyPlan, verbose_name=_("学习计划"), on_delete=models.CASCADE, related_name="notes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField(_("周一"))
    text = models.TextField(_("小结"))
    status = models.CharField(
        _("审核"), max_length=12, choices=TextStatus.choices, default=TextStatus.VISIBLE
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("每周小结")
        verbose_name_plural = _("每周小结")
        constraints = [
            models.UniqueConstraint(fields=["plan", "user", "week"], name="weekly_note_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.user_id} {self.week}"


class CoReading(models.Model):
    """共读一篇文章: an organiser picks an article for a branch or party group with a
    deadline; members read it, write a 心得 and discuss it."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(
        Article, verbose_name=_("文章"), on_delete=models.CASCADE, related_name="coreadings"
    )
    deadline = models.DateTimeField(_("截止时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("共读")
        verbose_name_plural = _("共读")

    def __str__(self) -> str:
        return f"{self.org_id} · {self.article_id}"


class CoReadingNote(models.Model):
    """A member's 心得 on a co-read article (≥ 50 字); the organiser can feature the best."""

    coreading = models.ForeignKey(
        CoReading, verbose_name=_("共读"), on_delete=models.CASCADE, related_name="notes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("心得"))
    status = models.CharField(
        _("审核"), max_length=12, choices=TextStatus.choices, default=TextStatus.VISIBLE
    )
    featured = models.BooleanField(_("优秀心得"), default=False)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("共读心得")
        verbose_name_plural = _("共读心得")
        constraints = [
            models.UniqueConstraint(fields=["coreading", "user"], name="coreading_note_once")
        ]

    def __str__(self) -> str:
        return f"{self.coreading_id} · {self.user_id}"


class CoReadingComment(models.Model):
    """A remark in the discussion under a co-reading."""

    coreading = models.ForeignKey(
        CoReading, verbose_name=_("共读"), on_delete=models.CASCADE, related_name="comments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(_("内容"), max_length=500)
    status = models.CharField(
        _("审核"), max_length=12, choices=TextStatus.choices, default=TextStatus.VISIBLE
    )
    created_at = models.DateTimeField(_("发表时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("共读讨论")
        verbose_name_plural = _("共读讨论")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class QuizRoom(models.Model):
    """现场竞答 in a room (a 主题党日, a site viewing): the host's screen shows one question
    at a time, phones answer within the time limit, faster right answers score more, and
    a live leaderboard shows the whole room. `paper` is frozen when it is made (items as
    in grading.py); no key leaves the server before the host reveals a question."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织"), on_delete=models.CASCADE, related_name="+"
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主持人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("名称"), max_length=100)
    paper = models.JSONField(_("题目"), default=list)
    seconds = models.PositiveSmallIntegerField(_("每题限时（秒）"), default=20)
    state = models.CharField(
        _("状态"), max_length=12, choices=RoomState.choices, default=RoomState.WAITING
    )
    current = models.SmallIntegerField(_("当前题号"), default=-1)
    asked_at = models.DateTimeField(_("出题时间"), null=True, blank=True)
    # Shown on the big screen; a phone app joins with it (only rooms the person may play).
    code = models.CharField(_("房间号"), max_length=6, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("现场竞答")
        verbose_name_plural = _("现场竞答")

    def __str__(self) -> str:
        return self.title


class RoomAnswer(models.Model):
    """One phone's answer to one question of a room: once per person and question."""

    room = models.ForeignKey(
        QuizRoom, verbose_name=_("现场竞答"), on_delete=models.CASCADE, related_name="answers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答题人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    response = models.JSONField(_("作答"), default=list)
    correct = models.BooleanField(_("正确"), default=False)
    points = models.PositiveIntegerField(_("得分"), default=0)
    answered_at = models.DateTimeField(_("作答时间"))

    class Meta:
        verbose_name = _("现场作答")
        verbose_name_plural = _("现场作答")
        constraints = [
            models.UniqueConstraint(fields=["room", "user", "position"], name="room_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.room_id} · {self.user_id} · {self.position}"
