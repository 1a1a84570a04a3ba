"""The county → town roll-up summed in SQL (bulletin.month_rollup) equals the per-site
bulletin (month_bulletin) group by group: 停用 periods (inside the month and across its
start), sites starting mid-month or after it, a site at the county itself, targets set
down the tree, held and cancelled viewings, silent sites, a month not begun."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import LessonFactory, make_site
from xianfeng.remote import services
from xianfeng.remote.bulletin import month_bulletin, month_rates, month_rollup

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=CST)


def at(day: int, hour: int, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=CST)


def beats(site, days, slots_a_day, *, month=11):
    device, _ = services.device_token_issue(actor=None, site=site)
    for day in days:
        for n in range(slots_a_day):
            when = at(day, 19, month) + datetime.timedelta(minutes=5 * n)
            services.heartbeat_record(device=device, at=when, now=when)


@pytest.fixture
def region(county):
    d = datetime.date
    s1 = make_site(county.branch_a1, code="S1", service_start=d(2026, 10, 1))
    s2 = make_site(county.branch_a2, code="S2", service_start=d(2026, 11, 16))
    s3 = make_site(county.branch_b1, code="S3", service_start=d(2026, 10, 1))
    s4 = make_site(county.county, code="S4", service_start=d(2026, 11, 3))  # at the county
    make_site(county.branch_b1, code="S5", service_start=d(2026, 12, 5))  # after the month
    make_site(county.branch_a1, code="S6", service_start=d(2026, 11, 1))  # never beats
    beats(s1, [*range(1, 5), *range(7, 28)], 48)  # 4 h a day but the 5th and 6th
    beats(s1, [30, 31], 2, month=10)  # October: not this month
    beats(s2, range(10, 28), 3)  # before its start too, and inside its 停用
    services.site_suspend(
        actor=None, site=s2, starts_on=d(2026, 11, 20), ends_on=d(2026, 11, 22), reason="维修"
    )
    beats(s3, range(1, 28), 30)
    services.site_suspend(  # across the month's start
        actor=None, site=s3, starts_on=d(2026, 10, 28), ends_on=d(2026, 11, 2), reason="搬迁"
    )
    services.site_suspend(
        actor=None, site=s3, starts_on=d(2026, 11, 26), ends_on=d(2026, 12, 3), reason="维修"
    )
    beats(s4, range(1, 28), 1)
    # Town A asks less; village A1 asks more again (the nearest target counts).
    services.target_set(
        actor=None, org=county.town_a, min_viewings=0, min_hours=1, boot_rate_pct=60
    )
    services.target_set(
        actor=None, org=county.branch_a1, min_viewings=1, min_hours=10, boot_rate_pct=85
    )
    lesson = LessonFactory(published=True)
    for site, day in ((s1, 3), (s1, 20), (s3, 8)):
        admin = county.county_admin
        viewing = services.viewing_start(
            actor=admin, site=site, title="集中收看", lessons=[lesson], starts_at=at(day, 20)
        )
        services.viewing_end(actor=admin, viewing=viewing)
    cancelled = services.viewing_start(
        actor=county.town_a_admin, site=s1, title="取消", lessons=[lesson], starts_at=at(21, 20)
    )
    services.viewing_cancel(actor=county.town_a_admin, viewing=cancelled)
    return county


def figures(group):
    return (
        group.org.path,
        group.site_count,
        group.boot_days,
        group.service_days,
        group.slots,
        group.viewings,
        group.met_count,
        group.silent_count,
        group.rate,
        group.hours,
    )


@pytest.mark.parametrize(
    ("code", "year", "month", "now"),
    [
        ("C", 2026, 11, NOW),
        ("C", 2026, 11, datetime.datetime(2026, 12, 10, 9, 0, tzinfo=CST)),  # the month done
        ("TA", 2026, 11, NOW),
        ("A1", 2026, 11, NOW),
        ("C", 2026, 10, NOW),
        ("C", 2026, 12, NOW),  # not begun
    ],
)
def test_the_rollup_equals_the_per_site_bulletin(region, code, year, month, now):
    from xianfeng.orgs.models import Org

    org = Org.objects.get(code=code)
    bulletin = month_bulletin(org, year, month, now=now)
    rollup = month_rollup(org, year, month, now=now)
    assert [figures(g) for g in rollup.groups] == [figures(g) for g in bulletin.groups]
    assert figures(rollup.total) == figures(bulletin.total)
    rates = month_rates(org, year, month, now=now)
    assert rates == {g.org.path: g.rate for g in bulletin.groups} | {org.path: bulletin.total.rate}


def test_the_rollup_counts_what_was_worked_out_by_hand(region):
    """Town A on 28 Nov: S1 25 of 28 days (4 h a day), S6 0 of 28; S2 9 of 10 days in
    service (16–28 less 20–22; it beat 10–27, counted from the 16th outside the 停用)."""
    rollup = month_rollup(region.town_a, 2026, 11, now=NOW)
    a1, a2 = rollup.groups
    assert (a1.org.code, a1.boot_days, a1.service_days, a1.slots) == ("A1", 25, 56, 25 * 48)
    assert (a2.org.code, a2.boot_days, a2.service_days, a2.slots) == ("A2", 9, 10, 27)
    # A1's target (1 viewing, 10 h, 85 %): S1 has 2 viewings, 100 h and 89.3 %; S6 none
    # (and is silent). A2 (town A's: 60 %, 1 h, 0 viewings): S2 90 %, 2.3 h.
    assert (a1.met_count, a1.silent_count) == (1, 1)
    assert (a2.met_count, a2.silent_count) == (1, 0)
