"""The community's indicators against hand-counted fixtures, per org and rolled up."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.community.conftest import open_wish, png
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common import indicators
from xianfeng.common.indicators import Month
from xianfeng.community import services
from xianfeng.community.indicators import projects_done, service_hours, wishes_fulfilled
from xianfeng.community.services import activities, civic

pytestmark = pytest.mark.django_db

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
MAY = Month(2026, 5)


def at(day: int, month: int = 5, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=BEIJING)


def fulfilled(county, wisher, org, confirmed_on: datetime.datetime, title: str):
    wish = open_wish(county, wisher, org=org, title=title)
    claimer = county.member_b1.user
    services.wish_claim(actor=claimer, wish=wish, now=confirmed_on - datetime.timedelta(days=3))
    services.wish_fulfil(
        actor=claimer, wish=wish, note="已经送到家里了", photos=[png()],
        now=confirmed_on - datetime.timedelta(days=1),
    )  # fmt: skip
    services.wish_confirm(actor=wisher, wish=wish, now=confirmed_on)


def test_the_three_indicators_are_registered_under_one_group():
    codes = {i.code: i.group for i in indicators.registered() if i.app == "community"}
    assert codes == {
        "community.wishes_fulfilled": "五微社区",
        "community.service_hours": "五微社区",
        "community.projects_done": "五微社区",
    }


def test_wishes_fulfilled_count_in_the_month_of_confirmation(county, resident_a1):
    fulfilled(county, resident_a1, county.branch_a1, at(3), "五月初的心愿")
    fulfilled(county, resident_a1, county.branch_a1, at(31, 5, 23), "五月底的心愿")
    fulfilled(county, resident_a1, county.branch_a1, at(1, 6, 0), "六月一日凌晨的心愿")
    fulfilled(county, county.member_a2.user, county.branch_a2, at(10), "西街的心愿一个")
    readings = {(r.org_id, r.numerator) for r in wishes_fulfilled(MAY)}
    assert readings == {(county.branch_a1.pk, 2), (county.branch_a2.pk, 1)}
    facts_compute(month=MAY, codes=["community.wishes_fulfilled"])
    got = {
        f.org.code: f.value
        for f in Fact.objects.filter(indicator="community.wishes_fulfilled").select_related("org")
    }
    assert got == {"A1": 2, "A2": 1, "TA": 3, "C": 3}


def test_service_hours_come_home_to_the_members_branch(county):
    start = at(9, 5, 9)
    activity = activities.activity_create(
        actor=county.secretary_a1, org=county.branch_a1, kind="cleanup", title="东街环境整治",
        starts_at=start, ends_at=start + datetime.timedelta(hours=3), place="东街广场",
        capacity=9, now=start - datetime.timedelta(days=2),
    )  # fmt: skip
    june = activities.activity_create(
        actor=county.secretary_a1, org=county.branch_a1, kind="cleanup", title="六月的整治",
        starts_at=at(2, 6, 9), ends_at=at(2, 6, 11), place="东街广场", capacity=9,
        now=start - datetime.timedelta(days=2),
    )  # fmt: skip
    joined = start - datetime.timedelta(days=1)
    for person, hours in (
        (county.member_b1.user, "2.5"),  # 柳湾's member: hours go to B1
        (county.member_a1.user, "3"),
        (county.resident, "1.5"),  # a resident: at the org that ran it
    ):
        row = activities.signup_join(actor=person, activity=activity, now=joined)
        activities.hours_correct(
            actor=county.secretary_a1, signup=row, hours=Decimal(hours), reason="按签到记录"
        )
    row = activities.signup_join(actor=county.member_a1.user, activity=june, now=joined)
    activities.hours_correct(
        actor=county.secretary_a1, signup=row, hours=Decimal("2"), reason="按签到记录"
    )
    readings = {(r.org_id, r.numerator) for r in service_hours(MAY)}
    assert readings == {(county.branch_b1.pk, 2.5), (county.branch_a1.pk, 4.5)}


def test_projects_done_in_the_month(county, resident_a1):
    item = civic.round_open(
        actor=county.secretary_a1, org=county.branch_a1, title="东街民生实事投票",
        opens_at=at(1, 4), closes_at=at(10, 4),
    )  # fmt: skip
    lights = civic.project_propose(
        actor=county.secretary_a1, org=county.branch_a1, title="修好东街路灯",
        description="路灯坏了三个月，晚上出门不安全。", now=at(1, 4),
    )  # fmt: skip
    ramp = civic.project_propose(
        actor=county.secretary_a1, org=county.branch_a1, title="卫生院门口坡道",
        description="轮椅进不去卫生院，需要一个坡道。", now=at(1, 4),
    )  # fmt: skip
    civic.ballot_cast(actor=resident_a1, project=lights, now=at(5, 4))
    civic.ballot_cast(actor=resident_a1, project=ramp, now=at(5, 4))
    civic.round_count(item=item, now=at(11, 4))
    civic.project_progress(
        actor=county.secretary_a1, project=lights, note="路灯全部换新", state="done", now=at(20)
    )
    civic.project_progress(
        actor=county.secretary_a1, project=ramp, note="坡道已经浇筑", state="done", now=at(2, 6)
    )
    assert [(r.org_id, r.numerator) for r in projects_done(MAY)] == [(county.branch_a1.pk, 1)]
