from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine


class ContestState(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("进行中")
    FINISHED = "finished", _("已结束")


# Events: contest.open, contest.finished.
CONTEST_MACHINE = StateMachine(
    name="contest",
    label="竞赛",
    states=ContestState,
    transitions={
        ContestState.DRAFT: {ContestState.OPEN},
        ContestState.OPEN: {ContestState.FINISHED},
        ContestState.FINISHED: set(),
    },
)


class Level(models.TextChoices):
    """Which org decides a round: each branch, each (town) committee, or the organiser."""

    BRANCH = "branch", _("支部推荐")
    COMMITTEE = "committee", _("党（工）委评选")
    ORGANISER = "organiser", _("主办方终评")


class RoundState(models.TextChoices):
    PENDING = "pending", _("未开始")
    OPEN = "open", _("进行中")
    PUBLISHED = "published", _("已公布")


# Events: round.open, round.published.
ROUND_MACHINE = StateMachine(
    name="round",
    label="评选轮次",
    states=RoundState,
    transitions={
        RoundState.PENDING: {RoundState.OPEN},
        RoundState.OPEN: {RoundState.PUBLISHED},
        RoundState.PUBLISHED: set(),
    },
)


class StageState(models.TextChoices):
    """A speaker's turn on stage."""

    WAITING = "waiting", _("候场")
    SPEAKING = "speaking", _("演讲中")
    SCORING = "scoring", _("评分中")
    REVEALED = "revealed", _("已揭晓")


# Events: stage.speaking, stage.scoring, stage.revealed.
STAGE_MACHINE = StateMachine(
    name="stage",
    label="出场",
    states=StageState,
    transitions={
        StageState.WAITING: {StageState.SPEAKING},
        StageState.SPEAKING: {StageState.SCORING},
        StageState.SCORING: {StageState.REVEALED},
        StageState.REVEALED: set(),
    },
)

# Default speech timing: a warning at 7 minutes, the stop at 8.
STAGE_WARN_SECONDS = 420
STAGE_STOP_SECONDS = 480


class Decision(models.TextChoices):
    PENDING = "pending", _("待定")
    ADVANCED = "advanced", _("晋级")
    STOPPED = "stopped", _("止步")


class Aggregation(models.TextChoices):
    MEAN = "mean", _("平均分")
    MEDIAN = "median", _("中位数")
    TRIMMED = "trimmed", _("去掉一个最高分和一个最低分")


class Recurrence(models.TextChoices):
    NONE = "", _("不重复")
    MONTHLY = "monthly", _("每月评比")


AWARD_LEVELS = [
    ("first", "一等奖"),
    ("second", "二等奖"),
    ("third", "三等奖"),
    ("excellent", "优秀奖"),
]
ORG_AWARD = "organisation"
ORG_AWARD_LABEL = "优秀组织奖"

# The trimmed mean drops the highest and the lowest score only when there are at least
# this many (the 去掉一个最高分和一个最低分 rule needs enough judges to stay fair).
TRIM_MIN_JUDGES = 5
