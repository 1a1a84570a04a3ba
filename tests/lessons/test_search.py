"""Chinese search: two-character words, every word must match, visibility still applies."""

from __future__ import annotations

import pytest

from tests.factories import published_lesson
from xianfeng.lessons.selectors import FeedFilters, lesson_feed

pytestmark = pytest.mark.django_db


def titles(user, q):
    return sorted(lesson.title for lesson in lesson_feed(user, FeedFilters(q=q)))


@pytest.fixture
def three(county):
    published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title="学习党史传承红色基因",
        story="老党员讲述入党经历",
    )
    published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title="安全生产从我做起",
        story="矿工李师傅的故事",
    )
    published_lesson(
        org=county.branch_a1, author=county.member_a1.user, title="乡村振兴中的党员", summary="修路"
    )


def test_two_character_words_match(county, three):
    user = county.member_a1.user
    assert titles(user, "党史") == ["学习党史传承红色基因"]
    assert titles(user, "安全") == ["安全生产从我做起"]
    assert titles(user, "李师傅") == ["安全生产从我做起"]


def test_every_word_must_match(county, three):
    user = county.member_a1.user
    assert titles(user, "党史 安全") == []
    assert titles(user, "老党员 入党") == ["学习党史传承红色基因"]


def test_punctuation_only_finds_nothing(county, three):
    assert titles(county.member_a1.user, "，。！") == []


def test_search_follows_edits(county, three):
    from xianfeng.lessons import services
    from xianfeng.lessons.models import Lesson

    lesson = Lesson.objects.get(title="乡村振兴中的党员")
    services.lesson_update(
        actor=county.secretary_a1,
        lesson=lesson,
        data=services.LessonData(title="乡村振兴中的党员", story="带头种茶", speaker_name="主讲人"),
    )
    assert titles(county.member_a1.user, "种茶") == ["乡村振兴中的党员"]
    assert titles(county.member_a1.user, "修路") == []
