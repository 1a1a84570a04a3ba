"""A lesson published to branch A is invisible to branch B: pages, feeds, search, API."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from xianfeng.lessons.models import WatchProgress

pytestmark = pytest.mark.django_db

LEAK = "柳湾村的秘密课程"


def test_feed_pages_leak_nothing(client, county, lesson_a1, lesson_b1):
    client.force_login(county.member_a1.user)
    for feed in ("latest", "branch", "county", "popular"):
        html = client.get(reverse("lessons:feed"), {"feed": feed}).content.decode()
        assert LEAK not in html, feed
    assert "东街社区的矿灯故事" in client.get(reverse("lessons:feed")).content.decode()


def test_search_leaks_nothing(client, county, lesson_a1, lesson_b1):
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:feed"), {"q": "柳湾村"}).content.decode()
    assert LEAK not in html
    assert "搜索结果：0 节" in html
    client.force_login(county.member_b1.user)
    html = client.get(reverse("lessons:feed"), {"q": "柳湾村"}).content.decode()
    assert LEAK in html


def test_guessed_lesson_urls_are_404(client, county, lesson_b1):
    client.force_login(county.member_a1.user)
    for name in ("detail", "participation", "poster"):
        response = client.get(reverse(f"lessons:{name}", args=[lesson_b1.pk]))
        assert response.status_code == 404, name
        assert LEAK not in response.content.decode()
    for name in ("edit", "status"):
        assert client.get(reverse(f"lessons:{name}", args=[lesson_b1.pk])).status_code == 404
    for name in ("like", "rate", "share", "reflection", "comment"):
        r = client.post(
            reverse(f"lessons:{name}", args=[lesson_b1.pk]),
            {"liked": "1", "score": "5", "text": "x" * 60},
        )
        assert r.status_code == 404, name
    r = client.post(
        reverse("lessons:watch", args=[lesson_b1.pk]),
        json.dumps({"sections": [[0, 10]]}),
        content_type="application/json",
    )
    assert r.status_code == 404
    assert not WatchProgress.objects.exists()
    lesson_b1.refresh_from_db()
    assert (lesson_b1.like_count, lesson_b1.rating_count, lesson_b1.comment_count) == (0, 0, 0)


def test_api_leaks_nothing(client, county, lesson_a1, lesson_b1):
    client.force_login(county.member_a1.user)
    body = client.get("/api/v1/lessons/", {"page_size": 50}).content.decode()
    assert LEAK not in body and "东街社区的矿灯故事" in body
    assert LEAK not in client.get("/api/v1/lessons/", {"q": "柳湾村"}).content.decode()
    assert client.get(f"/api/v1/lessons/{lesson_b1.pk}").status_code == 404
    r = client.post(
        f"/api/v1/lessons/{lesson_b1.pk}/watch",
        {"sections": [[0, 10]]},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert client.get(f"/api/v1/lessons/{lesson_b1.pk}/comments").status_code == 404


def test_town_admin_sees_lessons_published_in_the_town(client, county, lesson_a1, lesson_b1):
    client.force_login(county.town_a_admin)
    html = client.get(reverse("lessons:feed")).content.decode()
    assert "东街社区的矿灯故事" in html and LEAK not in html


def test_visitors_see_only_public_lessons(client, county, lesson_a1):
    from tests.factories import published_lesson

    published_lesson(
        org=county.branch_b1,
        author=county.member_b1.user,
        title="公开的党史课",
        public=True,
        audience=county.county,
    )
    html = client.get(reverse("lessons:feed")).content.decode()
    assert "公开的党史课" in html and "东街社区的矿灯故事" not in html
    # An org-limited lesson sends a visitor to log in (test_share.py), showing nothing of it.
    response = client.get(reverse("lessons:detail", args=[lesson_a1.pk]))
    assert response.status_code == 302 and "东街社区的矿灯故事" not in response.content.decode()


def test_lesson_published_to_the_county_reaches_every_branch(client, county):
    from tests.factories import published_lesson

    published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title="全县推送的课",
        audience=county.county,
    )
    client.force_login(county.member_b1.user)
    assert "全县推送的课" in client.get(reverse("lessons:feed")).content.decode()


def test_drafts_are_seen_by_author_and_managers_only(client, county):
    from xianfeng.lessons import services

    lesson = services.lesson_create(
        actor=county.member_a1.user,
        org=county.branch_a1,
        data=services.LessonData(title="未发布的草稿"),
    )
    url = reverse("lessons:detail", args=[lesson.pk])
    for user, status in (
        (county.member_a1.user, 200),
        (county.secretary_a1, 200),
        (county.town_a_admin, 200),
        (county.member_a2.user, 404),
        (county.secretary_b1, 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username


def test_reflections_are_seen_by_the_branch_only(client, county):
    from tests.factories import published_lesson
    from xianfeng.lessons import services

    lesson = published_lesson(org=county.town_a, author=county.town_a_admin, title="镇里的课")
    secret = "这是东街支部党员写下的心得，" * 5
    services.reflection_save(user=county.member_a1.user, lesson=lesson, text=secret)
    client.force_login(county.member_a2.user)  # another branch of the same town
    html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert "东街支部党员写下的心得" not in html
    client.force_login(county.secretary_a1)
    assert (
        "东街支部党员写下的心得"
        in client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    )
