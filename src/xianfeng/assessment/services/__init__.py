"""Writes of the assessment app: the fact table, and 民主评议."""

from xianfeng.assessment.services.appraisal import (
    MIN_SELF_ASSESSMENT,
    appraisal_confirm,
    appraisal_create,
    appraisal_return,
    ballot_cast,
    grades_propose,
    self_assessment_save,
    voting_close,
    voting_open,
)
from xianfeng.assessment.services.facts import Computed, facts_compute, facts_compute_recent

__all__ = [
    "MIN_SELF_ASSESSMENT",
    "Computed",
    "appraisal_confirm",
    "appraisal_create",
    "appraisal_return",
    "ballot_cast",
    "facts_compute",
    "facts_compute_recent",
    "grades_propose",
    "self_assessment_save",
    "voting_close",
    "voting_open",
]
