"""How contests plug into the rest: the home page, periodic jobs, uploads of new versions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xianfeng.common import demo, home, nav, periodic
from xianfeng.common.home import Panel
from xianfeng.contests import demo as contests_demo
from xianfeng.contests import indicators as contests_indicators
from xianfeng.contests.enums import ContestState, RoundState
from xianfeng.contests.models import Entry, RoundJudge
from xianfeng.contests.selectors import contests_visible_to
from xianfeng.contests.services import entry_add_version
from xianfeng.contests.tasks import open_monthly_contests
from xianfeng.lessons.rules import is_lesson_owner
from xianfeng.media import targets
from xianfeng.media.enums import VideoStatus


def home_panels(request: HttpRequest) -> list[Any]:

    user: Any = request.user
    if not user.is_authenticated:
        return []
    panels = []
    open_contests = list(
        contests_visible_to(user).filter(state=ContestState.OPEN).select_related("org")[:5]
    )
    if open_contests:
        panels.append(Panel("contests/panel_open.html", {"contests": open_contests}, order=8))
    judging = list(
        RoundJudge.objects.filter(user_id=user.pk, round__state=RoundState.OPEN).select_related(
            "round__contest"
        )[:5]
    )
    if judging:
        panels.append(Panel("contests/panel_judge.html", {"judging": judging}, order=6))
    return panels


def _may_upload_version(user: Any, target_id: str) -> bool:

    entry = (
        Entry.objects.select_related("lesson__speaker").filter(pk=target_id).first()
        if target_id.isdigit()
        else None
    )
    if entry is None:
        return False

    return is_lesson_owner(user, entry.lesson)


def _attach_version(video: Any, target_id: str) -> None:
    """Nothing yet: the version is made when the video is ready (on_status)."""


def _version_ready(video: Any) -> None:

    if video.status != VideoStatus.READY or not video.target_id.isdigit():
        return
    entry = Entry.objects.select_related("lesson__speaker").filter(pk=video.target_id).first()
    if entry is not None and not entry.versions.filter(video=video).exists():
        entry_add_version(actor=video.owner, entry=entry, video=video, note="打磨后的新版本")


def register_notice_kinds() -> None:
    from xianfeng.notify import kinds
    from xianfeng.notify.enums import Channel

    personal = {Channel.INAPP, Channel.EMAIL, Channel.SMS, Channel.WECHAT}
    kinds.register(
        "contest.result",
        label="晋级结果",
        app="contests",
        default_channels=personal,
        description="您的作品在一轮评选中晋级或未晋级",
    )
    kinds.register(
        "contest.award",
        label="获奖通知",
        app="contests",
        default_channels=personal,
        description="您的作品获奖，可下载证书",
    )


def connect() -> None:

    contests_indicators.register()
    home.register(home_panels)
    from xianfeng.people.selectors import is_resident

    # Contests are among party members and their judges; not a resident's business.
    nav.register(nav.Entry("contests:list", "竞赛", order=20, visible=lambda u: not is_resident(u)))

    demo.register("contests", contests_demo.seed, order=30)
    demo.register("contests_stage", contests_demo.seed_stage, order=31)
    periodic.register("contests.monthly", open_monthly_contests, hours=6)
    register_notice_kinds()
    targets.register(
        "contest_entry",
        targets.UploadTarget(
            may_upload=_may_upload_version, attach=_attach_version, on_status=_version_ready
        ),
    )
