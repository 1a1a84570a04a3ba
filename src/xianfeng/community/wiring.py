"""How the community app plugs into the others: notices, periodic jobs, home, nav, demo."""

from __future__ import annotations

from typing import Any

from xianfeng.common import demo, home, nav, periodic, related
from xianfeng.community import demo as community_demo
from xianfeng.community import demo_five
from xianfeng.community import home as community_home
from xianfeng.community import indicators as community_indicators
from xianfeng.community.tasks import count_votes, expire_wishes


def connect() -> None:
    periodic.register("community.expire_wishes", expire_wishes, hours=1)
    periodic.register("community.count_votes", count_votes, hours=1)
    home.register(community_home.panels)
    nav.register(nav.Entry("community:index", "微心愿", order=35))
    demo.register("community", community_demo.seed, order=50)
    demo.register("community_five", demo_five.seed, order=51)
    register_notice_kinds()
    community_indicators.register()
    related.register("meetings.meeting", campaigns_of_meeting)
    related.register("people.member", honors_of_member)


def honors_of_member(user: Any, member_id: int) -> list[related.Link]:
    """A member's approved 微星光 honors on their roster page (approved honors are public;
    the page has already checked who may see the member)."""
    from django.urls import reverse

    from xianfeng.community.selectors.honors import honors_of_member as approved

    return [
        related.Link(
            label="微星光",
            title=h.name or h.get_kind_display(),
            url=reverse("community:honor", args=[h.pk]),
            note=f"{h.year} 年 · {h.org.name}",
        )
        for h in approved(member_id)
    ]


def campaigns_of_meeting(user: Any, meeting_id: int) -> list[related.Link]:
    """The 点亮微心愿 campaigns held together with a meeting (its page lists them; the
    meeting's page has already checked who may see it, the campaigns' pages are public)."""
    from django.urls import reverse

    from xianfeng.community.selectors import campaigns_with_meeting

    return [
        related.Link(
            label="点亮微心愿",
            title=c.title,
            url=reverse("community:campaign", args=[c.pk]),
            note=f"{c.starts_on:%Y-%m-%d} — {c.ends_on:%Y-%m-%d}",
        )
        for c in campaigns_with_meeting(meeting_id)
    ]


def register_notice_kinds() -> None:
    from xianfeng.community.enums import (
        ActivityNoticeKind,
        CivicNoticeKind,
        HonorNoticeKind,
        NoticeKind,
    )
    from xianfeng.notify import kinds
    from xianfeng.notify.enums import Channel

    personal: set[str] = {Channel.INAPP, Channel.EMAIL, Channel.WECHAT, Channel.SMS}
    officers: set[str] = {Channel.INAPP, Channel.EMAIL, Channel.WECOM, Channel.DINGTALK}
    defaults: dict[str, set[str]] = {
        NoticeKind.REVIEW: officers,
        NoticeKind.PROGRESS: personal,
        NoticeKind.CLAIM: personal,
    }
    labels: dict[str, str] = {k.value: str(k.label) for k in NoticeKind}
    for kind_class in (CivicNoticeKind, ActivityNoticeKind, HonorNoticeKind):
        for item in kind_class:
            labels[item.value] = str(item.label)
    defaults[CivicNoticeKind.REVIEW] = officers
    defaults[CivicNoticeKind.PROGRESS] = personal
    defaults[ActivityNoticeKind.SIGNUP] = personal
    defaults[HonorNoticeKind.REVIEW] = officers
    defaults[HonorNoticeKind.RESULT] = personal
    for kind, channels in defaults.items():
        kinds.register(kind, label=labels[kind], app="community", default_channels=channels)
