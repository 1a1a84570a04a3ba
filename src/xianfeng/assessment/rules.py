"""Who may run and confirm a 民主评议, and the 优秀 share."""

from __future__ import annotations

from typing import Any

from xianfeng.assessment.models import Appraisal
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_above, has_role_over


def may_run(user: Any, appraisal: Appraisal) -> bool:
    """书记、组织委员、管理员 of the branch or above run its appraisal."""
    return has_role_over(user, appraisal.org, ROSTER_MANAGE_ROLES)


def may_confirm(user: Any, appraisal: Appraisal) -> bool:
    """The higher org confirms: a roster manager strictly above the branch."""
    return has_role_above(user, appraisal.org, ROSTER_MANAGE_ROLES)


def excellent_limit(appraisal: Appraisal, appraised: int) -> int | None:
    """How many may be 优秀: the share of those appraised, rounded down; None: no limit."""
    if not appraisal.excellent_max_percent:
        return None
    return appraised * appraisal.excellent_max_percent // 100


def may_manage_scheme(user: Any, org: Org) -> bool:
    """书记、组织委员、管理员 of a committee (or above it) make its assessment scheme."""
    return has_role_over(user, org, ROSTER_MANAGE_ROLES)


def may_fill(user: Any, branch: Org) -> bool:
    """书记、组织委员、管理员 of the branch (or above it) fill and submit its 自查."""
    return has_role_over(user, branch, ROSTER_MANAGE_ROLES)


def may_spot_check(user: Any, org: Org) -> bool:
    """The town (or county) above a branch spot-checks it: a manager strictly above."""
    return has_role_above(user, org, ROSTER_MANAGE_ROLES)
