"""The community's panels on the home page: wishes near the person, their own wishes and
claims, and for a branch's officers the wishes waiting for review."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest

from xianfeng.common.home import Panel
from xianfeng.community import selectors
from xianfeng.community.enums import HELD_STATES, REVIEW_ROLES, WishState
from xianfeng.community.models import Wish
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.orgs.rules import holds_any
from xianfeng.people.selectors import member_of

NEARBY = 5


def _neighbourhood(user: Any) -> Org | None:
    """The person's community's town (its parent), so "near" is a few villages, not one."""
    home_id = user.home_org_id
    if home_id is None:
        member = member_of(user)
        home_id = member.org_id if member is not None else None
    if home_id is None:
        return None
    home = Org.objects.select_related("parent").filter(pk=home_id).first()
    if home is None:
        return None
    return home.parent if home.parent is not None and home.depth > 1 else home


def panels(request: HttpRequest) -> list[Panel]:
    user: Any = request.user
    if not user.is_authenticated:
        return []
    found = []
    area = _neighbourhood(user)
    nearby = Wish.objects.filter(state=WishState.OPEN).select_related("org")
    if area is not None:
        nearby = nearby.filter(subtree_q([area.path], field="org__path"))
    mine = list(
        Wish.objects.filter(Q(wisher_id=user.pk) | Q(posted_by_id=user.pk))
        .exclude(state__in=[WishState.FULFILLED, WishState.WITHDRAWN, WishState.EXPIRED])
        .select_related("org")
        .order_by("-created_at")[:5]
    )
    claims = list(selectors.my_claims(user).filter(state__in=HELD_STATES).order_by("due_at")[:5])
    found.append(
        Panel(
            "community/panel_wishes.html",
            {
                "nearby": list(nearby.order_by("-published_at", "-id")[:NEARBY]),
                "area": area,
                "mine": mine,
                "claims": claims,
            },
            order=11,
        )
    )
    found.append(_five_panel(user))
    if holds_any(user, REVIEW_ROLES):
        waiting = selectors.wishes_to_review(user).count()
        if waiting:
            found.append(Panel("community/panel_review.html", {"waiting": waiting}, order=12))
    return found


def _five_panel(user: Any) -> Panel:
    """The vote open in the person's community, activities this week (their community's
    first), and what they signed up for."""
    from xianfeng.community.selectors import activities, civic

    week = activities.activity_list(user, activities.ActivityFilters(when="week"))
    return Panel(
        "community/panel_five.html",
        {
            "rounds": civic.open_rounds_for(user),
            "week": list(week[:NEARBY]),
            "signups": list(activities.my_signups(user, upcoming_only=True)[:NEARBY]),
        },
        order=13,
    )
