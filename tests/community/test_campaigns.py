"""点亮微心愿 campaigns: launched by a county or town, collecting its wishes, with progress
toward the target and a leaderboard of orgs by wishes fulfilled."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from tests.community.conftest import open_wish, png, post
from xianfeng.common.errors import Refused
from xianfeng.community import selectors, services
from xianfeng.community.models import Wish, WishCampaign, WishTally

pytestmark = pytest.mark.django_db

PHONE = "13712345678"


def launch(county, actor=None, org=None, **kw):
    today = timezone.localdate()
    kw.setdefault("title", "点亮微心愿·温暖过冬")
    kw.setdefault("starts_on", today - datetime.timedelta(days=3))
    kw.setdefault("ends_on", today + datetime.timedelta(days=27))
    kw.setdefault("target", 4)
    return services.campaign_create(
        actor=actor or county.town_a_admin, org=org or county.town_a, **kw
    )


def done(county, wish, claimer, org=None):
    services.wish_claim(actor=claimer, wish=wish, org=org)
    services.wish_fulfil(actor=claimer, wish=wish, note="已经送到心愿人手中", photos=[png()])
    who = wish.wisher or wish.posted_by
    return services.wish_confirm(actor=who, wish=wish)


def test_a_town_campaign_collects_its_wishes_only(county, resident_a1):
    before = open_wish(county, resident_a1, title="活动前就公开的心愿")
    campaign = launch(county)
    assert Wish.objects.get(pk=before.pk).campaign == campaign
    inside = post(resident_a1, county.branch_a2, title="西街提交的新心愿")
    outside = post(county.member_b1.user, county.branch_b1, title="河口镇提交的心愿")
    assert (inside.campaign, outside.campaign) == (campaign, None)


def test_a_campaign_that_has_ended_collects_nothing(county, resident_a1):
    today = timezone.localdate()
    launch(
        county,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today - datetime.timedelta(days=1),
    )
    assert post(resident_a1, county.branch_a1).campaign is None


def test_only_a_county_or_town_officer_launches(county):
    for actor, org in (
        (county.secretary_a1, county.branch_a1),
        (county.member_a1.user, county.town_a),
        (county.town_a_admin, county.town_b),
    ):
        with pytest.raises(PermissionDenied):
            launch(county, actor=actor, org=org)
    assert WishCampaign.objects.count() == 0


def test_a_campaign_covering_an_org_outside_is_refused(county):
    with pytest.raises(Refused, match="柳湾村党支部"):
        launch(county, covers=[county.branch_b1])
    assert WishCampaign.objects.count() == 0


def test_a_campaign_with_its_end_before_its_start_is_refused(county):
    today = timezone.localdate()
    with pytest.raises(Refused, match="结束日期"):
        launch(county, starts_on=today, ends_on=today - datetime.timedelta(days=1))
    assert WishCampaign.objects.count() == 0


def test_stats_and_leaderboard(county, resident_a1):
    campaign = launch(county, target=4)
    wishes = [open_wish(county, resident_a1, title=f"第{i}个温暖的心愿") for i in range(4)]
    done(county, wishes[0], county.secretary_b1, org=county.branch_b1)
    done(county, wishes[1], county.secretary_b1, org=county.branch_b1)
    done(county, wishes[2], county.member_a2.user)  # personally: counted for 西街社区党支部
    services.wish_claim(actor=county.member_a1.user, wish=wishes[3])
    stats = selectors.campaign_stats(campaign)
    assert (stats.total, stats.fulfilled, stats.share) == (4, 3, 75)
    assert stats.by_state == {"fulfilled": 3, "claimed": 1}
    assert selectors.campaign_leaderboard(campaign) == [
        {"name": "柳湾村党支部", "fulfilled": 2},
        {"name": "西街社区党支部", "fulfilled": 1},
    ]


def test_campaign_page_shows_progress_and_no_contact(client, county, resident_a1):
    campaign = launch(county, target=4)
    wish = open_wish(county, resident_a1, contact_address="东街 8 号")
    done(county, wish, county.secretary_b1, org=county.branch_b1)
    html = client.get(reverse("community:campaign", args=[campaign.pk])).content.decode()
    assert "已实现 1 / 目标 4 个（25%）" in html
    assert "柳湾村党支部 · 1 个" in html
    assert "孙**" in html
    assert PHONE not in html and "孙桂芳" not in html and "东街 8 号" not in html


def test_campaign_page_through_the_form(client, county):
    client.force_login(county.town_a_admin)
    today = timezone.localdate()
    response = client.post(
        reverse("community:campaign_new"),
        {
            "org": county.town_a.pk,
            "title": "点亮微心愿·六一助学",
            "theme": "结合主题党日",
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
            "target": "50",
        },
    )
    campaign = WishCampaign.objects.get()
    assert response["Location"] == reverse("community:campaign", args=[campaign.pk])
    assert (campaign.org, campaign.target, campaign.created_by) == (
        county.town_a,
        50,
        county.town_a_admin,
    )
    client.force_login(county.secretary_a1)
    assert client.get(reverse("community:campaign_new")).status_code == 403


@pytest.mark.parametrize("n", [1, 3])
def test_campaign_page_query_count(client, county, resident_a1, django_assert_num_queries, n):
    campaign = launch(county, target=10)
    for i in range(n):
        wish = open_wish(county, resident_a1, title=f"第{i}个温暖的心愿")
        done(county, wish, county.secretary_b1, org=county.branch_b1)
        open_wish(county, resident_a1, title=f"第{i}个等待的心愿")
    # campaign, stats (its total is the wall's count), leaderboard, board's names, page,
    # covers, villages
    with django_assert_num_queries(7):
        html = client.get(reverse("community:campaign", args=[campaign.pk])).content.decode()
    assert html.count('class="wish-card"') == 2 * n


@pytest.mark.parametrize("n", [1, 3])
def test_campaign_list_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        launch(county, title=f"第{i}期点亮微心愿")
    with django_assert_num_queries(2):  # count, page with orgs
        html = client.get(reverse("community:campaigns")).content.decode()
    assert html.count("campaign-card") == n


# --- the tally the campaign page counts from -----------------------------------------------------


def _tally(campaign):
    return {
        (t.state, t.category): t.n
        for t in WishTally.objects.filter(campaign=campaign, n__gt=0).order_by()
    }


def _counted(campaign):
    rows = (
        Wish.objects.filter(campaign=campaign)
        .values_list("state", "category")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(state, category): n for state, category, n in rows}


def test_the_tally_follows_every_kind_of_write(county, resident_a1):
    early = post(resident_a1, county.branch_a1, title="活动前提交的心愿")  # pending, no campaign
    campaign = launch(county)  # a bulk UPDATE hands the pending wish to the campaign
    assert _tally(campaign) == {("pending", "study"): 1}
    wishes = [open_wish(county, resident_a1, title=f"第{i}个温暖的心愿") for i in range(4)]
    services.wish_review(actor=county.secretary_a1, wish=early, approve=True)
    done(county, wishes[0], county.secretary_b1, org=county.branch_b1)
    services.wish_claim(actor=county.member_a1.user, wish=wishes[1])
    services.wish_release(actor=county.member_a1.user, wish=wishes[1], reason="临时出差")
    services.wish_withdraw(actor=resident_a1, wish=wishes[2], reason="已经解决了")
    Wish.objects.filter(pk=wishes[3].pk).update(category="elderly")
    Wish.objects.filter(pk=early.pk).delete()
    assert _tally(campaign) == _counted(campaign)
    assert _tally(campaign) == {
        ("fulfilled", "study"): 1,
        ("open", "study"): 1,
        ("withdrawn", "study"): 1,
        ("open", "elderly"): 1,
    }
    stats = selectors.campaign_stats(campaign)
    assert (stats.total, stats.by_state) == (3, {"fulfilled": 1, "open": 2})
    # A deleted campaign lets its wishes go and takes its tally with it.
    campaign.delete()
    assert WishTally.objects.count() == 0
    assert Wish.objects.filter(campaign__isnull=True).count() == 4


def test_the_tally_triggers_survive_the_migrations():
    """A later migration that rebuilds community_wish on SQLite (an AlterField does) drops
    its triggers: it must create them again (see migration 0006)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'community_wish'::regclass "
                "AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'community_wish'"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        "community_wish_tally_insert",
        "community_wish_tally_update",
        "community_wish_tally_delete",
    }


@pytest.mark.parametrize("n", [1, 3])
def test_campaign_page_filtered_by_state_and_category_counts_nothing(
    client, county, resident_a1, django_assert_num_queries, n
):
    campaign = launch(county, target=10)
    for i in range(n):
        wish = open_wish(county, resident_a1, title=f"第{i}个温暖的心愿")
        done(county, wish, county.secretary_b1, org=county.branch_b1)
        open_wish(county, resident_a1, title=f"第{i}个等待的心愿")
        open_wish(county, resident_a1, title=f"第{i}个助老的心愿", category="elderly")
    # The same 7 as unfiltered: the page's count comes from the tally, no COUNT query.
    with django_assert_num_queries(7):
        html = client.get(
            reverse("community:campaign", args=[campaign.pk]),
            {"state": "open", "category": "study"},
        ).content.decode()
    assert html.count('class="wish-card"') == n
    assert f"共 {n} 条" in html
