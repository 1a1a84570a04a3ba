"""Any curator adds any contest's results they may see to any channel they curate."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.contests.conftest import advance_to_final
from tests.contests.test_flow import scores
from xianfeng.contests import services
from xianfeng.lessons.models import ShowcaseItem
from xianfeng.lessons.practice import channels
from xianfeng.lessons.services import showcase_for_org

pytestmark = pytest.mark.django_db


def _awarded(county, world):
    entries = advance_to_final(county, world)
    for judge in world.judges:
        for key, mark in (("a1", 90), ("b1", 80)):
            services.review_save(
                judge=judge, round_=world.r3, entry=entries[key], scores=scores(world, *[mark] * 3)
            )
    services.awards_assign(
        actor=county.county_admin,
        contest=world.contest,
        counts={"first": 1, "second": 1, "third": 0, "excellent": 0},
    )


def titles(show):
    return list(
        ShowcaseItem.objects.filter(showcase=show)
        .order_by("position")
        .values_list("lesson__title", "issue_no")
    )


def test_a_town_curator_appends_the_county_contests_winners_they_may_see(client, county, world):
    _awarded(county, world)
    show = showcase_for_org(actor=county.town_a_admin, org=county.town_a, title="城关镇展播")
    channels.showcase_settings(
        actor=county.town_a_admin, showcase=show, title="城关镇展播", numbered=True
    )
    channels.showcase_add(actor=county.town_a_admin, showcase=show, lesson=world.lessons["a1b"])
    client.force_login(county.town_a_admin)
    detail = client.get(reverse("contests:detail", args=[world.contest.pk])).content.decode()
    assert f'<option value="{show.pk}">城关镇展播（城关镇党委）</option>' in detail
    response = client.post(
        reverse("contests:action", args=[world.contest.pk, "to_channel"]),
        {"showcase": show.pk},
        follow=True,
    )
    # The town's own first; the winner from town A next as 第 2 期; town B's winner is
    # published to its branch only, which the town A admin cannot see: left out, and said so.
    assert titles(show) == [("东街的第二课", 1), ("东街的安全课", 2)]
    assert "已把 1 节获奖作品加入“城关镇展播”，1 节您看不到的作品未加入" in (
        response.content.decode()
    )
    # Again: nothing new, nothing moved.
    added, hidden = services.awards_to_channel(
        actor=county.town_a_admin, contest=world.contest, showcase=show
    )
    assert (added, hidden) == (0, 1)
    assert titles(show) == [("东街的第二课", 1), ("东街的安全课", 2)]


def test_a_channel_the_person_does_not_curate_is_a_404_and_unchanged(client, county, world):
    _awarded(county, world)
    show = showcase_for_org(actor=county.town_a_admin, org=county.town_a, title="城关镇展播")
    client.force_login(county.secretary_b1)
    response = client.post(
        reverse("contests:action", args=[world.contest.pk, "to_channel"]), {"showcase": show.pk}
    )
    assert response.status_code == 404
    assert titles(show) == []


def test_a_contest_without_awards_adds_nothing(client, county, world):
    show = showcase_for_org(actor=county.town_a_admin, org=county.town_a, title="城关镇展播")
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("contests:action", args=[world.contest.pk, "to_channel"]),
        {"showcase": show.pk},
        follow=True,
    )
    assert "这次竞赛还没有已发布的获奖作品" in response.content.decode()
    assert titles(show) == []
