"""展播 channels: order kept, audience and period decide who finds them, query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import published_lesson
from xianfeng.common.errors import Refused
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Showcase, ShowcaseItem
from xianfeng.lessons.practice import channels
from xianfeng.lessons.selectors import showcase_lessons, showcases_visible_to

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def county_lessons(county, n):
    return [
        published_lesson(
            org=county.county,
            author=county.county_admin,
            title=f"展播课{i}",
            audience=county.county,
        )
        for i in range(n)
    ]


def channel(county, title="七一专题展播", **settings):
    show = lesson_services.showcase_for_org(
        actor=county.county_admin, org=county.county, title=title
    )
    if settings:
        channels.showcase_settings(
            actor=county.county_admin, showcase=show, title=title, **settings
        )
    return show


def order_of(show):
    return list(
        ShowcaseItem.objects.filter(showcase=show)
        .order_by("position")
        .values_list("lesson__title", flat=True)
    )


def test_order_is_kept_and_moves_swap_neighbours(county):
    show = channel(county)
    for lesson in county_lessons(county, 3):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    assert order_of(show) == ["展播课0", "展播课1", "展播课2"]
    third = ShowcaseItem.objects.get(showcase=show, lesson__title="展播课2").lesson_id
    channels.showcase_move(actor=county.county_admin, showcase=show, lesson_id=third, up=True)
    assert order_of(show) == ["展播课0", "展播课2", "展播课1"]
    _, lessons = showcase_lessons(county.member_b1.user, show.pk)
    assert [lesson.title for lesson in lessons] == ["展播课0", "展播课2", "展播课1"]
    first = ShowcaseItem.objects.get(showcase=show, lesson__title="展播课0").lesson_id
    channels.showcase_move(actor=county.county_admin, showcase=show, lesson_id=first, up=True)
    assert order_of(show) == ["展播课0", "展播课2", "展播课1"]


def test_adding_twice_is_one_item(county):
    show = channel(county)
    (lesson,) = county_lessons(county, 1)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    assert ShowcaseItem.objects.filter(showcase=show).count() == 1


def test_a_branch_secretary_cannot_curate_the_county_channel(county):
    show = channel(county)
    (lesson,) = county_lessons(county, 1)
    with pytest.raises(PermissionDenied):
        channels.showcase_add(actor=county.secretary_a1, showcase=show, lesson=lesson)
    assert ShowcaseItem.objects.count() == 0


def test_an_audience_outside_the_org_is_refused(county):
    show = lesson_services.showcase_for_org(
        actor=county.town_a_admin, org=county.town_a, title="城关镇展播"
    )
    with pytest.raises(Refused):
        channels.showcase_settings(
            actor=county.town_a_admin, showcase=show, title="城关镇展播", audience=county.town_b
        )
    assert Showcase.objects.get(pk=show.pk).audience_id is None


def test_audience_decides_who_finds_the_channel(county):
    show = channel(county, audience=county.town_a)
    assert showcases_visible_to(county.member_a1.user).filter(pk=show.pk).exists()
    assert showcases_visible_to(county.member_a2.user).filter(pk=show.pk).exists()
    assert not showcases_visible_to(county.member_b1.user).filter(pk=show.pk).exists()
    assert not showcases_visible_to(county.secretary_b1).filter(pk=show.pk).exists()
    assert showcases_visible_to(county.county_admin).filter(pk=show.pk).exists()


def test_a_channel_out_of_its_period_is_hidden_from_members_not_curators(county):
    show = channel(
        county,
        starts_on=TODAY + datetime.timedelta(days=1),
        ends_on=TODAY + datetime.timedelta(days=30),
    )
    assert not showcases_visible_to(county.member_a1.user).filter(pk=show.pk).exists()
    assert showcases_visible_to(county.county_admin).filter(pk=show.pk).exists()


def test_the_channel_page_is_a_404_outside_the_audience(client, county):
    show = channel(county, audience=county.town_a)
    client.force_login(county.member_b1.user)
    assert client.get(reverse("lessons:showcase", args=[show.pk])).status_code == 404
    assert "七一专题展播" not in client.get(reverse("lessons:showcases")).content.decode()
    client.force_login(county.member_a1.user)
    assert client.get(reverse("lessons:showcase", args=[show.pk])).status_code == 200


@pytest.mark.parametrize("who", ["member_a1", "secretary_a1", "member_b1"])
def test_curating_is_refused_to_others(client, county, who):
    show = channel(county)
    (lesson,) = county_lessons(county, 1)
    user = getattr(county, who)
    client.force_login(getattr(user, "user", user))
    response = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]), {"action": "add", "lesson": lesson.pk}
    )
    assert response.status_code == 403
    assert ShowcaseItem.objects.count() == 0


def test_anonymous_finds_no_channels(client, county):
    channel(county)
    response = client.get(reverse("lessons:showcases"))
    assert response.status_code == 302 and "/login" in response.url


def test_curator_adds_and_moves_through_the_page(client, county):
    show = channel(county, numbered=True)
    a, b = county_lessons(county, 2)
    client.force_login(county.county_admin)
    url = reverse("lessons:showcase_manage", args=[show.pk])
    client.post(url, {"action": "add", "lesson": a.pk})
    client.post(url, {"action": "add", "lesson": b.pk})
    client.post(url, {"action": "up", "lesson": b.pk})
    assert order_of(show) == ["展播课1", "展播课0"]
    html = client.get(url).content.decode()
    # An issue keeps the number it was released with (第 N 期 is permanent); moving it
    # changes the playing order only.
    first = html.index('<span class="issue-no">第 2 期</span> 展播课1')
    assert first < html.index('<span class="issue-no">第 1 期</span> 展播课0')


@pytest.mark.parametrize("n", [1, 3])
def test_channel_page_query_count(client, county, django_assert_num_queries, n):
    show = channel(county)
    for lesson in county_lessons(county, n):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    client.force_login(county.member_a1.user)
    # session, user, member, roles, showcase, lessons, tags, unread badge
    with django_assert_num_queries(8):
        html = client.get(reverse("lessons:showcase", args=[show.pk])).content.decode()
    assert html.count('class="lesson-card"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_channel_list_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        channel(county, title=f"展播{i}")
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(6):
        html = client.get(reverse("lessons:showcases")).content.decode()
    assert html.count('class="showcase-item"') == n


def test_the_feed_leads_to_the_channels(client, county):
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:feed")).content.decode()
    assert f'href="{reverse("lessons:showcases")}"' in html
