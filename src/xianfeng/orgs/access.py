"""Bumping the identity version (User.access_version) when what a person is changes.

Whatever the pages keep of a person between requests (their roles with the orgs, their
member record: common/memo.py) is keyed by this version, so every write that changes a
role, a member record or an org someone is attached to bumps it in the same transaction.
Saves and deletes are caught by the signal handlers below (registered in OrgsConfig and
PeopleConfig); writes that bypass signals (QuerySet.update, bulk_create) call
`bump_users` or `bump_subtree` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q

from xianfeng.orgs import paths


def bump_users(user_ids: Iterable[int | None]) -> int:
    """New identity versions for these people; returns how many rows changed."""
    ids = sorted({pk for pk in user_ids if pk})
    if not ids:
        return 0
    return int(
        get_user_model().objects.filter(pk__in=ids).update(access_version=F("access_version") + 1)
    )


def bump_subtree(path: str) -> int:
    """New identity versions for everyone holding a role or a member record at an org in
    the subtree at `path` (a rename, a move or a dissolution changes what they see)."""
    upper = paths.upper_bound(path)
    users = get_user_model().objects.filter(
        Q(roles__org__path__gte=path, roles__org__path__lt=upper)
        | Q(member__org__path__gte=path, member__org__path__lt=upper)
    )
    ids = list(users.values_list("pk", flat=True).distinct())
    return bump_users(ids)


def on_person_row_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    bump_users([instance.user_id])


def on_org_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created and instance.path and not instance.path.startswith("~"):
        bump_subtree(instance.path)
