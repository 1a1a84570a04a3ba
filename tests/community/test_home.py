"""The resident's home: wishes near them and their own; no "coming soon"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.community.conftest import open_wish, post
from xianfeng.community import services

pytestmark = pytest.mark.django_db


def test_resident_home_shows_nearby_wishes_and_their_own(client, county, resident_a1):
    open_wish(county, county.member_a2.user, org=county.branch_a2, title="西街的一个心愿")
    open_wish(county, county.member_b1.user, org=county.branch_b1, title="柳湾的一个心愿")
    post(resident_a1, county.branch_a1, title="我自己的心愿")
    client.force_login(resident_a1)
    html = client.get(reverse("common:home")).content.decode()
    assert "城关镇党委等待认领的心愿" in html
    assert "西街的一个心愿" in html  # the same town
    assert "柳湾的一个心愿" not in html  # another town
    assert "我自己的心愿" in html and "待审核" in html
    assert "即将开放" not in html
    assert reverse("community:wish_new") in html


def test_claimer_home_lists_the_claim_with_its_deadline(client, county, resident_a1):
    wish = open_wish(county, resident_a1)
    services.wish_claim(actor=county.member_b1.user, wish=wish)
    client.force_login(county.member_b1.user)
    html = client.get(reverse("common:home")).content.decode()
    assert "我认领的心愿" in html and "给孙子买一个新书包" in html


def test_officer_home_counts_wishes_to_review_in_their_branch_only(client, county, resident_a1):
    post(resident_a1, county.branch_a1, title="东街的心愿一个")
    post(resident_a1, county.branch_a1, title="东街的心愿两个")
    client.force_login(county.secretary_a1)
    assert "2 个心愿等待您审核" in client.get(reverse("common:home")).content.decode()
    client.force_login(county.secretary_b1)
    assert "等待您审核" not in client.get(reverse("common:home")).content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_resident_home_query_count(client, county, resident_a1, django_assert_num_queries, n):
    for i in range(n):
        open_wish(county, county.member_a2.user, org=county.branch_a2, title=f"西街第{i}个心愿")
        post(resident_a1, county.branch_a1, title=f"我的第{i}个心愿")
        wish = open_wish(county, county.member_b1.user, org=county.branch_b1, title=f"柳湾{i}心愿")
        services.wish_claim(actor=resident_a1, wish=wish)
    client.force_login(resident_a1)
    with django_assert_num_queries(QUERIES):
        html = client.get(reverse("common:home")).content.decode()
    assert html.count("西街第") == n
    assert html.count("我的第") == n


# The home page's queries (session, user, roles, every app's panels, the unread badge);
# the wishes panel adds four: the person's community with its town, the nearby open
# wishes, their own, their claims; the 微实事·微行动 panel four more: the path of their home
# community, the votes open there, activities this week, their sign-ups.
QUERIES = 22


def test_resident_home_has_the_open_vote_activities_this_week_and_their_sign_ups(
    client, county, resident_a1
):
    import datetime

    from django.utils import timezone

    from xianfeng.community.services import activities, civic

    now = timezone.now()
    civic.round_open(
        actor=county.secretary_a1, org=county.branch_a1, title="东街民生实事投票",
        opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(days=3),
    )  # fmt: skip
    civic.round_open(
        actor=county.secretary_b1, org=county.branch_b1, title="柳湾民生实事投票",
        opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(days=3),
    )  # fmt: skip
    start = now + datetime.timedelta(days=2)
    mine = activities.activity_create(
        actor=county.secretary_a1, org=county.branch_a1, kind="cleanup", title="东街环境整治",
        starts_at=start, ends_at=start + datetime.timedelta(hours=2), place="东街广场", capacity=9,
    )  # fmt: skip
    activities.signup_join(actor=resident_a1, activity=mine)
    client.force_login(resident_a1)
    html = client.get(reverse("common:home")).content.decode()
    assert "东街民生实事投票" in html and "柳湾民生实事投票" not in html
    assert "本周活动" in html and "东街环境整治" in html and "已报名" in html
