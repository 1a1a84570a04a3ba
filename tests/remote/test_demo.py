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


def test_demo_household_has_a_join_request_in_each_state(county):
    """The 入户终端 of the persona's village: two members registered, and the requests the
    pages show: one approved (now of the household), one declined with its reason, one
    waiting for the site admin (with the member's 撤回申请 button)."""
    from tests.factories import LessonFactory, MemberFactory, UserFactory, grant, make_site
    from xianfeng.orgs.enums import RoleKind
    from xianfeng.remote.demo import _household
    from xianfeng.remote.models import HouseholdJoinRequest, HouseholdMember

    home = make_site(county.branch_a1, code="DJ01", name="东街社区远程教育站点")
    admin = UserFactory(username="site_admin", name="东街站点管理员")
    grant(admin, county.branch_a1, RoleKind.SITE_ADMIN)
    names = ["张建国", "李桂兰", "张小军", "赵大山", "王秀英"]
    members = [MemberFactory(org=county.branch_a1, user=UserFactory(name=n)) for n in names]
    _household(home, admin, members, [LessonFactory(public=True, org=county.county)])
    rows = HouseholdJoinRequest.objects.select_related("site", "member__user").order_by("pk")
    assert [(r.member.user.name, r.state, r.reason) for r in rows] == [
        ("张小军", "approved", ""),
        ("赵大山", "declined", "经核实不住在这一户，请申请自己家的入户终端"),
        ("王秀英", "pending", ""),
    ]
    assert {r.site.name for r in rows} == {"张家入户终端"}
    family = HouseholdMember.objects.order_by("pk").values_list("member__user__name", flat=True)
    assert list(family) == ["张建国", "李桂兰", "张小军"]
