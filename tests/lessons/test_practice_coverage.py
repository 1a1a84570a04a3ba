"""每人讲一课 coverage: counted from the record of lectures, per subtree and year, with
drill-down, export, scoping and a fixed number of queries."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import MemberFactory, grant
from xianfeng.lessons.practice.coverage import coverage_of
from xianfeng.lessons.practice.enums import LectureKind
from xianfeng.lessons.practice.services import lecture_record
from xianfeng.orgs.enums import RoleKind

pytestmark = pytest.mark.django_db

D = datetime.date
_source = iter(range(1000, 100000))


def spoke(member, kind=LectureKind.LESSON, on=D(2026, 4, 1), title="一节课"):
    return lecture_record(
        member_id=member.pk,
        kind=kind,
        source_id=next(_source),
        title=title,
        given_on=on,
        org_id=member.org_id,
    )


@pytest.fixture
def world(county):
    """A1: member_a1 + 2 more (one spoke twice by lesson, one at a 党课); A2: member_a2
    silent; B1: member_b1 gave a tour lecture; a lecture of last year that must not count."""
    a1_two = MemberFactory(org=county.branch_a1, user__name="钱二")
    a1_three = MemberFactory(org=county.branch_a1, user__name="孙三")
    spoke(county.member_a1)
    spoke(county.member_a1, on=D(2026, 6, 1))
    spoke(a1_two, kind=LectureKind.MEETING)
    spoke(a1_three, on=D(2025, 12, 31))  # last year
    spoke(county.member_b1, kind=LectureKind.TOUR, on=D(2026, 1, 1))
    return county


def test_county_totals_and_children(world):
    data = coverage_of(world.county, 2026)
    t = data.total
    assert (t.members, t.spoken, t.with_lesson, t.lessons) == (5, 3, 1, 2)
    assert t.by_kind == {"lesson": 2, "meeting": 1, "tour": 1}
    assert (t.spoken_share, t.lesson_share, t.lessons_per_member) == (60, 20, "0.40")
    rows = {r.org.code: (r.members, r.spoken) for r in data.children}
    assert rows == {"TA": (4, 2), "TB": (1, 1)}
    assert [o.code for o in data.silent_branches] == ["A2"]


def test_secretaries_without_a_lecture_of_their_own(world):
    data = coverage_of(world.county, 2026)
    assert sorted(r.user.username for r in data.silent_secretaries) == [
        "secretary_a1",
        "secretary_b1",
    ]
    sec = MemberFactory(org=world.branch_a1, user=world.secretary_a1)
    spoke(sec, kind=LectureKind.MEETING)
    data = coverage_of(world.county, 2026)
    assert [r.user.username for r in data.silent_secretaries] == ["secretary_b1"]


def test_a_year_counts_only_its_own_lectures(world):
    data = coverage_of(world.county, 2025)
    assert (data.total.spoken, data.total.lessons) == (1, 1)


def test_shares_round_down(county):
    for _ in range(2):
        MemberFactory(org=county.branch_a2)
    spoke(county.member_a2)
    data = coverage_of(county.branch_a2, 2026)
    assert (data.total.members, data.total.spoken, data.total.spoken_share) == (3, 1, 33)


def test_branch_page_lists_each_member(client, world):
    client.force_login(world.secretary_a1)
    html = client.get(reverse("lessons:coverage"), {"org": "A1", "year": 2026}).content.decode()
    assert html.count('class="coverage-person"') == 3
    assert "未讲过" in html and "钱二" in html


def test_export_has_the_figures(client, world):
    client.force_login(world.county_admin)
    response = client.get(reverse("lessons:coverage"), {"org": "C", "year": 2026, "format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    rows = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][0] == "2026年 青山县委 每人讲一课情况"
    assert ("城关镇党委", 4, 2, "50%", 1, 2, 1, 0, "0.50") in rows
    assert ("合计", 5, 3, "60%", 1, 2, 1, 1, "0.40") in rows
    silent = [tuple(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert ("无课支部", "西街社区党支部", None) in silent or (
        "无课支部",
        "西街社区党支部",
        "",
    ) in silent


@pytest.mark.parametrize("who", ["member_a1", "secretary_b1", "judge"])
def test_coverage_of_a_branch_is_a_404_for_others(client, world, who):
    user = getattr(world, who)
    client.force_login(getattr(user, "user", user))
    assert client.get(reverse("lessons:coverage"), {"org": "A1"}).status_code == 404
    response = client.get(reverse("lessons:coverage"), {"org": "A1", "format": "xlsx"})
    assert response.status_code == 404


def test_coverage_defaults_to_the_officers_own_org(client, world):
    client.force_login(world.secretary_b1)
    html = client.get(reverse("lessons:coverage"), {"year": 2026}).content.decode()
    assert "柳湾村党支部" in html and "钱二" not in html


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("lessons:coverage"))
    assert response.status_code == 302 and "/login" in response.url


def test_a_bad_year_is_a_chinese_400(client, world):
    client.force_login(world.county_admin)
    assert client.get(reverse("lessons:coverage"), {"year": "二〇二六"}).status_code == 400


@pytest.mark.parametrize("n", [1, 3])
def test_county_page_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        m = MemberFactory(org=county.branch_a1)
        spoke(m)
        grant(MemberFactory(org=county.branch_b1).user, county.branch_b1, RoleKind.SECRETARY)
    client.force_login(county.county_admin)
    # session, user, member, roles, org tree, members, lectures, secretaries, unread badge
    with django_assert_num_queries(9):
        html = client.get(reverse("lessons:coverage"), {"org": "C", "year": 2026}).content.decode()
    assert html.count('class="coverage-row"') == 2


@pytest.mark.parametrize("n", [1, 3])
def test_branch_page_query_count(client, county, django_assert_num_queries, n):
    for _ in range(n):
        spoke(MemberFactory(org=county.branch_a1))
    client.force_login(county.secretary_a1)
    # … plus the org by code and the branch's members with their lectures
    with django_assert_num_queries(11):
        html = client.get(reverse("lessons:coverage"), {"org": "A1", "year": 2026}).content.decode()
    assert html.count('class="coverage-person"') == n + 1
