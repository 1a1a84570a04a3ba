"""A contest entry's 打磨 versions are recorded as the lesson's versions (a tour names them)."""

from __future__ import annotations

import pytest

from tests.factories import ready_video
from xianfeng.contests import services
from xianfeng.lessons.practice.models import LessonVersion

pytestmark = pytest.mark.django_db


def test_an_entry_and_its_improved_version_are_the_lessons_versions(county, world):
    lesson = world.lessons["a1"]
    entry = services.entry_submit(actor=county.member_a1.user, contest=world.contest, lesson=lesson)
    better = ready_video(county.member_a1.user)
    services.entry_add_version(
        actor=county.member_a1.user, entry=entry, video=better, note="按评委意见压缩开头"
    )
    assert list(
        LessonVersion.objects.filter(lesson=lesson)
        .order_by("number")
        .values_list("number", "video_id", "note")
    ) == [(1, lesson.video_id, ""), (2, better.pk, "按评委意见压缩开头")]
