"""The indicator pages: who sees which org's figures, drill-down, bad input, queries."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import LessonFactory, OrgFactory, WatchProgressFactory
from xianfeng.assessment.services import facts_compute
from xianfeng.common.indicators import Month

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(county):
    """This month: 张东街 (A1) and 王柳湾 (B1) each finished a lesson."""
    lesson = LessonFactory(published=True)
    for member in (county.member_a1, county.member_b1):
        WatchProgressFactory(user=member.user, lesson=lesson, completed_at=timezone.now())
    facts_compute(month=Month.of(timezone.localdate()))
    return county


def page(client, user, code, query=""):
    client.force_login(user)
    return client.get(f"/indicators/org/{code}/{query}")


def test_a_town_admin_sees_the_town_and_ranks_its_branches(client, computed):
    response = page(client, computed.town_a_admin, "TA", "?i=lessons.participation")
    assert response.status_code == 200
    html = response.content.decode()
    assert "城关镇党委" in html and "参学率" in html
    # 1 of the town's 2 members: 50%; 东街 100% ranked above 西街 0%.
    assert '<span class="value">50%</span>' in html
    assert html.index("东街社区党支部") < html.index("西街社区党支部")
    assert "柳湾村党支部" not in html  # another town's branch
    assert "上级" not in html  # the top of this person's reach


def test_a_secretary_reads_only_their_branch(client, computed):
    assert page(client, computed.secretary_a1, "A1").status_code == 200
    for code in ("B1", "TA", "C"):
        assert page(client, computed.secretary_a1, code).status_code == 404
    assert page(client, computed.secretary_b1, "A1").status_code == 404


@pytest.mark.parametrize("who", ["member_a1", "judge", "resident"])
def test_people_without_a_record_role_see_no_figures(client, computed, who):
    user = getattr(computed, who)
    user = getattr(user, "user", user)
    client.force_login(user)
    assert client.get("/indicators/").status_code == 403
    assert client.get("/indicators/org/A1/").status_code == 404
    assert "/indicators/" not in client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_login(client, computed):
    response = client.get("/indicators/org/TA/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_index_opens_the_top_of_the_persons_reach(client, computed):
    client.force_login(computed.county_admin)
    response = client.get("/indicators/")
    assert (response.status_code, response["Location"]) == (302, "/indicators/org/C/")
    response = client.get("/indicators/?month=2026-05&i=lessons.published")
    assert response["Location"] == "/indicators/org/C/?month=2026-05&i=lessons.published"
    html = client.get("/indicators/org/A1/").content.decode()
    assert "↑ 上级：城关镇党委" in html


def test_a_bad_month_is_a_chinese_400(client, computed):
    response = page(client, computed.county_admin, "C", "?month=2026-13")
    assert response.status_code == 400
    assert "月份应写作 YYYY-MM" in response.content.decode()


def test_a_month_without_figures_says_so(client, computed):
    html = page(client, computed.county_admin, "C", "?month=2021-01").content.decode()
    assert "本月指标尚未计算" in html and "—" in html


@pytest.mark.parametrize("children", [1, 3])
def test_org_page_queries_do_not_grow_with_children(
    client, county, django_assert_num_queries, children
):
    root = OrgFactory(code="Q", name="查询县委", kind="committee", parent=None)
    for n in range(children):
        OrgFactory(code=f"Q{n}", name=f"支部{n}", parent=root)
    facts_compute(month=Month.of(timezone.localdate()))
    client.force_login(county.county_admin)  # reaches C only: grant Q too
    from tests.factories import grant

    grant(county.county_admin, root, "admin")
    client.get("/indicators/org/Q/")  # warm the session
    # session, user, roles (once for the page and the nav), the org, its facts this month
    # and last, the children, their facts, the unread badge
    with django_assert_num_queries(7):  # roles from the identity memo
        assert client.get("/indicators/org/Q/").status_code == 200
