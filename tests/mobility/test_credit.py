"""流动党员 credited to the home branch: the meetings and study a member away takes part in at
the place they work (recorded there, or by the home branch from their report; or a meeting
of another branch in the system they signed in to) count in the home branch's 组织生活参加率
and 参学率, once per member, and never at the org there."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import LessonFactory, MeetingFactory, MemberFactory, UserFactory
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common import indicators
from xianfeng.common.indicators import Month
from xianfeng.lessons.models import WatchProgress
from xianfeng.mobility import services
from xianfeng.mobility.enums import ActivityKind

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
M = Month.of(TODAY).previous()  # a month over, with every day of it past
DAY = D(M.year, M.month, 10)
LEFT = M.previous().previous().first


def away(county, member, *, host=None, card, actor=None):
    return services.mobile_register(
        actor=actor or county.secretary_a1,
        member=member,
        away=services.Away(
            place="广东省深圳市宝安区", phone="13800001111", left_on=LEFT, workplace="电子厂",
            host_org=host, host_name="" if host else "福永街道流动党员党支部", card_number=card,
        ),
    )  # fmt: skip


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 4, tzinfo=datetime.UTC)


@pytest.fixture
def abroad(county):
    """A1 has three members: 张东街, away and looked after by 柳湾 (B1), who records a meeting
    and a study of theirs, where they also signed in to a 主题党日 in the system and watched
    a lesson at home; 外出乙, away outside the system, whose meeting and study the home
    branch records from their report; 留守丙, who did nothing. B1's own 王柳湾 attended."""
    host = away(county, county.member_a1, host=county.branch_b1, card="LD001")
    for kind, title in ((ActivityKind.MEETING, "主题党日"), (ActivityKind.STUDY, "专题学习")):
        services.mobile_activity_add(
            actor=county.secretary_b1, record=host, on=DAY, kind=kind, title=title
        )
    services.mobile_activity_add(  # the month before: not this month's
        actor=county.secretary_b1, record=host, on=M.previous().first, kind=ActivityKind.MEETING,
        title="支部党员大会",
    )  # fmt: skip
    MeetingFactory(
        org=county.branch_b1, kind="theme_day", starts_at=noon(DAY), held=True,
        attendees={county.member_a1.user: "present", county.member_b1.user: "late"},
    )  # fmt: skip
    WatchProgress.objects.create(
        user=county.member_a1.user, lesson=LessonFactory(published=True), sections=[[0, 300]],
        covered=300, position=300, reports=1, completed_at=noon(DAY),
        last_report_at=noon(DAY),
    )  # fmt: skip
    second = MemberFactory(org=county.branch_a1, user=UserFactory(name="外出乙"))
    outside = away(county, second, card="LD002")
    for kind in (ActivityKind.MEETING, ActivityKind.STUDY):
        services.mobile_activity_add(
            actor=county.secretary_a1, record=outside, on=DAY, kind=kind, title="本人电话报告"
        )
    MemberFactory(org=county.branch_a1, user=UserFactory(name="留守丙"))
    return county


def readings(code: str) -> dict[int, tuple[float, float]]:
    return {r.org_id: (r.numerator, r.denominator) for r in indicators.get(code).compute(M)}


def test_meetings_away_count_at_the_home_branch_once(abroad):
    a1, a2, b1 = abroad.branch_a1.pk, abroad.branch_a2.pk, abroad.branch_b1.pk
    # 张东街: the host's record and the meeting signed in to are one member; 外出乙 by report.
    assert readings("meetings.attendance") == {a1: (2, 3), a2: (0, 1), b1: (1, 1)}


def test_study_away_counts_in_participation_once(abroad):
    a1, a2, b1 = abroad.branch_a1.pk, abroad.branch_a2.pk, abroad.branch_b1.pk
    # 张东街 studied there and watched at home: once; 外出乙's study by report.
    assert readings("lessons.participation") == {a1: (2, 3), a2: (0, 1), b1: (0, 1)}


def test_rolled_up_the_member_counts_once_in_the_county(abroad):
    facts_compute(month=M, codes=["meetings.attendance", "lessons.participation"])
    got = {
        (f.indicator, f.org.code): (f.numerator, f.denominator)
        for f in Fact.objects.filter(month=M.first, org__code__in=["TA", "TB", "C"])
    }
    assert got == {
        ("meetings.attendance", "TA"): (2, 4),
        ("meetings.attendance", "TB"): (1, 1),
        ("meetings.attendance", "C"): (3, 5),
        ("lessons.participation", "TA"): (2, 4),
        ("lessons.participation", "TB"): (0, 1),
        ("lessons.participation", "C"): (2, 5),
    }


def test_without_records_away_nothing_is_credited(county):
    away(county, county.member_a1, host=county.branch_b1, card="LD001")
    assert readings("meetings.attendance")[county.branch_a1.pk] == (0, 1)
    assert readings("lessons.participation")[county.branch_a1.pk] == (0, 1)


def test_credit_kinds_are_checked():
    with pytest.raises(ValueError):
        indicators.register_credit(
            indicators.Credit(kind="service", app="mobility", members=lambda month: [])
        )
