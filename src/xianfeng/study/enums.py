from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine


class EntryKind(models.TextChoices):
    EARN = "earn", _("获得")
    REVERSE = "reverse", _("撤回")


class Period(models.TextChoices):
    WEEK = "week", _("本周")
    MONTH = "month", _("本月")
    YEAR = "year", _("本年")


class RankScope(models.TextChoices):
    BRANCH = "branch", _("本支部")
    TOWN = "town", _("本镇街")
    COUNTY = "county", _("全县")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    JUDGE = "judge", _("判断题")
    BLANK = "blank", _("填空题")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("易")
    MEDIUM = 2, _("中")
    HARD = 3, _("难")


class ImportState(models.TextChoices):
    PREVIEW = "preview", _("待确认")
    COMMITTED = "committed", _("已导入")
    DISCARDED = "discarded", _("已放弃")


class QuizKind(models.TextChoices):
    EXAM = "exam", _("考试")
    DAILY = "daily", _("每日一练")
    CHECK = "check", _("知识检测")


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("答题中")
    SUBMITTED = "submitted", _("已交卷")


ATTEMPT_MACHINE = StateMachine(
    name="attempt",
    label="答卷",
    states=AttemptState,
    transitions={AttemptState.IN_PROGRESS: {AttemptState.SUBMITTED}},
)
