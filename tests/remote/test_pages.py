"""The site admin's pages and the bulletin: who sees what, and query counts."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import OrgFactory, UserFactory, grant, make_site
from xianfeng.orgs.enums import RoleKind
from xianfeng.remote import services
from xianfeng.remote.models import DeviceToken

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")

# session, user, roles, count, page of sites, the person's member record (the 党费 nav entry;
# kept between requests under the access version), the unread badge
SITE_LIST_QUERIES = 7
# session, user, roles, org; 3 for the month (targets, the roll-up, its towns), 3 for the
# month before; the badge
BULLETIN_QUERIES = 11


def test_the_site_list_shows_only_the_admin_s_own_sites(client, county, sites2):
    client.force_login(sites2.admin_a)
    html = client.get("/remote/").content.decode()
    assert "东街社区远程教育站点" in html
    assert "柳湾村远程教育站点" not in html
    assert "从未上线" in html


def test_online_and_last_seen(client, county, sites2):
    device, _ = services.device_token_issue(actor=None, site=sites2.a)
    services.heartbeat_record(device=device)
    client.force_login(sites2.admin_a)
    assert "在线" in client.get("/remote/").content.decode()
    sites2.a.__class__.objects.filter(pk=sites2.a.pk).update(
        last_beat_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    assert "离线，最近心跳 30" in client.get("/remote/").content.decode()


@pytest.mark.parametrize("who", ["member", "secretary_b1", "judge"])
def test_people_without_a_site_role_get_no_site_list(client, county, sites2, who):
    user = {
        "member": county.member_a1.user,
        "secretary_b1": county.secretary_b1,
        "judge": county.judge,
    }[who]
    client.force_login(user)
    response = client.get("/remote/")
    if who == "secretary_b1":  # a branch officer sees the site of the branch, not others
        html = response.content.decode()
        assert "柳湾村远程教育站点" in html and "东街社区远程教育站点" not in html
    else:
        assert response.status_code == 403


def test_site_detail_is_404_outside_the_reach(client, county, sites2):
    assert client.get("/remote/sites/LW01/").status_code == 302  # anonymous: log in
    client.force_login(sites2.admin_a)
    assert client.get("/remote/sites/LW01/").status_code == 404
    assert client.get("/remote/sites/DJ01/").status_code == 200
    client.force_login(county.member_b1.user)
    assert client.get("/remote/sites/LW01/").status_code == 404
    client.force_login(county.town_a_admin)
    assert client.get("/remote/sites/DJ01/").status_code == 200
    assert client.get("/remote/sites/LW01/").status_code == 404


def test_devices_of_another_village_are_neither_listed_nor_revocable(client, county, sites2):
    device_b, _ = services.device_token_issue(actor=None, site=sites2.b, label="柳湾电视")
    device_a, _ = services.device_token_issue(actor=None, site=sites2.a, label="东街电视")
    client.force_login(sites2.admin_a)
    html = client.get("/remote/sites/DJ01/").content.decode()
    assert "东街电视" in html and "柳湾电视" not in html
    response = client.post(f"/remote/devices/{device_b.pk}/revoke/")
    assert response.status_code == 404
    assert DeviceToken.objects.get(pk=device_b.pk).revoked_at is None
    # A branch secretary sees the devices but may not revoke them.
    client.force_login(county.secretary_b1)
    assert client.post(f"/remote/devices/{device_b.pk}/revoke/").status_code == 404
    assert DeviceToken.objects.get(pk=device_b.pk).revoked_at is None
    client.force_login(sites2.admin_a)
    done = client.post(f"/remote/devices/{device_a.pk}/revoke/")
    assert done.status_code == 302
    assert DeviceToken.objects.get(pk=device_a.pk).revoked_at is not None


@pytest.mark.parametrize("n", [1, 3])
def test_site_list_query_count(client, county, django_assert_num_queries, n):
    admin = UserFactory(username="town_site_admin")
    grant(admin, county.town_a, RoleKind.SITE_ADMIN)
    for i in range(n):
        make_site(county.branch_a1, code=f"S{i}")
    client.force_login(admin)
    with django_assert_num_queries(SITE_LIST_QUERIES):
        html = client.get("/remote/").content.decode()
    assert html.count('class="site-name"') == n


def _beats(site, days):
    device, _ = services.device_token_issue(actor=None, site=site)
    for day in days:
        when = datetime.datetime(2026, 11, day, 19, 0, tzinfo=CST)
        services.heartbeat_record(device=device, at=when, now=when)


def test_bulletin_page_drills_down_from_county_to_sites(client, county):
    make_site(county.branch_a1, code="S1", name="东街站点")
    s2 = make_site(county.branch_b1, code="S2", name="柳湾站点")
    _beats(s2, range(1, 31))
    client.force_login(county.county_admin)
    html = client.get("/remote/bulletin/", {"org": "C", "month": "2026-11"}).content.decode()
    assert "青山县委 2026年11月开机通报" in html
    # Ranked by 开机率: town B (100 %) above town A (0 %).
    assert html.index("河口镇党委") < html.index("城关镇党委")
    town = client.get("/remote/bulletin/", {"org": "TA", "month": "2026-11"}).content.decode()
    assert "东街社区党支部" in town and "返回青山县委" in town
    village = client.get("/remote/bulletin/", {"org": "A1", "month": "2026-11"}).content.decode()
    assert "东街站点" in village and "3 天以上未开机" in village
    csv = client.get("/remote/bulletin/", {"org": "C", "month": "2026-11", "format": "csv"})
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("站点编码,站点名称")


def test_bulletin_scoping(client, county, sites2):
    client.force_login(county.town_a_admin)
    assert client.get("/remote/bulletin/", {"org": "TB"}).status_code == 404
    assert client.get("/remote/bulletin/", {"org": "C"}).status_code == 404
    html = client.get("/remote/bulletin/").content.decode()
    assert "城关镇党委" in html and "返回" not in html
    client.force_login(sites2.admin_a)  # a site admin runs sites, not the region's bulletin
    assert client.get("/remote/bulletin/").status_code == 403
    client.force_login(county.secretary_a1)
    assert client.get("/remote/bulletin/", {"org": "A1"}).status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_bulletin_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        town = OrgFactory(code=f"TX{i}", name=f"新镇{i}", parent=county.county, kind="committee")
        village = OrgFactory(code=f"VX{i}", name=f"新村{i}", parent=town)
        site = make_site(village, code=f"SX{i}")
        _beats(site, [1, 2])
        services.site_suspend(
            actor=None,
            site=site,
            starts_on=datetime.date(2026, 11, 2),
            ends_on=datetime.date(2026, 11, 3),
            reason="维修",
        )
    client.force_login(county.county_admin)
    with django_assert_num_queries(BULLETIN_QUERIES):
        html = client.get("/remote/bulletin/", {"org": "C", "month": "2026-11"}).content.decode()
    assert html.count("?org=TX") == n


def test_bulletin_pdf_has_the_towns_and_sites_with_the_month_on_month_change(client, county):
    """The 开机通报 PDF: the total and each town and site with its change since October."""
    import io
    import re

    from pypdf import PdfReader

    s1 = make_site(county.branch_a1, code="S1", name="东街站点")
    s2 = make_site(county.branch_b1, code="S2", name="柳湾站点")
    for site in (s1, s2):
        site.service_start = datetime.date(2026, 10, 1)
        site.save(update_fields=["service_start"])
    device, _ = services.device_token_issue(actor=None, site=s2)
    for month, days in ((10, range(1, 16)), (11, range(1, 31))):  # 15/31 days, then 30/30
        for day in days:
            when = datetime.datetime(2026, month, day, 19, 0, tzinfo=CST)
            services.heartbeat_record(device=device, at=when, now=when)
    client.force_login(county.county_admin)
    response = client.get("/remote/bulletin/", {"org": "C", "month": "2026-11", "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = re.sub(r"\s", "", text)
    assert "青山县委2026年11月远程教育站点开机通报" in text
    # Total: 30 of 60 site-days (50.0 %), October 15 of 62 (24.2 %): +25.8 points.
    assert "总开机率为50.0%（上月24.2%，环比+25.8个百分点）" in text
    # Town B (柳湾) 100.0 % after 48.4 %: +51.6; town A 0.0 % both months: 0.0.
    assert "1河口镇党委130/30100.0%+51.6" in text
    assert "2城关镇党委10/300.0%0.0" in text
    assert "柳湾村党支部30/30100.0%+51.6" in text  # S2
    assert "S1东街站点（3天以上未开机）东街社区党支部0/300.0%0.0" in text
    assert text.index("河口镇党委") < text.index("城关镇党委")  # ranked by 开机率
    # Outside the reach: the same 404 as the page.
    client.force_login(county.town_a_admin)
    assert client.get("/remote/bulletin/", {"org": "TB", "format": "pdf"}).status_code == 404
