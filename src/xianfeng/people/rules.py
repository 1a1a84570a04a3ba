"""Who may change whose login: the one rule behind every page, API endpoint and service
that sets a password, issues a set-password link, or changes a phone number, a user name,
an account's activation or its staff flags."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from xianfeng.orgs.enums import ORG_ADMIN_ROLES, ROSTER_MANAGE_ROLES
from xianfeng.orgs.rules import can_manage_roster, has_role_above, has_role_over
from xianfeng.orgs.selectors import roles_of

SELF = "不能在这里修改自己的登录信息，请到“我的”页面修改"
SYSTEM_ACCOUNT = "该账号是系统管理员账号，只能由系统管理员管理"
ABOVE = "该用户在上级或其他组织担任职务，其登录账号只能由上级组织管理"
NOT_MANAGED = "该用户的登录账号不由您管理"


def login_refusal(actor: Any, user: Any) -> str | None:
    """Why `actor` may not change `user`'s login, in Chinese; None when they may.

    - nobody changes their own login this way (their own page asks for the current
      password);
    - a superuser's or a staff account is managed only by a superuser;
    - otherwise the actor must manage people (书记, 组织委员, 管理员) over the org of the
      person's member record and over every org where the person holds a role; where
      that role itself manages people, strictly from above it, so peers (a 组织委员 and
      the 书记 of one branch, two county admins) cannot take over each other's accounts;
    - someone with neither a member record nor a role (a resident) is managed only by a
      superuser.
    """
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return NOT_MANAGED
    if actor.pk == user.pk:
        return SELF
    if user.is_superuser or user.is_staff:
        return None if actor.is_superuser else SYSTEM_ACCOUNT
    if actor.is_superuser:
        return None
    member = getattr(user, "member", None)
    roles = roles_of(user)
    if member is None and not roles:
        return NOT_MANAGED
    if member is not None and not can_manage_roster(actor, member.org):
        return NOT_MANAGED
    for role in roles:
        if role.kind in ROSTER_MANAGE_ROLES:
            reached = has_role_above(actor, role.org, ROSTER_MANAGE_ROLES)
        else:
            reached = has_role_over(actor, role.org, ROSTER_MANAGE_ROLES)
        if not reached:
            return ABOVE
    return None


def may_manage_login(actor: Any, user: Any) -> bool:
    """True when `actor` may set `user`'s password or change their phone, user name,
    activation or second factor (see `login_refusal`)."""
    return login_refusal(actor, user) is None


def check_may_manage_login(actor: Any, user: Any) -> None:
    """Raise PermissionDenied (403, with the Chinese reason) unless `may_manage_login`."""
    reason = login_refusal(actor, user)
    if reason is not None:
        raise PermissionDenied(reason)


def may_use_two_step(user: Any) -> bool:
    """Two-step sign-in is offered to superusers and staff (the admin site requires it)
    and to org admins (组织管理员), who can turn it on for themselves."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return any(role.kind in ORG_ADMIN_ROLES for role in roles_of(user))
