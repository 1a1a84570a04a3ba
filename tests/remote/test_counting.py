"""开机天数, 运行小时 and 开机率 for a month of beats, worked out by hand (README,
"远程教育的计算口径")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.factories import make_site
from xianfeng.common.errors import Refused
from xianfeng.remote import services
from xianfeng.remote.bulletin import bulletin_rows, month_bulletin, month_rates
from xianfeng.remote.counting import slot_of
from xianfeng.remote.models import SiteDay
from xianfeng.remote.services import DeviceRefused, device_for_key

CST = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int, *, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=CST)


def beat(device, when: datetime.datetime, *, now: datetime.datetime | None = None):
    """A beat sent at `now` (by default, when it was made: the box was online)."""
    return services.heartbeat_record(device=device, at=when, now=now or when)


@pytest.fixture
def sites(county):
    s1 = make_site(county.branch_a1, code="S1", service_start=datetime.date(2026, 10, 1))
    s2 = make_site(county.branch_a2, code="S2", service_start=datetime.date(2026, 11, 16))
    s3 = make_site(county.branch_b1, code="S3", service_start=datetime.date(2026, 10, 1))
    return s1, s2, s3


def test_slots_are_local_five_minute_slots():
    assert slot_of(at(3, 0, 0)) == slot_of(
        datetime.datetime(2026, 11, 2, 16, 0, tzinfo=datetime.UTC)
    )
    late = slot_of(datetime.datetime(2026, 11, 3, 15, 59, 59, tzinfo=datetime.UTC))
    assert (late.day, late.index) == (datetime.date(2026, 11, 3), 287)
    first = slot_of(datetime.datetime(2026, 11, 3, 16, 0, 0, tzinfo=datetime.UTC))
    assert (first.day, first.index) == (datetime.date(2026, 11, 4), 0)
    s = slot_of(at(4, 19, 4))
    assert (s.index, s.word, s.bit) == (228, 3, 1 << 48)
    assert slot_of(at(4, 19, 5)).index == 229


def test_a_month_of_beats_counts_exactly(county, sites):
    s1, s2, s3 = sites
    d1, _ = services.device_token_issue(actor=None, site=s1)
    d2, _ = services.device_token_issue(actor=None, site=s2)
    d3, key3 = services.device_token_issue(actor=None, site=s3)
    old3, old_key3 = services.device_token_issue(actor=None, site=s3, label="旧盒子")

    # S1 (town A): 19:00–19:55 every day but the 5th and 6th: 12 slots a day.
    for day in range(1, 31):
        if day in (5, 6):
            continue
        # Out of order: the later slots first.
        for minute in reversed(range(0, 60, 5)):
            beat(d1, at(day, 19, minute))
        # Duplicates in a slot count once.
        beat(d1, at(day, 19, 2))
        beat(d1, at(day, 19, 0))
    # A queued beat of the 10th sent three days late: the slot was new (20:00).
    beat(d1, at(10, 20, 0), now=at(13, 9, 0))
    # … and one sent late into a slot that already had a beat.
    beat(d1, at(10, 19, 31), now=at(13, 9, 0))

    # S2 (town A): in service from the 16th, 停用 25th–27th, two slots a day.
    services.site_suspend(
        actor=county.town_a_admin,
        site=s2,
        starts_on=datetime.date(2026, 11, 25),
        ends_on=datetime.date(2026, 11, 27),
        reason="设备维修",
    )
    beat(d2, at(10, 9, 0))  # before its service start: not counted
    for day in range(16, 31):
        if day == 20:
            continue
        beat(d2, at(day, 8, 0))
        beat(d2, at(day, 8, 5))

    # S3 (town B): one slot a day, except the 15th, where only refused beats came.
    for day in range(1, 31):
        if day != 15:
            beat(d3, at(day, 20, 0))
    with pytest.raises(Refused, match="晚 5 分钟以上"):
        beat(
            d3,
            at(15, 10, 0),
            now=at(
                15,
                9,
                54,
            ),
        )
    with pytest.raises(Refused, match="7 天前"):
        beat(d3, at(15, 10, 0), now=at(22, 10, 1))
    services.device_token_revoke(actor=county.county_admin, device=old3)
    with pytest.raises(DeviceRefused, match="已撤销"):
        device_for_key(old_key3)
    assert device_for_key(key3) == d3
    assert not SiteDay.objects.filter(site=s3, day=datetime.date(2026, 11, 15)).exists()

    # Exactly at the limits: 5 minutes ahead and 7 days late are still accepted.
    beat(d3, at(15, 10, 0), now=at(15, 9, 55))
    assert SiteDay.objects.get(site=s3, day=datetime.date(2026, 11, 15)).slots == 1
    SiteDay.objects.filter(site=s3, day=datetime.date(2026, 11, 15)).delete()
    beat(d3, at(15, 10, 0), now=at(22, 10, 0))
    SiteDay.objects.filter(site=s3, day=datetime.date(2026, 11, 15)).delete()

    day10 = SiteDay.objects.get(site=s1, day=datetime.date(2026, 11, 10))
    assert (day10.slots, day10.beats) == (13, 16)

    bulletin = month_bulletin(county.county, 2026, 11, now=at(30, 23, 0, month=12))
    figures = {f.site.code: f for f in bulletin.sites}
    assert (figures["S1"].boot_days, figures["S1"].service_days, figures["S1"].slots) == (
        28,
        30,
        337,
    )
    assert figures["S1"].rate == Decimal("93.3")
    assert figures["S1"].hours == Decimal("28.1")
    assert (figures["S2"].boot_days, figures["S2"].service_days, figures["S2"].slots) == (
        11,
        12,
        22,
    )
    assert figures["S2"].rate == Decimal("91.7")
    assert figures["S2"].hours == Decimal("1.8")
    assert (figures["S3"].boot_days, figures["S3"].service_days, figures["S3"].slots) == (
        29,
        30,
        29,
    )
    assert figures["S3"].rate == Decimal("96.7")
    assert figures["S3"].hours == Decimal("2.4")
    town_a, town_b = bulletin.groups
    assert (town_a.org, town_b.org) == (county.town_a, county.town_b)
    assert (town_a.boot_days, town_a.service_days, town_a.rate) == (39, 42, Decimal("92.9"))
    assert (town_b.boot_days, town_b.service_days, town_b.rate) == (29, 30, Decimal("96.7"))
    total = bulletin.total
    assert (total.boot_days, total.service_days, total.rate) == (68, 72, Decimal("94.4"))
    assert total.hours == Decimal("32.3")
    # The month-on-month change reads the same rates without the per-site figures.
    now = at(30, 23, 0, month=12)
    assert month_rates(county.county, 2026, 11, now=now) == {
        county.town_a.path: Decimal("92.9"),
        county.town_b.path: Decimal("96.7"),
        county.county.path: Decimal("94.4"),
    }
    assert month_rates(county.town_a, 2026, 11, now=now) == {
        g.org.path: g.rate for g in month_bulletin(county.town_a, 2026, 11, now=now).groups
    } | {county.town_a.path: Decimal("92.9")}
    assert bulletin_rows(bulletin) == [
        ["S1", s1.name, "东街社区党支部", "28", "30", "93.3%", "28.1", "0", "否"],
        ["S2", s2.name, "西街社区党支部", "11", "12", "91.7%", "1.8", "0", "否"],
        ["S3", s3.name, "柳湾村党支部", "29", "30", "96.7%", "2.4", "0", "否"],
        ["", "小计", "城关镇党委", "39", "42", "92.9%", "29.9", "0", "0/2"],
        ["", "小计", "河口镇党委", "29", "30", "96.7%", "2.4", "0", "0/1"],
        ["", "合计", "青山县委", "68", "72", "94.4%", "32.3", "0", "0/3"],
    ]


def test_the_current_month_counts_up_to_today(county, sites):
    s1, _, _ = sites
    device, _ = services.device_token_issue(actor=None, site=s1)
    for day in (1, 2, 4):
        beat(device, at(day, 19, 0))
    bulletin = month_bulletin(county.town_a, 2026, 11, now=at(4, 21, 0))
    figures = {f.site.code: f for f in bulletin.sites}
    # Four days of November have begun; S2 starts on the 16th and owes nothing yet.
    assert (figures["S1"].boot_days, figures["S1"].service_days) == (3, 4)
    assert (figures["S2"].boot_days, figures["S2"].service_days, figures["S2"].rate) == (0, 0, None)
    assert [f.site.code for f in bulletin.sites] == ["S1", "S2"]  # town B is not in town A
    before = month_bulletin(county.town_a, 2026, 12, now=at(4, 21, 0))
    assert [f.service_days for f in before.sites] == [0, 0]
    rates = month_rates(county.town_a, 2026, 11, now=at(4, 21, 0))
    assert rates[county.town_a.path] == Decimal("75.0")
    assert month_rates(county.town_a, 2026, 12, now=at(4, 21, 0))[county.town_a.path] is None
