"""微心愿大数据 and the export: counted per category, village and month, durations by hand;
the export never carries the wisher's name, phone or address; scoped like the roster."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.community.conftest import open_wish, png, post
from xianfeng.community import services
from xianfeng.community.analysis import wish_analysis
from xianfeng.community.models import Wish

pytestmark = pytest.mark.django_db

PHONE = "13712345678"


def fulfilled(county, resident, title, claimer, *, published, claimed, confirmed, **kw):
    wish = open_wish(county, resident, title=title, **kw)
    Wish.objects.filter(pk=wish.pk).update(published_at=published)
    services.wish_claim(actor=claimer, wish=wish, now=claimed)
    services.wish_fulfil(actor=claimer, wish=wish, note="已经送到家里", photos=[png()], now=claimed)
    return services.wish_confirm(actor=resident, wish=wish, now=confirmed)


def world(county, resident):
    day = timezone.now() - datetime.timedelta(days=20)
    fulfilled(
        county, resident, "给孙子买一个新书包", county.member_a2.user,
        published=day, claimed=day + datetime.timedelta(days=2),
        confirmed=day + datetime.timedelta(days=6),
    )  # fmt: skip
    fulfilled(
        county, resident, "修一下漏水的屋顶", county.member_b1.user, category="repair",
        published=day, claimed=day + datetime.timedelta(days=4),
        confirmed=day + datetime.timedelta(days=6),
        contact_address="东街 8 号 3 单元",
    )  # fmt: skip
    open_wish(county, resident, title="想要一套课外读物")
    open_wish(county, county.member_b1.user, org=county.branch_b1, title="柳湾村的一个心愿")
    post(resident, county.branch_a1, title="还在审核中的心愿")


def test_analysis_counts_by_hand(county, resident_a1):
    world(county, resident_a1)
    a = wish_analysis(county.town_a)
    assert (a.total, a.fulfilled, a.share) == (3, 2, 66)
    assert [(r.label, r.total, r.fulfilled) for r in a.by_category] == [
        ("助学", 2, 1),
        ("维修", 1, 1),
    ]
    assert [(r.label, r.total, r.fulfilled) for r in a.by_village] == [("东街社区党支部", 3, 2)]
    this_month = f"{timezone.localtime():%Y-%m}"
    # Counted by the month the wish was posted (all of them today).
    assert [(r.label, r.total, r.fulfilled) for r in a.by_month] == [(this_month, 3, 2)]
    # Claimed after 2 and 4 days; fulfilled 4 and 2 days after the claim.
    assert (a.days_to_claim, a.days_to_fulfil) == (3.0, 3.0)
    county_wide = wish_analysis(county.county)
    assert (county_wide.total, county_wide.fulfilled) == (4, 2)


def test_export_has_no_contact_and_the_summary(client, county, resident_a1):
    world(county, resident_a1)
    client.force_login(county.town_a_admin)
    response = client.get(reverse("community:export"), {"org": "TA"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["微心愿"].iter_rows(values_only=True))
    assert rows[1][:7] == ("编号", "村社区", "类别", "心愿", "估计价值（元）", "公开称呼", "状态")
    titles = sorted(row[3] for row in rows[2:])
    assert titles == ["修一下漏水的屋顶", "想要一套课外读物", "给孙子买一个新书包"]
    text = repr(rows) + repr(list(book["统计"].iter_rows(values_only=True)))
    assert PHONE not in text and "孙桂芳" not in text and "东街 8 号" not in text
    assert ("合计", "城关镇党委", 3, 2, 66) in list(book["统计"].iter_rows(values_only=True))


def test_export_and_analysis_are_scoped(client, county, resident_a1):
    world(county, resident_a1)
    client.force_login(county.secretary_b1)
    assert client.get(reverse("community:export"), {"org": "TA"}).status_code == 404
    assert client.get(reverse("community:analysis"), {"org": "A1"}).status_code == 404
    html = client.get(reverse("community:analysis")).content.decode()
    assert "柳湾村党支部 · 微心愿统计" in html
    assert "东街社区党支部" not in html
    client.force_login(county.member_a1.user)
    assert client.get(reverse("community:export")).status_code == 403
    client.logout()
    assert client.get(reverse("community:export")).status_code == 302


@pytest.mark.parametrize("n", [1, 3])
def test_analysis_page_query_count(client, county, resident_a1, django_assert_num_queries, n):
    for i in range(n):
        open_wish(
            county, resident_a1, title=f"第{i}个小小的心愿", category=["study", "repair", "jobs"][i]
        )
    client.force_login(county.town_a_admin)
    # session, user, roles, the org, by category, by village, by month, durations, badge
    with django_assert_num_queries(QUERIES):
        html = client.get(reverse("community:analysis"), {"org": "TA"}).content.decode()
    assert html.count("<tr><td>") == n + 2  # n categories, one village, one month


QUERIES = 9
