from __future__ import annotations

from typing import Any

from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over

REVIEW_ROLES = frozenset({RoleKind.REVIEWER, RoleKind.ADMIN})


def can_review(user: Any, org: Org) -> bool:
    return has_role_over(user, org, REVIEW_ROLES)
