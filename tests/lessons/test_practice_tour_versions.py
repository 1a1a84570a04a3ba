"""巡讲 and 打磨: each held stop names the version of the lesson its audience saw, so the
speaker reads the opinions per version; contest versions become the lesson's versions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import published_lesson, ready_video
from xianfeng.common.errors import Refused
from xianfeng.lessons.practice import tours
from xianfeng.lessons.practice.models import LessonVersion, TourStop

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def tour(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="矿灯")
    return tours.tour_create(
        actor=county.town_a_admin,
        org=county.town_a,
        title="矿灯下的初心巡讲",
        speaker=county.member_a1,
        lesson=lesson,
    )


def stop_of(county, tour, days_ago, venue):
    return tours.tour_stop_add(
        actor=county.town_a_admin,
        tour=tour,
        held_on=TODAY - datetime.timedelta(days=days_ago),
        venue=venue,
        host_org=county.branch_a2,
    )


def test_versions_are_numbered_once_per_video(county, tour):
    lesson = tour.lesson
    first = tours.lesson_version_record(lesson=lesson, video=lesson.video)
    again = tours.lesson_version_record(lesson=lesson, video=lesson.video)
    better = ready_video(county.member_a1.user)
    second = tours.lesson_version_record(lesson=lesson, video=better, note="开头更短")
    assert (first.number, again.pk, second.number, second.note) == (1, first.pk, 2, "开头更短")


def test_each_stop_names_the_version_its_audience_saw(client, county, tour):
    lesson = tour.lesson
    early = stop_of(county, tour, 10, "城关镇党校")
    # Held with no version recorded: the lesson's own video becomes 第 1 版.
    tours.tour_stop_held(actor=county.town_a_admin, stop=early, audience_size=40)
    v1 = LessonVersion.objects.get(lesson=lesson)
    assert (v1.number, v1.video_id) == (1, lesson.video_id)
    assert TourStop.objects.get(pk=early.pk).version_id == v1.pk
    tours.tour_feedback_give(stop=early, voter_key="a" * 32, rating=3, opinion="开头太长")

    v2 = tours.lesson_version_record(
        lesson=lesson, video=ready_video(county.member_a1.user), note="开头更短"
    )
    late = stop_of(county, tour, 2, "柳湾村党群服务中心")
    # Held later: the latest version by default.
    tours.tour_stop_held(actor=county.town_a_admin, stop=late, audience_size=60)
    assert TourStop.objects.get(pk=late.pk).version_id == v2.pk
    tours.tour_feedback_give(stop=late, voter_key="b" * 32, rating=5, opinion="很打动人")

    client.force_login(county.member_a1.user)  # the speaker
    html = client.get(reverse("lessons:tour", args=[tour.pk])).content.decode()
    assert "所讲版本：第 1 版" in html and "所讲版本：第 2 版" in html
    assert "3 分 · 看的是第 1 版 · 开头太长" in html
    assert "5 分 · 看的是第 2 版 · 很打动人" in html
    assert tours.feedback_by_version(tour) == [
        {"number": 1, "note": "", "stops": 1, "audience": 40, "ratings": 1, "average": 3.0},
        {
            "number": 2,
            "note": "开头更短",
            "stops": 1,
            "audience": 60,
            "ratings": 1,
            "average": 5.0,
        },
    ]


def test_the_host_picks_an_earlier_version_and_corrects_it_through_the_page(client, county, tour):
    lesson = tour.lesson
    v1 = tours.lesson_version_record(lesson=lesson, video=lesson.video)
    v2 = tours.lesson_version_record(lesson=lesson, video=ready_video(county.member_a1.user))
    stop = stop_of(county, tour, 1, "城关镇党校")
    client.force_login(county.town_a_admin)
    url = reverse("lessons:tour_stop_held", args=[tour.pk, stop.pk])
    client.post(url, {"audience_size": "30", "version": str(v1.pk)})
    assert TourStop.objects.get(pk=stop.pk).version_id == v1.pk
    client.post(url, {"version": str(v2.pk)})
    stop.refresh_from_db()
    assert (stop.version_id, stop.audience_size) == (v2.pk, 30)


def test_a_version_of_another_lesson_is_refused(county, tour):
    other = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="别的课")
    foreign = tours.lesson_version_record(lesson=other, video=other.video)
    stop = stop_of(county, tour, 1, "城关镇党校")
    with pytest.raises(Refused, match="不属于本次巡讲"):
        tours.tour_stop_held(
            actor=county.town_a_admin, stop=stop, audience_size=30, version=foreign
        )
    assert TourStop.objects.get(pk=stop.pk).held_at is None


def test_the_page_answers_404_for_a_version_of_another_lesson(client, county, tour):
    other = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="别的课")
    foreign = tours.lesson_version_record(lesson=other, video=other.video)
    stop = stop_of(county, tour, 1, "城关镇党校")
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("lessons:tour_stop_held", args=[tour.pk, stop.pk]),
        {"audience_size": "30", "version": str(foreign.pk)},
    )
    assert response.status_code == 404
    assert TourStop.objects.get(pk=stop.pk).held_at is None
