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
    LEVEL = "level", _("竞赛关卡")


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("答题中")
    SUBMITTED = "submitted", _("已交卷")


ATTEMPT_MACHINE = StateMachine(
    name="attempt",
    label="答卷",
    states=AttemptState,
    transitions={AttemptState.IN_PROGRESS: {AttemptState.SUBMITTED}},
)


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SCHEDULED = "scheduled", _("定时发布")
    PUBLISHED = "published", _("已发布")
    ARCHIVED = "archived", _("已归档")


ARTICLE_MACHINE = StateMachine(
    name="article",
    label="文章",
    states=ArticleState,
    transitions={
        ArticleState.DRAFT: {ArticleState.SCHEDULED, ArticleState.PUBLISHED},
        # A scheduled article can be taken back to draft before its time, or fall due.
        ArticleState.SCHEDULED: {ArticleState.DRAFT, ArticleState.PUBLISHED},
        ArticleState.PUBLISHED: {ArticleState.ARCHIVED, ArticleState.DRAFT},
        ArticleState.ARCHIVED: {ArticleState.PUBLISHED},
    },
)

# Reading honestly (like watching): the page reports the seconds it was visible and how far
# it was scrolled. A reading completes once the visible time reaches the article's length
# at a generous reading speed and the reader has scrolled (nearly) to the end; visible time
# is credited only up to that length, and no faster than the wall clock.
READING_CHARS_PER_MINUTE = 600
READING_MIN_SECONDS = 15
READING_SCROLL_SHARE = 0.9
READING_REPORT_SLACK_SECONDS = 5.0


class RoomState(models.TextChoices):
    WAITING = "waiting", _("等待开始")
    ASKING = "asking", _("答题中")
    REVEALED = "revealed", _("公布答案")
    FINISHED = "finished", _("已结束")


# 现场竞答: a right answer earns ROOM_BASE_POINTS and up to as many again for speed
# (all of it for an instant answer, none at the buzzer); a wrong one earns nothing.
ROOM_BASE_POINTS = 500
ROOM_SPEED_POINTS = 500
ROOM_GRACE_SECONDS = 2
