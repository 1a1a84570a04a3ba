"""长期未开机站点 (remote.silent_sites), the dashboards' "sites silent" red flag: a site in
service on some day of the month with no 开机 on any of them, counted at the site's org,
rolled up as a sum, listed with the last day each was on, flagged on the dashboard."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import make_site
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common import indicators
from xianfeng.common.indicators import Month
from xianfeng.remote import services
from xianfeng.remote.record_lists import silent

pytestmark = pytest.mark.django_db

CST = ZoneInfo("Asia/Shanghai")
OCT = Month(2026, 10)
CODE = "remote.silent_sites"


def beat(site, day: datetime.date) -> None:
    device, _ = services.device_token_issue(actor=None, site=site)
    when = datetime.datetime.combine(day, datetime.time(20), tzinfo=CST)
    services.heartbeat_record(device=device, at=when, now=when)


def suspend(site, first: datetime.date, last: datetime.date) -> None:
    services.site_suspend(actor=None, site=site, starts_on=first, ends_on=last, reason="设备维修")


@pytest.fixture
def october(county):
    """Town A — 东街 (A1): SA on in September only (silent all October); SB on once, on
    the 15th. 西街 (A2): SC suspended all October (owes nothing); SD in service from
    November (not counted). Town B — 柳湾 (B1): SE never on; SF suspended 1st–10th and on
    only on the 5th, inside the suspension (silent: that day was not owed)."""
    sept = datetime.date(2026, 9, 1)
    sa = make_site(county.branch_a1, code="SA", name="东街一号站点", service_start=sept)
    sb = make_site(county.branch_a1, code="SB", name="东街二号站点", service_start=sept)
    sc = make_site(county.branch_a2, code="SC", name="西街停用站点", service_start=sept)
    make_site(
        county.branch_a2,
        code="SD",
        name="西街新站点",
        service_start=datetime.date(2026, 11, 1),
    )
    make_site(county.branch_b1, code="SE", name="柳湾一号站点", service_start=sept)
    sf = make_site(county.branch_b1, code="SF", name="柳湾二号站点", service_start=sept)
    beat(sa, datetime.date(2026, 9, 28))
    beat(sb, datetime.date(2026, 10, 15))
    suspend(sc, datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
    suspend(sf, datetime.date(2026, 10, 1), datetime.date(2026, 10, 10))
    beat(sf, datetime.date(2026, 10, 5))
    beat(sa, datetime.date(2026, 11, 2))  # November's: not October's
    return county


def figures() -> dict[str, float]:
    return {
        f.org.code: f.value
        for f in Fact.objects.filter(indicator=CODE, month=OCT.first).select_related("org")
    }


def test_silent_sites_is_registered_lower_is_better_with_a_records_page():
    found = indicators.get(CODE)
    assert (found.name, found.unit, found.group, found.ratio) == (
        "长期未开机站点",
        "个",
        "远程教育",
        False,
    )
    assert (found.higher_is_better, found.target) == (False, 0)
    assert found.records is not None


def test_a_site_is_silent_when_on_no_day_it_owed_and_counts_sum_up_the_tree(october):
    facts_compute(month=OCT, codes=[CODE])
    # A1: SA silent, SB on once. A2: SC suspended all month, SD not yet in service: no site
    # owed a day, so no reading. B1: SE never on, SF on only on a suspended day.
    assert figures() == {"A1": 1, "B1": 2, "TA": 1, "TB": 2, "C": 3}


def test_a_site_on_in_the_month_is_no_longer_silent(october):
    beat(october.branch_b1.sites.get(code="SE"), datetime.date(2026, 10, 31))
    facts_compute(month=OCT, codes=[CODE])
    assert figures() == {"A1": 1, "B1": 1, "TA": 1, "TB": 1, "C": 2}


def rows(org) -> list[list[str]]:
    return [[c.text for c in row] for row in silent(org, OCT).cells]


def test_the_records_list_the_subtree_s_silent_sites_with_their_last_day_on(october):
    assert rows(october.county) == [
        ["东街一号站点", "东街社区党支部", "31", "2026-09-28"],
        ["柳湾一号站点", "柳湾村党支部", "31", "从未开机"],
        ["柳湾二号站点", "柳湾村党支部", "21", "2026-10-05"],
    ]
    assert rows(october.town_a) == [["东街一号站点", "东街社区党支部", "31", "2026-09-28"]]
    assert rows(october.branch_a2) == []


def test_the_records_page_shows_a_town_only_its_own_sites(client, october):
    url = indicators.get(CODE).records(october.town_a, OCT)
    assert url == "/remote/records/TA/2026-10/silent/"
    client.force_login(october.town_a_admin)
    html = client.get(url).content.decode()
    assert "东街一号站点" in html and "2026-09-28" in html and "共 1 条" in html
    assert "柳湾" not in html and "东街二号站点" not in html and "西街" not in html
    assert client.get("/remote/records/TB/2026-10/silent/").status_code == 404
    client.force_login(october.secretary_b1)
    assert client.get("/remote/records/A1/2026-10/silent/").status_code == 404
    html = client.get("/remote/records/B1/2026-10/silent/").content.decode()
    assert "柳湾一号站点" in html and "东街" not in html and "共 2 条" in html


def test_the_records_page_takes_the_same_queries_for_one_and_three_sites(
    client, county, django_assert_max_num_queries
):
    sept = datetime.date(2026, 9, 1)
    make_site(county.branch_a1, code="Q1", name="静默站点1", service_start=sept)
    client.force_login(county.town_a_admin)
    url = "/remote/records/TA/2026-10/silent/"
    client.get(url)  # warm the session
    with django_assert_max_num_queries(20) as one:
        assert "共 1 条" in client.get(url).content.decode()
    q2 = make_site(county.branch_a1, code="Q2", name="静默站点2", service_start=sept)
    make_site(county.branch_a2, code="Q3", name="静默站点3", service_start=sept)
    beat(q2, datetime.date(2026, 9, 30))
    with django_assert_max_num_queries(len(one.captured_queries)) as three:
        assert "共 3 条" in client.get(url).content.decode()
    assert len(three.captured_queries) == len(one.captured_queries)


def test_the_dashboard_flags_the_branches_with_silent_sites(client, october):
    facts_compute(month=OCT, codes=[CODE])

    def flags(user, code):
        client.force_login(user)
        html = client.get(f"/dashboards/org/{code}/?month=2026-10").content.decode()
        return html[html.index('id="db-flags"') : html.index('id="db-ranking"')]

    county_flags = flags(october.county_admin, "C")
    assert "2 个支部长期未开机站点未达标" in county_flags
    shown = county_flags[county_flags.index("长期未开机站点未达标") :]
    # Worst first: 柳湾 with two silent sites, then 东街 with one; 西街 owes nothing.
    assert shown.index("柳湾村党支部") < shown.index("东街社区党支部")
    assert "西街社区党支部" not in shown.split("</details>")[0]
    town_flags = flags(october.town_a_admin, "TA")
    assert "1 个支部长期未开机站点未达标" in town_flags and "柳湾" not in town_flags
    # From the flag down to the list: the branch's board links its silent sites.
    client.force_login(october.secretary_a1)
    html = client.get("/dashboards/org/A1/?month=2026-10").content.decode()
    assert "/remote/records/A1/2026-10/silent/" in html
