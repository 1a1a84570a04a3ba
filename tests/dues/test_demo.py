"""The demo 党费 and 流动党员: seeded on a demo county, visible to the secretary persona."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from xianfeng.dues import demo as dues_demo
from xianfeng.dues.models import DuesAssessment, DuesPayment, DuesRule
from xianfeng.dues.selectors import branch_ledger
from xianfeng.mobility import demo as mobility_demo
from xianfeng.mobility.models import MobileActivity, MobileRecord
from xianfeng.mobility.selectors import home_list
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.people.models import Member, User

pytestmark = pytest.mark.django_db


def test_demo_dues_and_mobile_members_seed_on_the_demo_county():
    from django.utils import timezone

    call_command("seed_demo", "--members", "1500", "--no-content", stdout=io.StringIO())
    line = dues_demo.seed()
    assert line.startswith("党费：1 个标准，") and DuesRule.objects.count() == 1
    secretary = User.objects.get(username="secretary")
    branch = Role.objects.get(user=secretary, kind=RoleKind.SECRETARY).org
    assessed = DuesAssessment.objects.filter(member__org=branch).count()
    assert assessed == min(12, Member.objects.filter(org=branch, left_on__isnull=True).count())
    assert f"{assessed} 人核定，{DuesPayment.objects.count()} 笔交纳" in line
    ledger = branch_ledger(branch, timezone.localdate().year)
    assert ledger.unassessed == len(ledger.rows) - assessed
    assert mobility_demo.seed() == "流动党员：2 人外出登记，1 条联系记录，1 条流入地活动"
    assert MobileRecord.objects.filter(home_org=branch).count() == 2
    assert MobileActivity.objects.count() == 1
    today = timezone.localdate()
    assert home_list(secretary, show="", today=today).count() == 2
    assert [r.member.user.name for r in home_list(secretary, show="uncontacted", today=today)] == [
        MobileRecord.objects.get(host_org__isnull=True).member.user.name
    ]
    assert Member.objects.filter(is_mobile=True, org=branch).count() >= 2
