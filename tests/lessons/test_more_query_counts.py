"""Query counts for the remaining list pages, at 1 and 3 items."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import published_lesson
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson

pytestmark = pytest.mark.django_db


def lessons(county, n, **kw):
    return [
        published_lesson(org=county.branch_a1, author=county.member_a1.user, title=f"课{i}", **kw)
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 3])
def test_my_page_query_count(client, county, django_assert_num_queries, n):
    for lesson in lessons(county, n):
        services.watch_report(user=county.member_a1.user, lesson=lesson, sections=[(0, 10)])
        services.reflection_save(user=county.member_a1.user, lesson=lesson, text="学" * 60)
    client.force_login(county.member_a1.user)
    # session, user, member, roles (visibility), my lessons, history, reflections, the unread badge
    with django_assert_num_queries(8):
        html = client.get(reverse("lessons:mine")).content.decode()
    assert html.count("已学完") + html.count("已看") >= n


@pytest.mark.parametrize("n", [1, 3])
def test_publish_queue_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        lesson = services.lesson_create(
            actor=county.member_a1.user,
            org=county.branch_a1,
            data=services.LessonData(title=f"待发{i}"),
        )
        Lesson.objects.filter(pk=lesson.pk).update(state="submitted")
    client.force_login(county.secretary_a1)
    with django_assert_num_queries(6):
        html = client.get(reverse("lessons:manage")).content.decode()
    assert html.count('class="title"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_showcase_query_count(client, county, django_assert_num_queries, n):
    from xianfeng.lessons.services import showcase_for_org, showcase_set_items

    show = showcase_for_org(actor=county.secretary_a1, org=county.branch_a1, title="展播")
    showcase_set_items(actor=county.secretary_a1, showcase=show, lessons=lessons(county, n))
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(8):
        html = client.get(reverse("lessons:showcase", args=[show.pk])).content.decode()
    assert html.count('class="lesson-card"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_moderation_queue_query_count(client, county, django_assert_num_queries, n):
    lesson = lessons(county, 1)[0]
    for i in range(n):
        services.comment_add(user=county.member_a1.user, lesson=lesson, text=f"赌博广告{i}")
    client.force_login(county.town_a_admin)
    with django_assert_num_queries(6):
        html = client.get(reverse("moderation:queue")).content.decode()
    assert html.count("赌博广告") == n


@pytest.mark.parametrize("n", [1, 3])
def test_contest_list_query_count(client, county, django_assert_num_queries, n):
    from django.utils import timezone

    from xianfeng.contests.services import contest_create

    today = timezone.localdate()
    for i in range(n):
        contest_create(
            actor=county.county_admin,
            org=county.county,
            title=f"赛{i}",
            starts_on=today,
            ends_on=today,
        )
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(6):
        html = client.get(reverse("contests:list")).content.decode()
    assert html.count('class="title"') == n
