"""党员活跃率 (people.active): members who used 先锋 in a month — on the web or through the
mobile client — over the members on the roll, per branch and rolled up the tree."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common.indicators import Month
from xianfeng.people.models import ApiToken, MonthlyUse
from xianfeng.people.services import api_token_issue
from xianfeng.people.services.accounts import api_token_user
from xianfeng.people.services.use import use_note

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
MAY = Month(2026, 5)


def at(day: int, month: int = 5, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=BEIJING)


def test_active_share_by_hand_and_rolled_up(county):
    """A1: 张东街 (web), m2 (app and web: once), m3 (April only), a closed account (used,
    not counted); A2: 李西街 (May 31st, 23:30 Beijing time); B1: nobody. A resident's use
    counts nowhere."""
    m2 = MemberFactory(org=county.branch_a1, user=UserFactory(username="m2")).user
    m3 = MemberFactory(org=county.branch_a1, user=UserFactory(username="m3")).user
    closed = MemberFactory(
        org=county.branch_a1, user=UserFactory(username="closed", is_active=False)
    ).user
    use_note(user_id=county.member_a1.user_id, via="web", now=at(3))
    use_note(user_id=m2.pk, via="app", now=at(4))
    use_note(user_id=m2.pk, via="web", now=at(5))
    use_note(user_id=m2.pk, via="web", now=at(6))  # the month's second: nothing new
    use_note(user_id=m3.pk, via="web", now=at(30, month=4, hour=23))
    use_note(user_id=closed.pk, via="web", now=at(7))
    use_note(user_id=county.member_a2.user_id, via="app", now=at(31, hour=23))
    use_note(user_id=county.resident.pk, via="web", now=at(8))
    assert MonthlyUse.objects.filter(user=m2, month=MAY.first).count() == 2
    facts_compute(month=MAY, codes=["people.active"])
    got = {
        f.org.code: (f.numerator, f.denominator, f.value)
        for f in Fact.objects.filter(indicator="people.active", month=MAY.first).select_related(
            "org"
        )
    }
    assert got == {
        "A1": (2.0, 3.0, 66.7),  # 张东街, m2 of 张东街, m2, m3
        "A2": (1.0, 1.0, 100.0),
        "B1": (0.0, 1.0, 0.0),
        "TA": (3.0, 4.0, 75.0),  # the sum of its branches, not an average of rates
        "TB": (0.0, 1.0, 0.0),
        "C": (3.0, 5.0, 60.0),
    }
    facts_compute(month=MAY, codes=["people.active"])  # again: the same rows
    assert Fact.objects.filter(indicator="people.active", month=MAY.first).count() == 6


def test_a_web_session_notes_the_month_once(client, county):
    client.force_login(county.member_a1.user)  # signing in notes it
    month = timezone.localdate().replace(day=1)
    assert list(MonthlyUse.objects.values_list("user_id", "month", "via")) == [
        (county.member_a1.user_id, month, "web")
    ]
    MonthlyUse.objects.all().delete()
    assert client.get("/me/").status_code == 200  # the session remembers the month
    assert not MonthlyUse.objects.exists()
    # A session from an earlier month: its first request this month notes it, once.
    session = client.session
    session["xf_used_month"] = "2020-01"
    session.save()
    client.get("/me/")
    client.get("/me/")
    assert MonthlyUse.objects.filter(user=county.member_a1.user, month=month).count() == 1


def test_the_mobile_client_notes_the_month(county):
    token, key = api_token_issue(user=county.member_b1.user, label="手机")  # signing in
    assert api_token_user(key) == county.member_b1.user
    assert list(MonthlyUse.objects.values_list("user_id", "via")) == [
        (county.member_b1.user_id, "app")
    ]
    # A token last used in an earlier month: its first use this month notes it, once.
    MonthlyUse.objects.all().delete()
    old = timezone.now() - datetime.timedelta(days=62)
    ApiToken.objects.filter(pk=token.pk).update(created_at=old, last_used_at=old)
    assert api_token_user(key) == county.member_b1.user
    assert api_token_user(key) == county.member_b1.user
    assert MonthlyUse.objects.filter(user=county.member_b1.user).count() == 1


def test_active_records_list_the_branch_only(client, county):
    use_note(user_id=county.member_a1.user_id, via="app", now=at(3))
    use_note(user_id=county.member_b1.user_id, via="web", now=at(3))
    client.force_login(county.secretary_a1)
    html = client.get(f"/members/records/A1/{MAY}/active/").content.decode()
    assert "张东街" in html and "手机客户端" in html and "05-03" in html
    assert "王柳湾" not in html
    assert client.get(f"/members/records/B1/{MAY}/active/").status_code == 404


def test_the_demo_seeds_three_months_of_use(county):
    from xianfeng.people.demo import use as use_demo

    report = use_demo.seed()
    this = Month.of(timezone.localdate())
    months = {this.first, this.previous().first, this.previous().previous().first}
    rows = list(MonthlyUse.objects.values_list("user_id", "month", "first_at"))
    assert report == f"党员活跃：近 3 个月 {len(rows)} 条使用记录"
    members = {county.member_a1.user_id, county.member_a2.user_id, county.member_b1.user_id}
    assert {u for u, _, _ in rows} <= members and {m for _, m, _ in rows} <= months
    assert len({(u, m) for u, m, _ in rows}) == len(rows)  # once a person a month
    assert all(timezone.localdate(at).replace(day=1) == m for _, m, at in rows)
