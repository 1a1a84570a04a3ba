"""Who may do what in study."""

from __future__ import annotations

from typing import Any

from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over

# 书记、组织委员、宣传委员、组织管理员 keep the bank, columns, plans and exams of their subtree.
STUDY_MANAGE_ROLES = RECORD_ROLES


def can_manage_bank(user: Any, org: Org) -> bool:
    return has_role_over(user, org, STUDY_MANAGE_ROLES)


def can_manage_study(user: Any, org: Org) -> bool:
    return has_role_over(user, org, STUDY_MANAGE_ROLES)


def manages_study_anywhere(user: Any) -> bool:
    from xianfeng.orgs.rules import holds_any

    return holds_any(user, STUDY_MANAGE_ROLES)
