"""Writes of the people app; import from here, not from the submodules."""

from xianfeng.people.services.accounts import (
    api_token_issue,
    api_token_revoke,
    resident_register,
    user_set_email,
    user_set_password,
)
from xianfeng.people.services.members import member_create, member_update
from xianfeng.people.services.roster import (
    roster_import_commit,
    roster_import_preview,
    roster_import_rollback,
)

__all__ = [
    "api_token_issue",
    "api_token_revoke",
    "member_create",
    "member_update",
    "resident_register",
    "roster_import_commit",
    "roster_import_preview",
    "roster_import_rollback",
    "user_set_email",
    "user_set_password",
]
