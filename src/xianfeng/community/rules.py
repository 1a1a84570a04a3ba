"""Who may do what with a wish. A role at an org reaches its subtree."""

from __future__ import annotations

from typing import Any

from xianfeng.community.enums import ORG_CLAIM_ROLES, PROXY_ROLES, REVIEW_ROLES
from xianfeng.community.models import Wish
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def can_review(user: Any, wish: Wish) -> bool:
    """The community's branch officers (or those above) review, edit and manage it."""
    return has_role_over(user, wish.org, REVIEW_ROLES)


def can_post_for_others(user: Any, org: Org) -> bool:
    """A village cadre or the site admin enters wishes for people without a phone."""
    return has_role_over(user, org, PROXY_ROLES)


def is_wisher_side(user: Any, wish: Wish) -> bool:
    """The wisher, or the one who entered the wish for them: they confirm it."""
    if not _signed_in(user):
        return False
    return user.pk in (wish.wisher_id, wish.posted_by_id)


def is_claimer(user: Any, wish: Wish) -> bool:
    return _signed_in(user) and wish.claimer_id is not None and wish.claimer_id == user.pk


def can_see_contact(user: Any, wish: Wish) -> bool:
    """The wisher's name, phone and address: the wisher's side, the officers, and the
    one who holds the claim (to deliver). Never anyone else."""
    return is_wisher_side(user, wish) or is_claimer(user, wish) or can_review(user, wish)


def can_claim_for(user: Any, org: Org) -> bool:
    """May claim in the name of `org` (its secretary, organiser or admin)."""
    return has_role_over(user, org, ORG_CLAIM_ROLES)


def can_claim(user: Any, wish: Wish) -> bool:
    """Anyone signed in may claim an open wish, except the wisher's own side."""
    return _signed_in(user) and not is_wisher_side(user, wish)


def can_run_campaign(user: Any, org: Org) -> bool:
    """A county's or a town's officers launch campaigns for their subtree."""
    from xianfeng.orgs.enums import OrgKind

    if org.kind not in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE):
        return False
    return has_role_over(user, org, ORG_CLAIM_ROLES)
