from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import MemberFactory, published_lesson
from xianfeng.lessons import services

pytestmark = pytest.mark.django_db


def lessons(county, n):
    return [
        published_lesson(
            org=county.branch_a1, author=county.member_a1.user, title=f"微党课{i}", duration=100
        )
        for i in range(n)
    ]


# session, user, member (+org), roles, count, page, tags prefetch
FEED_QUERIES = 7


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("feed", ["latest", "branch", "county", "popular"])
def test_feed_query_count(client, county, django_assert_num_queries, n, feed):
    lessons(county, n)
    client.force_login(county.member_a1.user)
    # + the tag and series chips, the 展播 tiles (one query, none here), the unread badge
    with django_assert_num_queries(FEED_QUERIES + 4):
        html = client.get(reverse("lessons:feed"), {"feed": feed}).content.decode()
    assert html.count('class="lesson-card"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_search_query_count(client, county, django_assert_num_queries, n):
    lessons(county, n)
    client.force_login(county.member_a1.user)
    # PostgreSQL reads the newest lesson id first, to probe the newest matches (search.py).
    probe = 1 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(FEED_QUERIES + 3 + probe):
        html = client.get(reverse("lessons:feed"), {"q": "微党课"}).content.decode()
    assert html.count('class="lesson-card"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_api_feed_query_count(client, county, django_assert_num_queries, n):
    lessons(county, n)
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(FEED_QUERIES):
        data = client.get("/api/v1/lessons/").json()
    assert data["count"] == n


@pytest.mark.parametrize("n", [1, 3])
def test_branch_participation_query_count(client, county, django_assert_num_queries, n):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, duration=100)
    for i in range(n - 1):
        m = MemberFactory(org=county.branch_a1, user__name=f"党员{i}")
        services.watch_report(user=m.user, lesson=lesson, sections=[(0, 10)])
    client.force_login(county.secretary_a1)
    # session, user, lesson (+tags), roles, member, members, progress, 集体收看, the badge
    with django_assert_num_queries(11):
        html = client.get(reverse("lessons:participation", args=[lesson.pk])).content.decode()
    assert html.count("<tr><td>") == n


@pytest.mark.parametrize("n", [1, 3])
def test_lesson_page_query_count_does_not_grow_with_comments_or_reflections(
    client, county, django_assert_num_queries, n
):
    """The person's own state (liked, rating, progress, reflection) comes with the lesson
    in one query; comments and reflections are one query each however many there are."""
    (lesson,) = lessons(county, 1)
    me = county.member_a1.user
    services.like_set(user=me, lesson=lesson, liked=True)
    services.rating_set(user=me, lesson=lesson, score=4)
    services.watch_report(user=me, lesson=lesson, sections=[[0, 5]])
    services.reflection_save(user=me, lesson=lesson, text="学" * 60)
    for i in range(n):
        other = MemberFactory(org=county.branch_a1).user
        services.comment_add(user=other, lesson=lesson, text=f"评论{i}")
        services.reflection_save(user=other, lesson=lesson, text="思" * 60)
    client.force_login(me)
    # session, user, the lesson with the viewer's state (my reflection's text included),
    # tags, roles, member, reflections with their authors, comments with their replies,
    # 专业人士点评, the unread badge
    with django_assert_num_queries(11):
        html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert html.count('<li id="comment-') == n
    # The next page: roles and member record come from the identity memo (under the
    # person's access version), not from the database.
    with django_assert_num_queries(9):
        html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert html.count('<li id="comment-') == n
    assert "已赞" in html and "我评了 4 星" in html
