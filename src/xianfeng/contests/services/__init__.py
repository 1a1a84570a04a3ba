"""Writes of the contests app, by concern: setting a contest up (rounds, rubrics, judges,
opening it, the monthly 评比), entries and the quiet decisions of each round, judging and
votes, awards and the showcase."""

from __future__ import annotations

from xianfeng.contests.services.awards import (
    awards_assign,
    awards_to_channel,
    awards_to_showcase,
    org_award_give,
)
from xianfeng.contests.services.entries import (
    decider_for,
    entry_add_version,
    entry_submit,
    round_publish,
    standing_decide,
)
from xianfeng.contests.services.judging import (
    review_save,
    vote_cast,
)
from xianfeng.contests.services.setup import (
    CriterionData,
    contest_create,
    contest_open,
    contest_open_next_month,
    criteria_set,
    judge_assign,
    round_add,
)
from xianfeng.contests.services.stage import (
    StageRefused,
    speech_over,
    stage_draw,
    stage_entry_add,
    stage_reveal,
    stage_slots_fill,
    stage_start,
    stage_stop,
)

__all__ = [
    "CriterionData",
    "StageRefused",
    "awards_assign",
    "awards_to_channel",
    "awards_to_showcase",
    "contest_create",
    "contest_open",
    "contest_open_next_month",
    "criteria_set",
    "decider_for",
    "entry_add_version",
    "entry_submit",
    "judge_assign",
    "org_award_give",
    "review_save",
    "round_add",
    "round_publish",
    "speech_over",
    "stage_draw",
    "stage_entry_add",
    "stage_reveal",
    "stage_slots_fill",
    "stage_start",
    "stage_stop",
    "standing_decide",
    "vote_cast",
]
