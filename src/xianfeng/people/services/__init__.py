"""Writes of the people app; import from here, not from the submodules."""

from xianfeng.people.services.accounts import (
    api_token_issue,
    api_token_revoke,
    password_link_issue,
    password_link_use,
    resident_register,
    user_change_own_password,
    user_login_update,
    user_set_email,
    user_set_large_text,
    user_set_password,
)
from xianfeng.people.services.members import (
    member_create,
    member_update,
    members_assign_groups,
)
from xianfeng.people.services.roster import (
    roster_import_commit,
    roster_import_preview,
    roster_import_rollback,
)
from xianfeng.people.services.two_step import (
    two_step_begin,
    two_step_confirm,
    two_step_disable,
)

__all__ = [
    "api_token_issue",
    "api_token_revoke",
    "member_create",
    "member_update",
    "members_assign_groups",
    "password_link_issue",
    "password_link_use",
    "resident_register",
    "roster_import_commit",
    "roster_import_preview",
    "roster_import_rollback",
    "two_step_begin",
    "two_step_confirm",
    "two_step_disable",
    "user_change_own_password",
    "user_login_update",
    "user_set_email",
    "user_set_large_text",
    "user_set_password",
]
