"""The practice's demo seeder fills a demo county's pages (make run must never crash)."""

from __future__ import annotations

import pytest

from xianfeng.lessons.practice import demo
from xianfeng.lessons.practice.models import LessonRequest, RotaSlot, SpeakerRota
from xianfeng.people import demo as people_demo

pytestmark = pytest.mark.django_db


def test_seed_fills_a_rota_and_requests():
    people_demo.seed_county(members=300)
    assert demo.seed() == "已安排轮番主讲 12 轮，点课 4 个。"
    rota = SpeakerRota.objects.get()
    assert RotaSlot.objects.filter(rota=rota).count() == 12
    assert LessonRequest.objects.count() == 4
    assert LessonRequest.objects.filter(state="taken").count() == 1
    assert LessonRequest.objects.filter(vote_count__gt=0).count() == 4
