"""remote's indicators (开机率, 组织收看次数, 运行小时, 站点达标率) through the assessment
fact table: exact figures at each site's org and rolled up as sums."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import LessonFactory, make_site
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common import indicators
from xianfeng.common.indicators import Month
from xianfeng.remote import services

CST = ZoneInfo("Asia/Shanghai")
OCT = Month(2026, 10)
CODES = ["remote.boot_rate", "remote.viewings", "remote.hours", "remote.sites_met"]


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 10, day, hour, minute, tzinfo=CST)


def beats(device, days, *, per_day: int, hour: int = 19) -> None:
    for day in days:
        for n in range(per_day):
            when = at(day, hour + n // 12, n % 12 * 5)
            services.heartbeat_record(device=device, at=when, now=when)


def held(actor, site, day: int) -> None:
    viewing = services.viewing_start(
        actor=actor,
        site=site,
        title="集中收看",
        lessons=[LessonFactory(published=True)],
        starts_at=at(day, 20),
    )
    services.viewing_end(actor=actor, viewing=viewing)


@pytest.fixture
def october(county):
    """S1 (A1): 29 of 31 days on, 4 slots a day, two viewings held and one cancelled.
    S2 (A2): in service from the 16th, on every day, 2 slots a day, no viewing.
    S3 (B1): 停用 1st–10th (a beat on the 5th does not count), then on every day for an
    hour, two viewings; town B's targets ask for 2 viewings and 20 hours.
    S4 (B1): starts in November, owes nothing in October."""
    s1 = make_site(county.branch_a1, code="S1", service_start=datetime.date(2026, 9, 1))
    s2 = make_site(county.branch_a2, code="S2", service_start=datetime.date(2026, 10, 16))
    s3 = make_site(county.branch_b1, code="S3", service_start=datetime.date(2026, 9, 1))
    make_site(county.branch_b1, code="S4", service_start=datetime.date(2026, 11, 1))
    services.site_suspend(
        actor=None,
        site=s3,
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 10, 10),
        reason="设备维修",
    )
    d1, _ = services.device_token_issue(actor=None, site=s1)
    d2, _ = services.device_token_issue(actor=None, site=s2)
    d3, _ = services.device_token_issue(actor=None, site=s3)
    beats(d1, range(1, 30), per_day=4)
    beats(d2, range(16, 32), per_day=2)
    beats(d3, [5, *range(11, 32)], per_day=12)
    held(county.town_a_admin, s1, 3)
    held(county.town_a_admin, s1, 17)
    cancelled = services.viewing_start(
        actor=county.town_a_admin,
        site=s1,
        title="取消的收看",
        lessons=[LessonFactory(published=True)],
        starts_at=at(20, 20),
    )
    services.viewing_cancel(actor=county.town_a_admin, viewing=cancelled)
    held(county.county_admin, s3, 12)
    held(county.county_admin, s3, 26)
    # A viewing in November is not October's.
    november = services.viewing_start(
        actor=county.county_admin,
        site=s3,
        title="十一月收看",
        lessons=[LessonFactory(published=True)],
        starts_at=datetime.datetime(2026, 11, 1, 0, 0, tzinfo=CST),
    )
    services.viewing_end(actor=county.county_admin, viewing=november)
    services.target_set(
        actor=None, org=county.town_b, min_viewings=2, min_hours=20, boot_rate_pct=95
    )
    return county


def figures(code: str) -> dict[str, tuple[float, float, float | None]]:
    return {
        f.org.code: (f.numerator, f.denominator, f.value)
        for f in Fact.objects.filter(indicator=code, month=OCT.first).select_related("org")
    }


def test_remote_indicators_are_registered_in_their_group():
    found = {
        i.code: (i.name, i.group, i.ratio) for i in indicators.registered() if i.app == "remote"
    }
    assert found == {
        "remote.boot_rate": ("开机率", "远程教育", True),
        "remote.viewings": ("组织收看次数", "远程教育", False),
        "remote.hours": ("运行小时", "远程教育", False),
        "remote.sites_met": ("站点达标率", "远程教育", True),
        "remote.silent_sites": ("长期未开机站点", "远程教育", False),
    }


def test_boot_rate_is_boot_days_over_days_in_service_summed_up_the_tree(october):
    facts_compute(month=OCT, codes=CODES)
    assert figures("remote.boot_rate") == {
        "A1": (29, 31, 93.5),
        "A2": (16, 16, 100.0),
        "B1": (21, 21, 100.0),
        "TA": (45, 47, 95.7),
        "TB": (21, 21, 100.0),
        "C": (66, 68, 97.1),
    }


def test_viewings_count_held_viewings_of_the_month(october):
    facts_compute(month=OCT, codes=["remote.viewings"])
    got = {code: num for code, (num, _, _) in figures("remote.viewings").items()}
    assert got == {"A1": 2, "A2": 0, "B1": 2, "TA": 2, "TB": 2, "C": 4}


def test_hours_are_distinct_slots_times_five_minutes(october):
    facts_compute(month=OCT, codes=["remote.hours"])
    got = {code: round(num, 4) for code, (num, _, _) in figures("remote.hours").items()}
    # S1 29 × 4 slots, S2 16 × 2, S3 21 × 12 (the suspended 5th left out).
    assert got == {
        "A1": round(116 / 12, 4),
        "A2": round(32 / 12, 4),
        "B1": 21.0,
        "TA": round(148 / 12, 4),
        "TB": 21.0,
        "C": round(400 / 12, 4),
    }


def test_share_of_sites_meeting_every_target(october):
    facts_compute(month=OCT, codes=["remote.sites_met"])
    # Only S3 meets 开机率, hours and viewings; S4 is not in service and not counted.
    assert figures("remote.sites_met") == {
        "A1": (0, 1, 0.0),
        "A2": (0, 1, 0.0),
        "B1": (1, 1, 100.0),
        "TA": (0, 2, 0.0),
        "TB": (1, 1, 100.0),
        "C": (1, 3, 33.3),
    }
    # A town that lowers its targets changes its sites' verdicts.
    services.target_set(
        actor=None, org=october.town_a, min_viewings=0, min_hours=2, boot_rate_pct=90
    )
    facts_compute(month=OCT, codes=["remote.sites_met"])
    assert figures("remote.sites_met")["C"] == (3, 3, 100.0)
