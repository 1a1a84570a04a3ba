"""Demo content for `seed_demo`: a live announced for tomorrow evening in the secretary
persona's branch (the persona is its speaker, so the studio is one click away) and last
week's live, ended, with its comments and likes, so the live pages of `make run` are not
empty."""

from __future__ import annotations

import datetime

from django.utils import timezone

from xianfeng.live import services
from xianfeng.live.enums import LiveState
from xianfeng.live.models import LiveComment, LiveLesson, LiveLike
from xianfeng.people.models import Member, User

COMMENTS = (
    "讲得很实在，家门口的事讲清楚了",
    "老党员的故事很感人",
    "建议下次讲讲流动党员怎么参加组织生活",
    "点赞！",
    "回放什么时候能看？",
)


def seed() -> str:
    secretary = User.objects.select_related("member__org").get(username="secretary")
    branch = secretary.member.org
    now = timezone.localtime()
    tomorrow = (now + datetime.timedelta(days=1)).replace(hour=19, minute=30, second=0)
    services.live_schedule(
        actor=secretary,
        org=branch,
        audience=branch,
        title="党课微直播：身边的榜样",
        speaker=secretary,
        scheduled_at=tomorrow,
        remind_minutes=30,
    )
    started = (now - datetime.timedelta(days=7)).replace(hour=20, minute=0, second=0)
    members = list(Member.objects.filter(org=branch).select_related("user").order_by("pk")[:8])
    speaker = members[0].user if members else secretary
    # A past live as data (its stream is long gone): ended, with comments and likes.
    past = LiveLesson.objects.create(
        org=branch,
        audience=branch,
        title="十分钟微课堂：入党誓词里的初心",
        speaker=speaker,
        scheduled_at=started,
        state=LiveState.ENDED,
        started_at=started,
        ended_at=started + datetime.timedelta(minutes=18),
        public_from_run=1,
        run_count=1,
        created_by=secretary,
    )
    for member, text in zip(members[1:], COMMENTS, strict=False):
        LiveComment.objects.create(live=past, user=member.user, text=text)
    for member in members[1:]:
        LiveLike.objects.create(live=past, user=member.user)
    LiveLesson.objects.filter(pk=past.pk).update(like_count=max(0, len(members) - 1))
    return "2 场直播（1 场预告、1 场往期）"
