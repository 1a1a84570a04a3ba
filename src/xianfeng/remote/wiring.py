"""How the remote app plugs into the others: the top navigation, periodic pruning, the
indicators it measures."""

from __future__ import annotations

from xianfeng.common import demo, nav, periodic


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
