"""展播 on the site's TV: the channels that reach the site's org, on now, with lessons the
room may watch; a channel's lessons in order with their 第 N 期 (device token; another
town's channel is a 404)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import published_lesson
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice import channels
from xianfeng.remote import services

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def channel(county, org, title, lessons, **settings):
    admin = county.county_admin
    show = lesson_services.showcase_for_org(actor=admin, org=org, title=title)
    channels.showcase_settings(actor=admin, showcase=show, title=title, **settings)
    for lesson in lessons:
        channels.showcase_add(actor=admin, showcase=show, lesson=lesson)
    return show


def county_lesson(county, title, audience=None):
    return published_lesson(
        org=county.county,
        author=county.county_admin,
        title=title,
        audience=audience or county.county,
    )


def tv(client, key, path=""):
    return client.get(f"/api/v1/remote/tv{path}", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_tv_lists_the_channels_that_reach_its_org(client, county, sites2):
    one, two = county_lesson(county, "全县课一"), county_lesson(county, "全县课二")
    channel(county, county.county, "全县展播", [one, two])
    channel(county, county.county, "柳湾镇展播", [one], audience=county.town_b)
    channel(county, county.county, "城关镇展播", [two], audience=county.town_a, numbered=True)
    channel(county, county.county, "过期展播", [one], starts_on=timezone.localdate() - 9 * DAY,
            ends_on=timezone.localdate() - DAY)  # fmt: skip
    channel(county, county.county, "空展播", [])
    # A channel whose only lesson is published to another town: nothing this room may watch.
    far = county_lesson(county, "柳湾的课", audience=county.town_b)
    channel(county, county.county, "别镇课程展播", [far])
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    cards = tv(client, key).json()["channels"]
    assert [(c["title"], c["count"]) for c in cards] == [("城关镇展播", 1), ("全县展播", 2)]
    _, key_b = services.device_token_issue(actor=None, site=sites2.b)
    titles = [c["title"] for c in tv(client, key_b).json()["channels"]]
    assert titles == ["别镇课程展播", "柳湾镇展播", "全县展播"]


def test_a_channel_plays_in_its_order_with_issue_numbers(client, county, sites2):
    lessons = [county_lesson(county, f"每周一课{i}") for i in range(3)]
    hidden = county_lesson(county, "城关镇看不到的课", audience=county.town_b)
    show = channel(county, county.county, "每周一课", [*lessons, hidden], numbered=True)
    later = county_lesson(county, "下周的课")
    channels.showcase_add(
        actor=county.county_admin,
        showcase=show,
        lesson=later,
        publish_at=timezone.now() + DAY,
    )
    channels.showcase_move(
        actor=county.county_admin, showcase=show, lesson_id=lessons[2].pk, up=True
    )
    # A lesson whose video is not playable yet stays off the TV's list.
    Lesson.objects.filter(pk=lessons[0].pk).update(video=None)
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    response = tv(client, key, f"/channels/{show.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "每周一课"
    assert [(x["title"], x["issue_no"]) for x in data["lessons"]] == [
        ("每周一课2", 3),
        ("每周一课1", 2),
    ]
    assert all(x["hls"].startswith("/media/v/") for x in data["lessons"])


def test_another_town_s_channel_is_a_404_and_a_token_is_needed(client, county, sites2):
    show = channel(
        county, county.county, "柳湾镇展播", [county_lesson(county, "课")], audience=county.town_b
    )
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    assert tv(client, key, f"/channels/{show.pk}").status_code == 404
    assert tv(client, key, "/channels/999999").status_code == 404
    assert client.get(f"/api/v1/remote/tv/channels/{show.pk}").status_code == 401
    client.force_login(county.county_admin)  # a person's session is no device
    assert client.get(f"/api/v1/remote/tv/channels/{show.pk}").status_code == 401
    _, key_b = services.device_token_issue(actor=None, site=sites2.b)
    assert tv(client, key_b, f"/channels/{show.pk}").status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_tv_channel_query_count(client, county, sites2, django_assert_num_queries, n):
    show = channel(
        county, county.county, "全县展播", [county_lesson(county, f"课{i}") for i in range(n)]
    )
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    # the device (with its site), its last-seen update, the site's org, the channel with
    # its count, its lessons with their videos and issue numbers
    with django_assert_num_queries(5):
        data = tv(client, key, f"/channels/{show.pk}").json()
    assert len(data["lessons"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_tv_home_with_channels_query_count(client, county, sites2, django_assert_num_queries, n):
    lesson = county_lesson(county, "课")
    for i in range(n):
        channel(county, county.county, f"展播{i}", [lesson])
    _, key = services.device_token_issue(actor=None, site=sites2.a)
    # the device (with its site), its last-seen update, plans, viewings (none today, so no
    # lessons of theirs), the week's fixed menu, the site's org, the week's offers, and the
    # channels with their counts: one query for any number of channels; the org's unfinished
    # 现场竞答 rooms for the big screen (no open viewing, so no 点名 roster)
    with django_assert_num_queries(9):
        data = tv(client, key).json()
    assert len(data["channels"]) == n
