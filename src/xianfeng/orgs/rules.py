"""Permission predicates over the org tree. A role at an org reaches its whole subtree."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xianfeng.orgs.enums import ORG_ADMIN_ROLES, ROSTER_MANAGE_ROLES, ROSTER_VIEW_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import roles_of


def holds_any(user: Any, kinds: Iterable[str]) -> bool:
    """True when the person holds one of `kinds` somewhere (a superuser: always): whether
    a page or a menu entry is for them at all; the object's own check comes after."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    wanted = set(kinds)
    return any(role.kind in wanted for role in roles_of(user))


def has_role_over(user: Any, org: Org, kinds: Iterable[str]) -> bool:
    """True when the person holds one of `kinds` at `org` or at one of its ancestors."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    wanted = set(kinds)
    return any(
        role.kind in wanted and org.path.startswith(role.org.path) for role in roles_of(user)
    )


def has_role_above(user: Any, org: Org, kinds: Iterable[str]) -> bool:
    """True when the person holds one of `kinds` at a proper ancestor of `org` (not at
    `org` itself): someone who manages at `org` is managed from above it."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    wanted = set(kinds)
    return any(
        role.kind in wanted and org.path != role.org.path and org.path.startswith(role.org.path)
        for role in roles_of(user)
    )


def can_view_roster(user: Any, org: Org) -> bool:
    return has_role_over(user, org, ROSTER_VIEW_ROLES)


def can_manage_roster(user: Any, org: Org) -> bool:
    """May see unmasked phone and ID numbers, edit members and import rosters here."""
    return has_role_over(user, org, ROSTER_MANAGE_ROLES)


def can_admin_org(user: Any, org: Org) -> bool:
    """May create, rename and move orgs and grant roles in this subtree."""
    return has_role_over(user, org, ORG_ADMIN_ROLES)
