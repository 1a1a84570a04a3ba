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


def test_search_answers_the_best_match_first_not_the_newest(county):
    """The lesson about 矿工 through and through comes before a newer one that names 矿工
    once in a long story; without a query the newest still comes first."""
    author = county.member_a1.user
    about = published_lesson(
        org=county.branch_a1,
        author=author,
        title="矿工的初心：矿工党员的一天",
        summary="矿工",
        story="矿工下井，矿工升井，矿工守护矿工。",
    )
    once = published_lesson(
        org=county.branch_a1,
        author=author,
        title="乡村振兴中的党员",
        story="修路、种茶、办合作社、建养老院、办夜校，" * 20 + "也请来一位老矿工讲安全。",
    )
    assert once.published_at >= about.published_at
    user = county.member_a1.user
    found = [lesson.pk for lesson in lesson_feed(user, FeedFilters(q="矿工"))]
    assert found == [about.pk, once.pk]
    latest = [lesson.pk for lesson in lesson_feed(user, FeedFilters())]
    assert latest.index(once.pk) < latest.index(about.pk)
    popular = lesson_feed(user, FeedFilters(q="矿工", feed="popular"))
    assert {lesson.pk for lesson in popular} == {about.pk, once.pk}
