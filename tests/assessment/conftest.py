"""The test county's orgs were founded long before the years these tests assess: 自查 and
通报 count a branch only for the months it existed (成立日期), and an org made by the
factory is founded today."""

from __future__ import annotations

import datetime

import pytest

from xianfeng.orgs.models import Org


@pytest.fixture(autouse=True)
def _county_founded_long_ago(request):
    if "county" in request.fixturenames:
        county = request.getfixturevalue("county")
        Org.objects.filter(path__startswith=county.county.path).update(
            founded_on=datetime.date(2000, 1, 1)
        )
