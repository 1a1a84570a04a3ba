"""Who may do what with a site (a role at an org reaches its subtree)."""

from __future__ import annotations

from typing import Any

from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over, holds_any
from xianfeng.remote.enums import BULLETIN_ROLES, SITE_MANAGE_ROLES, SITE_VIEW_ROLES
from xianfeng.remote.models import Site


def sees_sites_anywhere(user: Any) -> bool:
    return holds_any(user, SITE_VIEW_ROLES)


def manages_sites_anywhere(user: Any) -> bool:
    return holds_any(user, SITE_MANAGE_ROLES)


def reads_bulletins_anywhere(user: Any) -> bool:
    return holds_any(user, BULLETIN_ROLES)


def may_have_a_household(user: Any) -> bool:
    """Whether the person may belong to a household: members on the roll (any of them may
    live where an 入户终端 is installed, and joins by scanning its QR); never residents.
    Whether an 入户终端 serves their org is decided on the home page panel and the page."""
    from xianfeng.people.enums import ON_ROLL
    from xianfeng.people.selectors import member_of

    member = member_of(user)
    return member is not None and member.status in ON_ROLL


def can_manage_site(user: Any, site: Site) -> bool:
    """Pair and revoke devices, record suspensions, start viewings."""
    return has_role_over(user, site.org, SITE_MANAGE_ROLES)


def can_admin_org(user: Any, org: Org) -> bool:
    """Import sites, set targets: an org admin of the org or above."""
    return has_role_over(user, org, BULLETIN_ROLES)
