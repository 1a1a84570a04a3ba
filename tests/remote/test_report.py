"""A site's monthly report card: figures against targets, attendance, mean feedback and the
rank in its town and county, worked out by hand; scoping and query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.factories import LessonFactory, MemberFactory, UserFactory, grant, make_site
from xianfeng.orgs.enums import RoleKind
from xianfeng.remote import services
from xianfeng.remote.report import report_card

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 15, 12, 0, tzinfo=CST)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 10, day, hour, minute, tzinfo=CST)


def beats(site, days, slots: int) -> None:
    device, _ = services.device_token_issue(actor=None, site=site)
    for day in days:
        for n in range(slots):
            when = at(day, 19, n * 5)
            services.heartbeat_record(device=device, at=when, now=when)


@pytest.fixture
def october(county):
    """S1 (A1) on every day for 10 minutes; S2 (A2) on 20 of 31 days; S3 (B1) on every day
    for 5 minutes. S1 held two viewings (and cancelled one)."""
    s1 = make_site(county.branch_a1, code="S1", name="东街站点")
    s2 = make_site(county.branch_a2, code="S2", name="西街站点")
    s3 = make_site(county.branch_b1, code="S3", name="柳湾站点")
    beats(s1, range(1, 32), 2)
    beats(s2, range(1, 21), 1)
    beats(s3, range(1, 32), 1)
    admin = county.town_a_admin
    lesson = LessonFactory(published=True)
    other_member = MemberFactory(org=county.branch_a1).user

    def viewing(day: int):
        return services.viewing_start(
            actor=admin, site=s1, title="集中收看", lessons=[lesson], starts_at=at(day, 20)
        )

    v1 = viewing(3)
    services.viewing_proxy_sign(actor=admin, viewing=v1, member=county.member_a1)
    services.viewing_checkin(
        user=county.resident, token=services.viewing_code(v1, now=at(3, 20)), now=at(3, 20)
    )
    services.viewing_record(actor=admin, viewing=v1, residents=4)
    services.feedback_give(user=county.member_a1.user, viewing=v1, rating=5)
    services.feedback_give(user=county.resident, viewing=v1, rating=4)
    services.viewing_end(actor=admin, viewing=v1)
    v2 = viewing(20)
    services.viewing_proxy_sign(actor=admin, viewing=v2, member=county.member_a1)
    services.viewing_proxy_sign(actor=admin, viewing=v2, member=other_member.member)
    services.feedback_give(user=other_member, viewing=v2, rating=3, proxy_by=admin)
    services.viewing_end(actor=admin, viewing=v2)
    cancelled = viewing(25)
    services.viewing_proxy_sign(actor=admin, viewing=cancelled, member=county.member_a1)
    services.viewing_cancel(actor=admin, viewing=cancelled)
    return s1, s2, s3


def test_report_card_figures_and_ranks(county, october):
    s1, s2, s3 = october
    card = report_card(s1, 2026, 10, now=NOW)
    f = card.figures
    assert (f.viewings, f.boot_days, f.service_days, f.slots) == (2, 31, 31, 62)
    assert (f.rate, f.hours) == (Decimal("100.0"), Decimal("5.2"))
    assert (card.viewings_met, card.hours_met, card.rate_met) == (True, False, True)
    # Members: 张东街 twice and one more; residents: the one who scanned and 4 by hand.
    assert (card.members, card.residents) == (3, 5)
    assert (card.feedback_count, card.mean_rating) == (3, Decimal("4.0"))
    assert [(r.org.code, r.place, r.of) for r in card.ranks] == [("TA", 1, 2), ("C", 1, 3)]
    low = report_card(s2, 2026, 10, now=NOW)
    assert low.figures.rate == Decimal("64.5")
    assert (low.members, low.residents, low.mean_rating) == (0, 0, None)
    assert [(r.org.code, r.place, r.of) for r in low.ranks] == [("TA", 2, 2), ("C", 3, 3)]
    # S3 has S1's 开机率 but fewer hours: second in the county, first in its town.
    assert [(r.org.code, r.place, r.of) for r in report_card(s3, 2026, 10, now=NOW).ranks] == [
        ("TB", 1, 1),
        ("C", 2, 3),
    ]


def test_report_card_page(client, county, october):
    client.force_login(county.town_a_admin)
    html = client.get("/remote/sites/S1/report/?month=2026-10").content.decode()
    assert "2026年10月成绩单" in html
    assert '<dd id="members">3</dd>' in html and '<dd id="residents">5</dd>' in html
    assert '<span id="mean-rating">4.0</span>' in html
    assert "第 1 / 2" in html and "第 1 / 3" in html
    assert "100.0%" in html


def test_report_card_scoping(client, county, october):
    admin_b = UserFactory(username="site_admin_b")
    grant(admin_b, county.branch_b1, RoleKind.SITE_ADMIN)
    for user in (admin_b, county.secretary_b1, county.resident, county.member_a1.user):
        client.force_login(user)
        assert client.get("/remote/sites/S1/report/?month=2026-10").status_code == 404
    client.force_login(county.secretary_a1)  # the branch's officers see their own site
    assert client.get("/remote/sites/S1/report/?month=2026-10").status_code == 200
    client.logout()
    assert client.get("/remote/sites/S1/report/").status_code == 302


@pytest.mark.parametrize("n", [1, 3])
def test_report_card_query_count(client, county, django_assert_num_queries, n):
    site = make_site(county.branch_a1, code="S0")
    for i in range(1, n):
        make_site(county.branch_a2, code=f"S{i}")
    client.force_login(county.county_admin)
    # session, user, roles, site (visible), the org line, the county's bulletin (sites,
    # orgs, suspensions, day rows, viewings, targets, group orgs), attendance, residents,
    # feedback, the unread badge: the same for one site or three
    with django_assert_num_queries(16):
        response = client.get(f"/remote/sites/{site.code}/report/?month=2026-10")
    assert response.status_code == 200
