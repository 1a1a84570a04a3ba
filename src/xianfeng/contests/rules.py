"""Who may organise, decide, judge and vote in contests."""

from __future__ import annotations

from typing import Any

from xianfeng.contests.models import Contest, Entry, Standing
from xianfeng.lessons.rules import is_lesson_owner
from xianfeng.orgs.enums import OrgKind, RoleKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over

ORGANISER_ROLES = frozenset({RoleKind.ADMIN})
DECIDER_ROLES = frozenset({RoleKind.ADMIN, RoleKind.SECRETARY})


def can_organise(user: Any, contest: Contest) -> bool:
    return has_role_over(user, contest.org, ORGANISER_ROLES)


def can_organise_at(user: Any, org: Org) -> bool:
    return has_role_over(user, org, ORGANISER_ROLES)


def can_decide(user: Any, standing: Standing) -> bool:
    return has_role_over(user, standing.decider, DECIDER_ROLES)


def has_conflict(judge: Any, entry: Entry, judge_org: Org | None) -> bool:
    """A judge never scores an entry of their own org (or one above or below it), nor
    their own lesson."""
    if is_lesson_owner(judge, entry.lesson):
        return True
    if judge_org is None:
        return False
    if judge_org.kind in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH):
        # A branch's members judge neither its entries nor those of its party groups.
        return entry.org.path.startswith(judge_org.path) or judge_org.path.startswith(
            entry.org.path
        )
    # A member kept at a committee itself conflicts only with that committee's own entries.
    return entry.org_id == judge_org.pk
