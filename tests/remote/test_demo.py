"""The demo seeder fills every village with a site and a month of beats."""

from __future__ import annotations

import random

import pytest

from xianfeng.remote.demo import seed
from xianfeng.remote.models import Site, SiteDay

pytestmark = pytest.mark.django_db


def test_demo_gives_every_village_a_site_and_beats(county):
    message = seed(random.Random(1))
    assert sorted(Site.objects.values_list("org__code", flat=True)) == ["A1", "A2", "B1"]
    days = SiteDay.objects.count()
    assert message == f"远程教育：3 个站点，{days} 个站点日的心跳（0 个站点已停机），0 次组织收看。"
    assert days > 60
    for row in SiteDay.objects.all():
        bits = sum(bin(getattr(row, f"w{i}")).count("1") for i in range(5))
        assert bits == row.slots > 0
    assert seed() == "远程教育站点已存在，未重复生成。"


def test_demo_s_two_dead_sites_are_silent_all_this_month_and_flagged(county):
    """Eight villages or more: two sites stopped before this month began, so remote's
    长期未开机站点 counts them on any day of the month (the dashboards' red flag)."""
    from django.utils import timezone

    from tests.factories import OrgFactory
    from xianfeng.assessment.models import Fact
    from xianfeng.assessment.services import facts_compute
    from xianfeng.common.indicators import Month

    for n in range(5):
        OrgFactory(code=f"V{n}", name=f"新村{n}党支部", parent=county.town_b)
    assert "（2 个站点已停机）" in seed(random.Random(1))
    month = Month.of(timezone.localdate())
    facts_compute(month=month, codes=["remote.silent_sites"])
    fact = Fact.objects.get(indicator="remote.silent_sites", month=month.first, org=county.county)
    assert fact.value == 2
    flagged = Fact.objects.filter(
        indicator="remote.silent_sites", month=month.first, value__gt=0, org__kind="branch"
    )
    assert flagged.count() == 2
