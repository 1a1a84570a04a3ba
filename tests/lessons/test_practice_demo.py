"""The practice's demo seeder fills a demo county's pages (make run must never crash)."""

from __future__ import annotations

import pytest

from xianfeng.lessons.practice import demo
from xianfeng.lessons.practice.models import LessonRequest, RotaSlot, SpeakerRota
from xianfeng.people import demo as people_demo

pytestmark = pytest.mark.django_db


def test_seed_fills_a_rota_and_requests():
    people_demo.seed_county(members=300)
    assert demo.seed() == "已安排轮番主讲 12 轮，点课 4 个，联合主讲 0 人，每周一课 0 期。"
    rota = SpeakerRota.objects.get()
    assert RotaSlot.objects.filter(rota=rota).count() == 12
    assert LessonRequest.objects.count() == 4
    assert LessonRequest.objects.filter(state="taken").count() == 1
    assert LessonRequest.objects.filter(vote_count__gt=0).count() == 4


def test_seed_pairs_speakers_and_opens_a_weekly_channel():
    from tests.factories import published_lesson
    from xianfeng.lessons.models import LessonSpeaker, ShowcaseItem
    from xianfeng.orgs.models import Org
    from xianfeng.people.models import User

    people_demo.seed_county(members=300)
    secretary = User.objects.select_related("member__org").get(username="secretary")
    county = Org.objects.get(path=secretary.member.org.path[:8])
    for i in range(3):
        published_lesson(
            org=secretary.member.org,
            author=secretary,
            title=f"演示课{i}",
            speaker=secretary.member,
            speaker_name=secretary.name,
            audience=county,
        )
    assert demo.seed() == "已安排轮番主讲 12 轮，点课 4 个，联合主讲 1 人，每周一课 3 期。"
    pair = LessonSpeaker.objects.select_related("lesson").get()
    assert (pair.category, pair.lesson.speaker_category) == ("model", "secretary")
    items = ShowcaseItem.objects.filter(showcase__title="每周一课").order_by("position")
    assert [(i.issue_no, i.released_at is not None) for i in items] == [
        (1, True),
        (2, True),
        (None, False),
    ]
