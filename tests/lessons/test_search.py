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


def test_search_ranks_a_window_of_the_newest_matches_the_person_may_see(county):
    """Search stops at a window: the newest `window` matches the person may see are ranked,
    older ones are left to a narrower search; lessons they may not see take no place."""
    from xianfeng.lessons import search
    from xianfeng.lessons.selectors import published_lessons_for

    author = county.member_a1.user
    strong_old = published_lesson(
        org=county.branch_a1, author=author, title="矿工党员：矿工的一天", summary="矿工"
    )
    weak = published_lesson(
        org=county.branch_a1, author=author, title="乡村振兴", story="修路种茶，" * 30 + "矿工"
    )
    strong_new = published_lesson(
        org=county.branch_a1, author=author, title="矿工的初心", summary="矿工 矿工"
    )
    elsewhere = published_lesson(org=county.branch_b1, author=author, title="矿工在柳湾")
    user = county.member_a1.user
    visible = published_lessons_for(user)
    assert not visible.filter(pk=elsewhere.pk).exists()

    assert search.ranked_window(visible, "矿工", window=2) == [strong_new.pk, weak.pk]
    assert search.ranked_window(visible, "矿工", window=3)[-1] == weak.pk
    assert set(search.ranked_window(visible, "矿工", window=3)) == {
        strong_old.pk,
        weak.pk,
        strong_new.pk,
    }
    assert search.ranked_window(visible, "！？", window=3) == []


def test_search_page_counts_and_slices_the_ranked_window(county, client):
    author = county.member_a1.user
    made = [
        published_lesson(org=county.branch_a1, author=author, title=f"矿工故事第{i}讲")
        for i in range(14)
    ]
    client.force_login(county.member_a1.user)
    first = client.get("/lessons/", {"q": "矿工"})
    second = client.get("/lessons/", {"q": "矿工", "page": 2})
    shown = [*first.context["page"].object_list, *second.context["page"].object_list]
    assert first.context["page"].paginator.count == 14
    assert sorted(lesson.pk for lesson in shown) == sorted(lesson.pk for lesson in made)
    # Equal matches: newest first.
    assert [lesson.pk for lesson in shown] == [lesson.pk for lesson in reversed(made)]


def test_the_window_reaches_past_newer_lessons_that_do_not_match(county):
    """PostgreSQL probes the newest ids first: a probe that finds too few matches widens
    until the window is full or every lesson is searched (SQLite walks its index)."""
    from xianfeng.lessons import search
    from xianfeng.lessons.selectors import published_lessons_for

    author = county.member_a1.user
    earlier = published_lesson(org=county.branch_a1, author=author, title="矿工的一天")
    later = published_lesson(org=county.branch_a1, author=author, title="老矿工")
    for i in range(40):  # more than the first probe's 32 ids at window=1
        published_lesson(org=county.branch_a1, author=author, title=f"乡村振兴第{i}讲")
    visible = published_lessons_for(county.member_a1.user)
    assert search.ranked_window(visible, "矿工", window=1) == [later.pk]
    assert set(search.ranked_window(visible, "矿工", window=5)) == {earlier.pk, later.pk}
