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


# --- 微实事, 微行动, 微星光 ---------------------------------------------------------------------


def manages(user: Any, org: Org) -> bool:
    """A community's officers (or those above it) run its projects, votes and activities."""
    return has_role_over(user, org, REVIEW_ROLES)


def home_paths(user: Any) -> list[str]:
    """Where the person is registered: their home community (residents, and members'
    双报道 where they live) and their member record's branch."""
    if not _signed_in(user):
        return []
    from xianfeng.orgs.models import Org as OrgModel
    from xianfeng.people.selectors import member_of

    ids = [user.home_org_id] if user.home_org_id else []
    member = member_of(user)
    paths = [member.org.path] if member is not None else []
    if ids:
        if not hasattr(user, "_xf_home_path"):
            user._xf_home_path = (
                OrgModel.objects.filter(pk=ids[0]).values_list("path", flat=True).first() or ""
            )
        if user._xf_home_path:
            paths.append(user._xf_home_path)
    return paths


def lives_in(user: Any, org: Org) -> bool:
    """Registered to that community (or to a place inside it): may vote on its projects."""
    return any(path.startswith(org.path) for path in home_paths(user))


def is_member(user: Any) -> bool:
    from xianfeng.people.selectors import member_of

    return member_of(user) is not None


def can_approve_honor(user: Any, org: Org) -> bool:
    """The higher org approves an org's nominations: a role strictly above it."""
    from xianfeng.orgs.rules import has_role_above

    return has_role_above(user, org, REVIEW_ROLES)
