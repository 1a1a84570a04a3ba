"""Every indicator's figure leads to the records behind it: a page of the app that counted
them, for the org and the month, open to the org's officers and to no one else."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import LessonFactory, MemberFactory, UserFactory, WatchProgressFactory
from xianfeng.common import indicators
from xianfeng.common.indicators import Month

pytestmark = pytest.mark.django_db
MONTH = Month(timezone.localdate().year - 1, 3)


def test_every_indicator_has_a_records_page_for_officers_only(client, county):
    assert indicators.registered()
    for org, officer in (
        (county.branch_a1, county.secretary_a1),
        (county.town_a, county.town_a_admin),
        (county.county, county.county_admin),
    ):
        for indicator in indicators.registered():
            assert indicator.records is not None, indicator.code
            url = indicator.records(org, MONTH)
            assert url, (indicator.code, org.code)
            client.force_login(officer)
            assert client.get(url).status_code == 200, (indicator.code, org.code, url)
            client.force_login(county.secretary_b1)  # another branch's secretary
            assert client.get(url).status_code in (403, 404), (indicator.code, org.code, url)
    client.logout()
    url = indicators.get("lessons.participation").records(county.branch_a1, MONTH)
    assert client.get(url).status_code == 302  # to the login page


def test_a_records_page_refuses_a_bad_month_or_kind(client, county):
    client.force_login(county.secretary_a1)
    assert client.get("/lessons/records/A1/2026-13/participation/").status_code == 404
    assert client.get("/lessons/records/A1/2026-03/nothing/").status_code == 404
    assert client.get("/lessons/records/B1/2026-03/participation/").status_code == 404


def watched(member, day):
    zone = timezone.get_default_timezone()
    WatchProgressFactory(
        user=member.user,
        lesson=LessonFactory(published=True),
        completed_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=zone),
    )


def test_participation_records_list_the_branch_s_members_and_nobody_else(client, county):
    watched(county.member_a1, MONTH.first)
    watched(county.member_b1, MONTH.first)  # 柳湾's: not on 东街's page
    watched(county.member_a2, MONTH.previous().first)  # another month
    client.force_login(county.secretary_a1)
    url = indicators.get("lessons.participation").records(county.branch_a1, MONTH)
    assert url == f"/lessons/records/A1/{MONTH}/participation/"
    html = client.get(url).content.decode()
    assert "张东街" in html and "看完微党课" in html and "共 1 条" in html
    assert "王柳湾" not in html and "李西街" not in html
    client.force_login(county.town_a_admin)
    html = client.get(f"/lessons/records/TA/{MONTH}/participation/").content.decode()
    assert "张东街" in html and "李西街" in html and "未参学" in html and "共 2 条" in html
    assert "王柳湾" not in html


@pytest.mark.parametrize("code", ["lessons.participation", "study.reading", "study.points_average"])
def test_member_records_pages_take_the_same_queries_for_one_and_three_members(
    client, county, django_assert_max_num_queries, code
):
    client.force_login(county.secretary_a1)
    url = indicators.get(code).records(county.branch_a1, MONTH)
    client.get(url)  # warm the session and the member memo
    with django_assert_max_num_queries(14) as one:
        assert client.get(url).status_code == 200
    for n in range(2):
        MemberFactory(org=county.branch_a1, user=UserFactory(name=f"党员{n}"))
    with django_assert_max_num_queries(len(one.captured_queries)) as three:
        html = client.get(url).content.decode()
    assert "共 3 条" in html or code == "study.points_average"
    assert len(three.captured_queries) == len(one.captured_queries)
