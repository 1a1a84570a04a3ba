"""巡讲: stops, the audience's feedback from the QR (once per device, word list applied),
the speaker reads it, a held stop is the speaker's lecture; scoping and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import SensitiveWordFactory, published_lesson
from xianfeng.common.errors import Refused
from xianfeng.lessons.practice import tours
from xianfeng.lessons.practice.coverage import coverage_of
from xianfeng.lessons.practice.models import Lecture, TourFeedback, TourStop

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def tour(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    return tours.tour_create(
        actor=county.town_a_admin,
        org=county.town_a,
        title="矿灯下的初心巡讲",
        speaker=county.member_a1,
        lesson=lesson,
    )


def stop_of(county, tour, days_ago=1, venue="城关镇党校"):
    return tours.tour_stop_add(
        actor=county.town_a_admin,
        tour=tour,
        held_on=TODAY - datetime.timedelta(days=days_ago),
        venue=venue,
        host_org=county.branch_a2,
    )


def test_a_held_stop_is_the_speakers_lecture_and_counts_for_coverage(county, tour):
    stop = stop_of(county, tour)
    tours.tour_stop_held(actor=county.town_a_admin, stop=stop, audience_size=80)
    lecture = Lecture.objects.get(kind="tour")
    assert (lecture.member, lecture.source_id, lecture.given_on, lecture.org) == (
        county.member_a1,
        stop.pk,
        stop.held_on,
        county.branch_a2,
    )
    assert coverage_of(county.town_a, TODAY.year).total.by_kind["tour"] == 1
    tours.tour_stop_held(actor=county.town_a_admin, stop=stop, audience_size=85)
    assert Lecture.objects.filter(kind="tour").count() == 1
    assert TourStop.objects.get(pk=stop.pk).audience_size == 85


def test_a_future_stop_cannot_be_held(county, tour):
    stop = stop_of(county, tour, days_ago=-3)
    with pytest.raises(Refused):
        tours.tour_stop_held(actor=county.town_a_admin, stop=stop, audience_size=50)
    assert (TourStop.objects.get(pk=stop.pk).held_at, Lecture.objects.count()) == (None, 0)


def test_another_towns_officer_cannot_hold_or_add(county, tour):
    stop = stop_of(county, tour)
    with pytest.raises(PermissionDenied):
        tours.tour_stop_held(actor=county.secretary_b1, stop=stop, audience_size=50)
    with pytest.raises(PermissionDenied):
        tours.tour_stop_add(
            actor=county.secretary_b1,
            tour=tour,
            held_on=TODAY,
            venue="河口镇党校",
            host_org=county.branch_b1,
        )
    assert (TourStop.objects.count(), Lecture.objects.count()) == (1, 0)


def test_feedback_once_per_device_and_averaged(county, tour):
    stop = stop_of(county, tour)
    tours.tour_feedback_give(stop=stop, voter_key="a" * 32, rating=5, opinion="讲得实在")
    again, created = tours.tour_feedback_give(stop=stop, voter_key="a" * 32, rating=1)
    assert created is False and again.rating == 5
    tours.tour_feedback_give(stop=stop, voter_key="b" * 32, rating=4)
    stop.refresh_from_db()
    assert (stop.rating_count, stop.rating_sum, stop.rating_average) == (2, 9, 4.5)


def test_an_opinion_with_a_listed_word_waits_for_review(county, tour):
    SensitiveWordFactory(word="赌博")
    stop = stop_of(county, tour)
    fb, _ = tours.tour_feedback_give(
        stop=stop, voter_key="c" * 32, rating=3, opinion="希望多讲讲农村赌博问题"
    )
    assert TourFeedback.objects.get(pk=fb.pk).status == "held"
    assert tours.stop_feedback(tour) == {}
    tours.tour_feedback_decided(str(fb.pk), True)
    assert [f.pk for f in tours.stop_feedback(tour)[stop.pk]] == [fb.pk]


def test_feedback_before_the_stop_is_refused(county, tour):
    stop = stop_of(county, tour, days_ago=-2)
    with pytest.raises(Refused):
        tours.tour_feedback_give(stop=stop, voter_key="d" * 32, rating=5)
    assert TourFeedback.objects.count() == 0


def test_bad_rating_is_refused(county, tour):
    stop = stop_of(county, tour)
    with pytest.raises(Refused):
        tours.tour_feedback_give(stop=stop, voter_key="e" * 32, rating=6)
    assert TourFeedback.objects.count() == 0


# --- pages -------------------------------------------------------------------------------


def test_the_qr_page_takes_feedback_without_login_once_per_browser(client, county, tour):
    stop = stop_of(county, tour)
    url = reverse("lessons:tour_feedback", args=[stop.feedback_key])
    assert client.get(url).status_code == 200
    client.post(url, {"rating": "4", "opinion": "例子很生动"})
    html = client.post(url, {"rating": "1"}).content.decode()
    assert "您已经评价过这一场了" in html
    assert list(TourFeedback.objects.values_list("rating", "opinion")) == [(4, "例子很生动")]


def test_an_unknown_qr_is_a_404(client, county, tour):
    assert client.get(reverse("lessons:tour_feedback", args=["nope"])).status_code == 404


def test_the_speaker_reads_the_opinions(client, county, tour):
    stop = stop_of(county, tour)
    tours.tour_feedback_give(stop=stop, voter_key="f" * 32, rating=5, opinion="讲得实在")
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:tour", args=[tour.pk])).content.decode()
    assert "讲得实在" in html and "听众反馈二维码" not in html


@pytest.mark.parametrize("who", ["member_a2", "secretary_b1", "member_b1", "judge"])
def test_a_tour_is_a_404_for_others(client, county, tour, who):
    stop = stop_of(county, tour)
    user = getattr(county, who)
    client.force_login(getattr(user, "user", user))
    assert client.get(reverse("lessons:tour", args=[tour.pk])).status_code == 404
    url = reverse("lessons:tour_stop_held", args=[tour.pk, stop.pk])
    assert client.post(url, {"audience_size": "30"}).status_code == 404
    assert TourStop.objects.get(pk=stop.pk).held_at is None
    assert "矿灯下的初心巡讲" not in client.get(reverse("lessons:tours")).content.decode()


def test_anonymous_is_sent_to_login_for_the_tour(client, county, tour):
    response = client.get(reverse("lessons:tour", args=[tour.pk]))
    assert response.status_code == 302 and "/login" in response.url


def test_the_host_branch_secretary_sees_the_tour(client, county, tour):
    from tests.factories import UserFactory, grant
    from xianfeng.orgs.enums import RoleKind

    stop_of(county, tour)
    host = UserFactory()
    grant(host, county.branch_a2, RoleKind.SECRETARY)
    client.force_login(host)
    assert client.get(reverse("lessons:tour", args=[tour.pk])).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_tour_page_query_count(client, county, tour, django_assert_num_queries, n):
    for i in range(n):
        stop = stop_of(county, tour, days_ago=i + 1, venue=f"党校{i}")
        tours.tour_feedback_give(stop=stop, voter_key=f"{i}" * 32, rating=5, opinion="好")
    client.force_login(county.town_a_admin)
    # session, user, roles, tour, stops, feedback, the lesson's 打磨 versions, unread badge
    # (the admin has no member record)
    with django_assert_num_queries(8):
        html = client.get(reverse("lessons:tour", args=[tour.pk])).content.decode()
    assert html.count('class="card tour-stop"') == n
    assert html.count('class="opinion"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_tours_page_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        tours.tour_create(
            actor=county.town_a_admin,
            org=county.town_a,
            title=f"巡讲{i}",
            speaker=county.member_a1,
        )
    client.force_login(county.town_a_admin)
    with django_assert_num_queries(6):
        html = client.get(reverse("lessons:tours")).content.decode()
    assert html.count('class="tour-item"') == n
