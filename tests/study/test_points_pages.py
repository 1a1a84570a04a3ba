"""Rankings, branch averages and the rules page: who sees what (with data that could leak)
and how many queries, at 1 and 3 items."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory
from xianfeng.study.enums import EntryKind
from xianfeng.study.models import PointsEntry, PointsRuleSetting
from xianfeng.study.selectors.points import period_start
from xianfeng.study.services.points import _add_to_totals

pytestmark = pytest.mark.django_db


def give(member, points, *, rule="lesson.completed", source=None):
    """Points as the ledger writes them (row + period totals)."""
    day = timezone.localdate()
    PointsEntry.objects.create(
        user=member.user,
        org=member.org,
        rule=rule,
        kind=EntryKind.EARN,
        points=points,
        day=day,
        source_type="lessons.lesson",
        source_id=str(source or PointsEntry.objects.count() + 1),
    )
    _add_to_totals(member.user_id, member.org_id, day, points)


def test_rank_in_branch_town_and_county(client, county):
    give(county.member_a1, 10)
    give(county.member_a2, 30)  # same town, other branch
    give(county.member_b1, 50)  # other town
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:points")).content.decode()
    assert "本支部（东街社区党支部）：第 1 名，10 分，共 1 人有积分" in html
    assert "本镇街（城关镇党委）：第 2 名，10 分，共 2 人有积分" in html
    assert "全县（青山县委）：第 3 名，10 分，共 3 人有积分" in html


def test_branch_ranking_shows_only_my_branch(client, county):
    give(county.member_a1, 10)
    mate = MemberFactory(org=county.branch_a1, user__name="赵同支")
    give(mate, 20)
    give(county.member_a2, 30)
    give(county.member_b1, 50)
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:ranking"), {"scope": "branch"}).content.decode()
    assert html.count('class="rank-row') == 2
    assert "赵同支" in html and "张东街" in html
    assert "李西街" not in html and "王柳湾" not in html
    assert "我：第 2 名，10 分（共 2 人有积分）" in html
    town = client.get(reverse("study:ranking"), {"scope": "town"}).content.decode()
    assert "李西街" in town and "王柳湾" not in town
    county_html = client.get(reverse("study:ranking"), {"scope": "county"}).content.decode()
    assert "王柳湾" in county_html


def test_ranking_for_last_week_ignores_it_this_week(client, county):
    give(county.member_a1, 10)
    from xianfeng.study.models import PointsTotal

    PointsTotal.objects.filter(period="week").update(
        start=period_start("week", timezone.localdate()) - timezone.timedelta(days=7)
    )
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:ranking"), {"scope": "branch", "period": "week"}).content
    assert html.decode().count('class="rank-row') == 0
    year = client.get(reverse("study:ranking"), {"period": "year"}).content.decode()
    assert year.count('class="rank-row') == 1


def test_a_person_without_membership_sees_no_ranking(client, county):
    give(county.member_b1, 50)
    client.force_login(county.resident)
    html = client.get(reverse("study:ranking")).content.decode()
    assert "积分排行只在党员之间进行" in html and "王柳湾" not in html


@pytest.mark.parametrize("path", ["study:points", "study:ranking", "study:branch_averages"])
def test_anonymous_is_sent_to_login(client, county, path):
    response = client.get(reverse(path))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_my_ledger_shows_only_my_rows(client, county):
    give(county.member_a1, 10)
    give(county.member_b1, 50)
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:points")).content.decode()
    assert html.count('class="ledger-line"') == 1 and "+10" in html and "+50" not in html


def test_branch_averages_in_the_officers_reach_only(client, county):
    give(county.member_a1, 10)
    MemberFactory(org=county.branch_a1)  # a second member: average 5
    give(county.member_b1, 50)
    client.force_login(county.secretary_b1)
    # another branch's secretary asking for town A: 404, nothing shown
    assert client.get(reverse("study:branch_averages"), {"org": "TA"}).status_code == 404
    html = client.get(reverse("study:branch_averages")).content.decode()
    assert html.count('class="branch-row"') == 1 and "柳湾村党支部" in html
    client.force_login(county.member_a1.user)
    assert client.get(reverse("study:branch_averages")).status_code == 403
    client.force_login(county.town_a_admin)
    html = client.get(reverse("study:branch_averages"), {"period": "month"}).content.decode()
    assert "<td>东街社区党支部</td><td>2</td><td>10</td><td>5.0</td>" in html
    assert "柳湾村党支部" not in html


def test_rules_page_for_admins_of_the_org_only(client, county):
    client.force_login(county.member_a1.user)
    assert client.get(reverse("study:points_rules")).status_code == 403
    client.force_login(county.town_a_admin)
    assert client.get(reverse("study:points_rules"), {"org": "C"}).status_code == 404
    response = client.post(
        reverse("study:points_rules") + "?org=C",
        {"rule": "lesson.completed", "points": "50", "daily_cap": "0", "enabled": "on"},
    )
    assert response.status_code == 404
    assert PointsRuleSetting.objects.count() == 0
    client.force_login(county.county_admin)
    response = client.post(
        reverse("study:points_rules") + "?org=C",
        {"rule": "lesson.completed", "points": "3", "daily_cap": "12", "enabled": "on"},
    )
    assert response.status_code == 302
    setting = PointsRuleSetting.objects.get()
    assert (setting.org_id, setting.points, setting.daily_cap, setting.enabled) == (
        county.county.pk,
        3,
        12,
        True,
    )
    html = client.get(reverse("study:points_rules")).content.decode()
    assert 'name="points" min="0" max="100" value="3"' in html
    response = client.post(
        reverse("study:points_rules"),
        {"rule": "lesson.completed", "points": "三", "daily_cap": "12"},
        follow=True,
    )
    assert "请填写整数" in response.content.decode()
    assert PointsRuleSetting.objects.get().points == 3


# --- query counts --------------------------------------------------------------------------


def _members(county, n):
    out = [county.member_a1]
    out += [MemberFactory(org=county.branch_a1) for _ in range(n - 1)]
    for i, m in enumerate(out):
        give(m, 10 + i)
    return out


@pytest.mark.parametrize("n", [1, 3])
def test_points_page_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        give(county.member_a1, 5, source=100 + i)
    client.force_login(county.member_a1.user)
    # session, user, member (+org), rule settings, day cap, ledger sum, period totals,
    # today by rule, ancestors, three ranks, ledger count and page, the unread badge
    with django_assert_num_queries(16):
        html = client.get(reverse("study:points")).content.decode()
    assert html.count('class="ledger-line"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_ranking_query_count(client, county, django_assert_num_queries, n):
    _members(county, n)
    client.force_login(county.member_a1.user)
    # session, user, member, ancestors, ranking (the top, then their rows with names and
    # orgs), rank, the unread badge
    with django_assert_num_queries(9):
        html = client.get(reverse("study:ranking"), {"scope": "county"}).content.decode()
    assert html.count('class="rank-row') == n


@pytest.mark.parametrize("n", [1, 3])
def test_branch_averages_query_count(client, county, django_assert_num_queries, n):
    from tests.factories import OrgFactory

    for i in range(n - 1):
        MemberFactory(org=OrgFactory(code=f"A9{i}", name=f"新支部{i}", parent=county.town_a))
    client.force_login(county.town_a_admin)
    # session, user, roles, members in the period (now, and closed stretches), sums, orgs,
    # the unread badge
    with django_assert_num_queries(8):
        html = client.get(reverse("study:branch_averages")).content.decode()
    assert html.count('class="branch-row"') == n + 1  # A1 and A2 have members already


def test_the_api_shows_my_points_ledger_and_ranking_only(client, county):
    give(county.member_a1, 10)
    give(county.member_b1, 50)
    client.force_login(county.member_a1.user)
    mine = client.get("/api/v1/study/points").json()
    assert (mine["total"], mine["week"], mine["today"]) == (10, 10, 10)
    ledger = client.get("/api/v1/study/points/ledger").json()
    assert ledger["count"] == 1 and ledger["results"][0]["points"] == 10
    assert ledger["results"][0]["label"] == "学习微党课"
    ranking = client.get("/api/v1/study/points/ranking", {"scope": "town"}).json()
    assert (ranking["my_rank"], ranking["people"]) == (1, 1)
    assert [r["name"] for r in ranking["rows"]] == ["张东街"]
    county_rank = client.get("/api/v1/study/points/ranking", {"scope": "county"}).json()
    assert [r["name"] for r in county_rank["rows"]] == ["王柳湾", "张东街"]
    assert client.get("/api/v1/study/points/ranking", {"scope": "province"}).status_code == 422
    client.force_login(county.resident)
    assert client.get("/api/v1/study/points/ranking").status_code == 404
    assert client.get("/api/v1/study/points/ledger").json()["count"] == 0
    client.logout()
    assert client.get("/api/v1/study/points").status_code == 401
