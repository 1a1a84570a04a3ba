"""How live lessons plug in: the comment moderation handler, reminders, notification
kinds, the navigation entry."""

from __future__ import annotations

from typing import Any

from xianfeng.common import demo, nav, periodic
from xianfeng.live import demo as live_demo
from xianfeng.live.chat import comment_moderated
from xianfeng.live.tasks import send_live_reminders
from xianfeng.moderation import handlers
from xianfeng.notify import kinds
from xianfeng.notify.enums import Channel
from xianfeng.people.selectors import is_resident


def _sees_lives(user: Any) -> bool:
    return not is_resident(user)


def connect() -> None:
    handlers.register("live.comment", comment_moderated, label="直播评论")
    periodic.register("live.remind", send_live_reminders, minutes=1)
    kinds.register("live.announce", label="直播预告", app="live")
    kinds.register(
        "live.remind",
        label="直播开播提醒",
        app="live",
        default_channels={Channel.INAPP, Channel.SMS},
    )
    nav.register(nav.Entry("live:index", "直播", order=12, visible=_sees_lives))
    demo.register("live", live_demo.seed, order=60)
