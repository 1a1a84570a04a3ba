"""Share links: a lesson published to everyone opens for a visitor (watch, counts,
comments); what a visitor presses asks them to log in and is done when they come back;
anything else sends the visitor to log in, whether or not it exists; a visitor's play is
a view, never study."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import published_lesson
from xianfeng.lessons.models import Lesson, Like, Rating, WatchProgress

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
LEAK = "柳湾村的秘密课程"


@pytest.fixture
def public_lesson(county):
    return published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title="矿灯下的初心",
        summary="一名老矿工三十年的安全生产故事",
        audience=county.county,
        public=True,
    )


def _login(client, user, next_url):
    return client.post(
        f"{reverse('people:login')}?next={next_url}",
        {"username": user.username, "password": PASSWORD, "next": next_url},
    )


def _counts(lesson):
    lesson.refresh_from_db()
    return (lesson.like_count, lesson.rating_count, lesson.view_count, lesson.comment_count)


def test_visitor_opens_a_public_lesson_with_share_metadata(client, public_lesson):
    response = client.get(reverse("lessons:detail", args=[public_lesson.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta property="og:title" content="矿灯下的初心">' in html
    assert '<meta property="og:description" content="一名老矿工三十年的安全生产故事">' in html
    url = f"http://testserver/lessons/{public_lesson.pk}/"
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:image" content="http://testserver/media/' in html
    assert f'data-view-url="/lessons/{public_lesson.pk}/view/"' in html
    assert "data-watch-url" not in html
    assert 'id="like-button"' in html and "点赞 0" in html
    assert f'href="/accounts/login/?next=/lessons/{public_lesson.pk}/"' in html
    assert 'id="reflection-text"' not in html and 'id="comment-text"' not in html


def test_org_lesson_sends_a_visitor_to_login_and_back(client, county, lesson_b1, public_lesson):
    url = reverse("lessons:detail", args=[lesson_b1.pk])
    response = client.get(url)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    assert LEAK not in response.content.decode()
    # A lesson that does not exist answers the same: a visitor learns nothing from the id.
    missing = reverse("lessons:detail", args=[lesson_b1.pk + 1000])
    assert client.get(missing)["Location"] == f"/accounts/login/?next={missing}"
    # Back from the login, a member of the branch is on the lesson.
    assert _login(client, county.member_b1.user, url)["Location"] == url
    assert LEAK in client.get(url).content.decode()


def test_member_of_another_branch_still_gets_404_for_an_org_lesson(client, county, lesson_b1):
    client.force_login(county.member_a1.user)
    response = client.get(reverse("lessons:detail", args=[lesson_b1.pk]))
    assert response.status_code == 404 and LEAK not in response.content.decode()
    client.force_login(county.secretary_a1)
    assert client.get(reverse("lessons:detail", args=[lesson_b1.pk])).status_code == 404


def test_visitor_like_asks_to_log_in_and_is_done_on_return(client, county, public_lesson):
    url = reverse("lessons:detail", args=[public_lesson.pk])
    response = client.post(reverse("lessons:like", args=[public_lesson.pk]), {"liked": "1"})

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    assert _counts(public_lesson) == (0, 0, 0, 0) and not Like.objects.exists()

    # A member of another town (the lesson is public) logs in and lands back on the lesson.
    assert _login(client, county.member_b1.user, url)["Location"] == url
    landed = client.get(url)
    assert (landed.status_code, landed["Location"]) == (302, url)
    html = client.get(url).content.decode()
    assert "已赞 1" in html and "已点赞" in html
    assert list(Like.objects.values_list("user__username", "lesson_id")) == [
        ("member_b1", public_lesson.pk)
    ]
    # Done once: the next visit does nothing more.
    client.get(url)
    assert _counts(public_lesson) == (1, 0, 0, 0)


def test_visitor_rating_is_done_after_login(client, county, public_lesson):
    client.post(reverse("lessons:rate", args=[public_lesson.pk]), {"score": "4"})
    assert not Rating.objects.exists()
    _login(client, county.member_a2.user, reverse("lessons:detail", args=[public_lesson.pk]))
    client.get(reverse("lessons:detail", args=[public_lesson.pk]))
    assert list(Rating.objects.values_list("user__username", "score")) == [("member_a2", 4)]


def test_intent_for_a_lesson_the_person_may_not_see_is_never_done(client, county, lesson_b1):
    # A visitor posts a like for an org-limited lesson, then logs in as someone outside it.
    url = reverse("lessons:detail", args=[lesson_b1.pk])
    client.post(reverse("lessons:like", args=[lesson_b1.pk]), {"liked": "1"})
    _login(client, county.member_a1.user, url)

    assert client.get(url).status_code == 404
    assert _counts(lesson_b1) == (0, 0, 0, 0) and not Like.objects.exists()


def test_htmx_like_by_a_visitor_redirects_the_whole_page(client, public_lesson):
    url = reverse("lessons:detail", args=[public_lesson.pk])
    response = client.post(
        reverse("lessons:like", args=[public_lesson.pk]),
        {"liked": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{url}",
    )
    assert (response.status_code, response["HX-Redirect"]) == (
        204,
        "/accounts/login/?next=%2Flessons%2F" + str(public_lesson.pk) + "%2F",
    )


def test_visitor_play_counts_one_view_per_visit_and_no_study(client, public_lesson):
    view = reverse("lessons:view", args=[public_lesson.pk])
    assert client.post(view).status_code == 204
    assert client.post(view).status_code == 204
    assert _counts(public_lesson) == (0, 0, 1, 0)
    assert not WatchProgress.objects.exists()
    # Another visitor (another session) is another view.
    client.cookies.clear()
    client.post(view)
    assert _counts(public_lesson) == (0, 0, 2, 0)
    # The study report stays for people who are logged in.
    response = client.post(
        reverse("lessons:watch", args=[public_lesson.pk]),
        json.dumps({"sections": [[0, 30]]}),
        content_type="application/json",
    )
    assert response.status_code == 302 and not WatchProgress.objects.exists()


def test_visitor_view_of_an_org_lesson_is_404_and_counts_nothing(client, lesson_b1):
    assert client.post(reverse("lessons:view", args=[lesson_b1.pk])).status_code == 404
    assert _counts(lesson_b1) == (0, 0, 0, 0)


def test_logged_in_view_post_counts_nothing(client, county, public_lesson):
    # A member's views come from their watch reports (first progress), not from this.
    client.force_login(county.member_a1.user)
    assert client.post(reverse("lessons:view", args=[public_lesson.pk])).status_code == 204
    assert _counts(public_lesson) == (0, 0, 0, 0)


def test_lesson_without_story_has_no_empty_three_card(client, public_lesson):
    html = client.get(reverse("lessons:detail", args=[public_lesson.pk])).content.decode()
    assert 'class="card three"' not in html
    Lesson.objects.filter(pk=public_lesson.pk).update(story="老矿工的故事")
    html = client.get(reverse("lessons:detail", args=[public_lesson.pk])).content.decode()
    assert 'class="card three"' in html and "老矿工的故事" in html


def test_player_fetches_nothing_before_play(client, public_lesson):
    html = client.get(reverse("lessons:detail", args=[public_lesson.pk])).content.decode()
    assert 'preload="none"' in html
    assert '<script src="/static/vendor/hls.min.js' not in html
    assert 'data-hls-lib="/static/vendor/hls.min.js"' in html
    assert 'id="player-start"' in html


def test_new_lesson_form_has_no_dashes_placeholder(client, county):
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:create")).content.decode()
    assert "---------" not in html and '<option value="" selected>不归入专题</option>' in html


def test_reflection_box_has_a_live_counter_for_its_minimum(client, county, public_lesson):
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:detail", args=[public_lesson.pk])).content.decode()
    assert 'data-min-chars="50" aria-describedby="reflection-text-count"' in html
    assert '<p class="small muted char-count" id="reflection-text-count"' in html
