"""The demo town's wishes: every state on the wall, and something for each persona to do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xianfeng.community import demo
from xianfeng.community.enums import WishState
from xianfeng.community.models import Wish, WishCampaign, WishPhoto
from xianfeng.people import demo as people_demo
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def test_demo_wishes_fill_the_wall_and_the_personas_pages(client):
    people_demo.seed_county(members=300)
    report = demo.seed()
    assert report.startswith("微心愿：活动「点亮微心愿·温暖过冬」")
    campaign = WishCampaign.objects.get()
    by_state = {s: Wish.objects.filter(state=s).count() for s in WishState.values}
    assert by_state["fulfilled"] == 15
    assert by_state["confirming"] == 4
    assert by_state["claimed"] == 6
    assert by_state["open"] == 10
    assert by_state["pending"] == 3
    assert Wish.objects.filter(campaign=campaign).count() == 38
    assert WishPhoto.objects.filter(kind="fulfil").count() == 19
    resident = User.objects.get(username="resident")
    assert Wish.objects.get(wisher=resident, state="confirming").claimer.username == "member"
    assert Wish.objects.filter(claimer__username="member", state="claimed").count() == 1
    # A second run writes nothing.
    assert demo.seed() == "微心愿已有数据，未重复生成。"
    html = client.get(reverse("community:campaign", args=[campaign.pk])).content.decode()
    assert "已实现 15 / 目标 60 个（25%）" in html
    client.force_login(resident)
    home = client.get(reverse("common:home")).content.decode()
    assert "请确认" in home
    client.force_login(User.objects.get(username="secretary"))
    assert "2 个心愿等待您审核" in client.get(reverse("common:home")).content.decode()


def test_demo_five_gives_the_resident_an_open_vote_activities_and_an_honor_roll(client):
    from xianfeng.community import demo_five
    from xianfeng.community.models import Activity, CivicProject, Honor, VoteRound

    people_demo.seed_county(members=300)
    report = demo_five.seed()
    assert report.startswith("微实事：投票 2 场"), report
    assert VoteRound.objects.count() == 2
    states = sorted(CivicProject.objects.values_list("state", flat=True))
    assert states == ["candidate"] * 4 + ["done", "in_progress"]
    assert Activity.objects.count() == 4
    assert Honor.objects.filter(state="approved").count() >= 2
    assert demo_five.seed() == "微实事、微行动已有数据，未重复生成。"
    resident = User.objects.get(username="resident")
    client.force_login(resident)
    home = client.get(reverse("common:home")).content.decode()
    assert "冬季民生微实事投票" in home and "背街小巷环境整治" in home
    html = client.get(reverse("community:org_page", args=[resident.home_org.code])).content
    assert "党员先锋队".encode() in html


def test_demo_five_holds_when_the_towns_first_members_live_in_other_villages():
    """In the county-sized demo (`make run`, 5,000 members) the town's first twenty members by
    id all lived elsewhere: only the resident voted, the second project was not selected, and
    the whole seeder failed, leaving the demo without 微实事, 微行动 and 微星光."""
    from xianfeng.community import demo_five
    from xianfeng.community.models import CivicProject
    from xianfeng.orgs.models import Org
    from xianfeng.people.models import Member

    people_demo.seed_county(members=300)
    home = User.objects.get(username="resident").home_org
    town = Member.objects.filter(org__path__startswith=home.parent.path).order_by("pk")
    sibling = Org.objects.filter(parent=home.parent, kind="branch").exclude(pk=home.pk).first()
    first = list(town.values_list("pk", flat=True)[:20])
    Member.objects.filter(pk__in=first, org=home).update(org=sibling)
    later = list(town.exclude(pk__in=first).exclude(org=home).values_list("pk", flat=True)[:6])
    Member.objects.filter(pk__in=later).update(org=home)
    assert not town.filter(pk__in=first, org=home).exists()

    report = demo_five.seed()
    assert report.startswith("微实事：投票 2 场"), report
    states = sorted(CivicProject.objects.values_list("state", flat=True))
    assert states == ["candidate"] * 4 + ["done", "in_progress"]
