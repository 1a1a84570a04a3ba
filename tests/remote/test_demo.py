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
