"""How the remote app plugs into the others: the top navigation, periodic pruning, the
indicators it measures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xianfeng.common import demo, home, nav, periodic
from xianfeng.common.home import Panel


def home_panels(request: HttpRequest) -> list[Panel]:
    """我家的入户终端 on a member's home page: their household TV, or how to join one when
    an 入户终端 serves their org (never for residents, nor members nowhere near one)."""
    from xianfeng.remote import rules, selectors

    user: Any = request.user
    if not rules.may_have_a_household(user):
        return []
    mine = selectors.my_household(user)
    if mine is None:
        from xianfeng.people.selectors import member_of

        if not selectors.household_sites_reach(member_of(user)):
            return []
    return [Panel("remote/panel_household.html", {"mine": mine}, order=12)]


def connect() -> None:
    from xianfeng.remote import demo as remote_demo
    from xianfeng.remote import indicators as remote_indicators
    from xianfeng.remote import records as remote_records
    from xianfeng.remote import rules
    from xianfeng.remote.tasks import (
        close_stale_household_viewings,
        notify_silent_sites,
        prune_pairings,
    )

    remote_indicators.register()
    remote_records.register()  # evidence for assessment's self-checks
    demo.register("remote", remote_demo.seed, order=60)
    periodic.register("remote.prune_pairings", prune_pairings, hours=6)
    periodic.register("remote.silent_sites", notify_silent_sites, hours=1)
    periodic.register("remote.household_stale", close_stale_household_viewings, hours=1)
    nav.register(nav.Entry("remote:index", "远程教育", order=40, visible=rules.sees_sites_anywhere))
    # 我家终端 is reached from the member's home panel (home_panels), not a navigation tab:
    # deciding the tab on every page cost officers a member query on each of them.
    home.register(home_panels)
    register_notice_kinds()


def register_notice_kinds() -> None:
    from xianfeng.notify import kinds
    from xianfeng.notify.enums import Channel
    from xianfeng.remote.enums import PlanNotice

    for kind in PlanNotice:
        kinds.register(
            kind,
            label=str(kind.label),
            app="remote",
            default_channels={Channel.INAPP, Channel.EMAIL, Channel.WECOM, Channel.DINGTALK},
        )
