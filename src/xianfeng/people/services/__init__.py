"""Writes of the people app; import from here, not from the submodules."""

from xianfeng.people.services.accounts import (
    api_token_issue,
    api_token_revoke,
    resident_register,
    user_set_password,
)
from xianfeng.people.services.members import member_create, member_update

__all__ = [
    "api_token_issue",
    "api_token_revoke",
    "member_create",
    "member_update",
    "resident_register",
    "user_set_password",
]
