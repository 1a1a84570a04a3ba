"""Demo content for `seed_demo`: the record of lectures from what the other seeders made,
a year's 轮番主讲 rota in the secretary persona's branch (done, missed and coming turns) and
a few 点课 with seconds, a 1+1 pair of speakers and a numbered 展播 channel (每周一课), so
the practice pages of `make run` are not empty."""

from __future__ import annotations

import datetime
import io
import random

from django.utils import timezone

from xianfeng.audit import events
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice import channels, services, speakers
from xianfeng.lessons.practice.enums import RequestState, SpeakerCategory
from xianfeng.lessons.practice.models import LessonRequest
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.lessons.services import showcase_for_org
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.people.models import Member, User

REQUESTS = (
    ("讲讲新修订的《中国共产党纪律处分条例》", "村里几位老党员想弄明白哪些行为算违纪。"),
    ("流动党员怎么参加组织生活", "在外打工的党员多，想听听线上怎么过组织生活。"),
    ("乡村振兴中党员能带头做什么", "合作社刚起步，想听听别的村党员是怎么带头的。"),
    ("防范电信诈骗", "最近社区里老人被骗的事情多，党员要先懂、再去讲。"),
)


def seed() -> str:
    # Lectures from lessons and 党课 the earlier seeders published (the worker may not have
    # delivered their events yet; the handlers are idempotent).
    for lesson_id in Lesson.objects.filter(published_at__isnull=False).values_list("pk", flat=True):
        services.lecture_from_lesson(lesson_id)
    events.replay(first_id=1, pattern="meeting.approved", subscriber="lessons.lecture_of_meeting")
    secretary = User.objects.select_related("member__org").get(username="secretary")
    branch = secretary.member.org
    rng = random.Random(16)
    today = timezone.localdate()
    members = list(Member.objects.filter(org=branch).select_related("user").order_by("pk")[:13])
    rota = services.rota_create(actor=secretary, org=branch, year=today.year, title="十分钟微课堂")
    slots = 0
    for month in range(1, 13):
        member = secretary.member if month in (3, 9) else members[month % len(members)]
        first = datetime.date(today.year, month, 1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        services.rota_slot_add(
            actor=secretary,
            rota=rota,
            speaker=member,
            starts_on=first,
            ends_on=last,
            category=SpeakerCategory.SECRETARY
            if member == secretary.member
            else rng.choice(
                [
                    SpeakerCategory.MEMBER,
                    SpeakerCategory.MEMBER,
                    SpeakerCategory.MODEL,
                    SpeakerCategory.VETERAN,
                ]
            ),
        )
        slots += 1
    asked = 0
    people = [m.user for m in members]
    for i, (topic, reason) in enumerate(REQUESTS):
        asker = people[i % len(people)]
        request = services.lesson_request_create(
            actor=asker, org=branch, topic=topic, reason=reason
        )
        for voter in rng.sample(people, k=min(len(people), 2 + 2 * i)):
            if voter != asker:
                services.lesson_request_second(actor=voter, request=request)
        asked += 1
    taken = LessonRequest.objects.filter(org=branch, state=RequestState.OPEN).order_by("pk").first()
    if taken is not None:
        services.lesson_request_take(actor=secretary, request=taken)
    paired = _seed_speakers(secretary, members)
    issues = _seed_weekly_channel()
    return (
        f"已安排轮番主讲 {slots} 轮，点课 {asked} 个，联合主讲 {paired} 人，每周一课 {issues} 期。"
    )


def _seed_speakers(secretary: User, members: list[Member]) -> int:
    """The secretary's first lesson: given as 书记, paired (1+1) with a 先进典型."""
    lesson = (
        Lesson.objects.filter(speaker=secretary.member, published_at__isnull=False)
        .select_related("org", "author")
        .order_by("pk")
        .first()
    )
    partner = next((m for m in members if m.pk != secretary.member.pk), None)
    if lesson is None or partner is None:
        return 0
    speakers.lesson_speaker_category(
        actor=secretary, lesson=lesson, category=SpeakerCategory.SECRETARY
    )
    speakers.lesson_speaker_add(
        actor=secretary, lesson=lesson, member=partner, category=SpeakerCategory.MODEL
    )
    return 1


def _cover(title: str, subtitle: str) -> io.BytesIO:
    """A plain 16:9 cover with the channel's name, standing in for a designed one."""
    from PIL import Image

    from xianfeng.common.drawtext import TextStyle

    image = Image.new("RGB", (1280, 720), (183, 28, 28))
    TextStyle(120, fill=(255, 236, 179)).draw(image, (96, 240), title)
    TextStyle(48, fill=(255, 255, 255)).draw(image, (100, 420), subtitle)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    out.seek(0)
    return out


def _seed_weekly_channel() -> int:
    """A numbered county channel 每周一课: the issues out so far and next week's, scheduled
    (released by the periodic job when due)."""
    admin = User.objects.select_related("member").get(username="county_admin")
    lessons = list(published_lessons_for(admin).select_related("org").order_by("pk")[:3])
    if not lessons:
        return 0
    county = Org.objects.get(path=lessons[0].org.path[: paths.SEGMENT])
    show = showcase_for_org(actor=admin, org=county, title="每周一课")
    channels.showcase_settings(
        actor=admin,
        showcase=show,
        title="每周一课",
        description="每周一节优秀微党课，按期上线，适合支部集体收看。",
        numbered=True,
    )
    cover = _cover("每周一课", "每周一节优秀微党课")
    channels.showcase_cover_set(
        actor=admin, showcase=show, handle=cover, size=len(cover.getvalue())
    )
    for lesson in lessons[:-1] if len(lessons) > 1 else lessons:
        channels.showcase_add(actor=admin, showcase=show, lesson=lesson)
    if len(lessons) > 1:
        channels.showcase_add(
            actor=admin,
            showcase=show,
            lesson=lessons[-1],
            publish_at=timezone.now() + datetime.timedelta(days=7),
        )
    return len(lessons)
