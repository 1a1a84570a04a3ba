"""Points over the registry's history: a member transferred within a period counts in each
branch's ranking only for what they earned while they belonged to it (issue 13: every
figure counts a member only for the dates they were a member of that branch)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory, published_lesson
from tests.study.conftest import at
from tests.study.test_points import _deliver_pending
from xianfeng.lessons import services as lesson_services
from xianfeng.people.services.history import member_move
from xianfeng.study.models import PointsEntry, PointsTotal
from xianfeng.study.selectors import points as sel
from xianfeng.study.services.points import _add_to_totals

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH_END = D(2026, 3, 31)


def complete(emit, user, lesson, day):
    return emit(
        "lesson.completed",
        user=user,
        obj=lesson,
        data={"lesson_id": lesson.pk, "user_id": user.pk, "duration": 100.0},
        when=at(day),
    )


def lessons(county, n):
    return [
        published_lesson(org=county.branch_a1, author=county.secretary_a1, title=f"课{i}")
        for i in range(n)
    ]


def board(root, period="month", today=MARCH_END):
    return [
        (r.user.name, r.org.code if r.org else None, r.points)
        for r in sel.ranking(root, period, today)
    ]


def test_points_before_a_transfer_stay_at_the_old_branch_after_at_the_new(county, emit):
    mover = county.member_a1
    mover.org_since = D(2020, 1, 1)
    mover.save(update_fields=["org_since"])
    member_move(member=mover, org=county.branch_b1, on=D(2026, 3, 15), reason="组织关系转接")
    batch = lessons(county, 3)
    # The transfer is on the registry before these arrive: the day decides, not today's org.
    complete(emit, mover.user, batch[0], D(2026, 3, 10))  # in A1
    complete(emit, mover.user, batch[1], D(2026, 3, 14))  # in A1, the last day there
    complete(emit, mover.user, batch[2], D(2026, 3, 15))  # in B1 from the transfer's day
    assert list(
        PointsEntry.objects.filter(user=mover.user).order_by("day").values_list("day", "org__code")
    ) == [(D(2026, 3, 10), "A1"), (D(2026, 3, 14), "A1"), (D(2026, 3, 15), "B1")]
    assert sorted(
        PointsTotal.objects.filter(user=mover.user, period="month").values_list(
            "org__code", "points"
        )
    ) == [("A1", 4), ("B1", 2)]
    assert board(county.branch_a1) == [("张东街", "A1", 4)]
    assert board(county.branch_b1) == [("张东街", "B1", 2)]
    assert board(county.town_a) == [("张东街", "A1", 4)]  # B1 is in the other town
    # The county counts all of it once, beside the branch they are in now.
    assert board(county.county) == [("张东街", "B1", 6)]
    rows = sel.my_period_rows(mover.user, "month", MARCH_END)
    assert sel.my_period_points(mover.user, "month", MARCH_END) == 6
    assert [
        sel.rank_in(root, "x", "month", MARCH_END, sel.points_within(root, rows)).points
        for root in (county.branch_a1, county.branch_b1, county.town_b, county.county)
    ] == [4, 2, 2, 6]


def test_the_new_branch_ranks_the_newcomer_by_what_they_earned_there(county, emit):
    mover = county.member_a1
    resident_b = county.member_b1
    batch = lessons(county, 5)
    for lesson in batch[:4]:
        complete(emit, mover.user, lesson, D(2026, 3, 5))  # 8 in A1
    member_move(member=mover, org=county.branch_b1, on=D(2026, 3, 15), reason="组织关系转接")
    complete(emit, mover.user, batch[4], D(2026, 3, 20))  # 2 in B1
    for lesson in batch[:2]:
        complete(emit, resident_b.user, lesson, D(2026, 3, 20))  # 4 in B1
    # Before the fix the mover's whole month (10) stood at B1, above the branch's own 4.
    assert board(county.branch_b1) == [("王柳湾", "B1", 4), ("张东街", "B1", 2)]
    mine = sel.points_within(county.branch_b1, sel.my_period_rows(mover.user, "month", MARCH_END))
    rank = sel.rank_in(county.branch_b1, "branch", "month", MARCH_END, mine)
    assert (rank.points, rank.rank, rank.of) == (2, 2, 2)
    assert board(county.branch_a1) == [("张东街", "A1", 8)]


def test_a_reversal_leaves_the_branch_it_was_earned_at(county):
    mover = county.member_a1
    (lesson,) = lessons(county, 1)
    text = "说得好，我们也要学。"
    comment = lesson_services.comment_add(user=mover.user, lesson=lesson, text=text)
    _deliver_pending()
    member_move(member=mover, org=county.branch_b1, on=timezone.localdate(), reason="组织关系转接")
    lesson_services.comment_delete(actor=mover.user, comment=comment)
    _deliver_pending()
    assert list(
        PointsEntry.objects.filter(user=mover.user)
        .order_by("pk")
        .values_list("kind", "points", "org__code")
    ) == [("earn", 1, "A1"), ("reverse", -1, "A1")]
    assert list(
        PointsTotal.objects.filter(user=mover.user, period="month").values_list(
            "org__code", "points"
        )
    ) == [("A1", 0)]


def test_branch_averages_count_members_where_they_were_and_points_where_earned(county):
    mover = county.member_a1
    mover.org_since = D(2020, 1, 1)
    mover.save(update_fields=["org_since"])
    _add_to_totals(mover.user_id, county.branch_a1.pk, D(2026, 3, 5), 10)
    member_move(member=mover, org=county.branch_a2, on=D(2026, 3, 15), reason="组织关系转接")
    _add_to_totals(mover.user_id, county.branch_a2.pk, D(2026, 3, 20), 6)
    _add_to_totals(county.member_a2.user_id, county.branch_a2.pk, D(2026, 3, 20), 2)
    rows = {
        r.org.code: (r.members, r.points, r.average)
        for r in sel.branch_averages(county.town_a, "month", MARCH_END)
    }
    # The mover began March in A1 and counts there (as 参学率 counts them); A2 has the 6
    # points they earned after arriving, over its own member. The transfer moved nothing
    # of A1's month to A2.
    assert rows == {"A1": (1, 10, 10.0), "A2": (1, 8, 8.0)}
    april = {
        r.org.code: (r.members, r.points)
        for r in sel.branch_averages(county.town_a, "month", D(2026, 4, 30))
    }
    assert april == {"A2": (2, 0)}


def test_the_ranking_pages_split_a_mover_between_the_branches(client, county):
    mover = county.member_a1
    mate = MemberFactory(org=county.branch_a1, user=UserFactory(name="赵同支"))
    today = timezone.localdate()
    _add_to_totals(mover.user_id, county.branch_a1.pk, today, 10)
    _add_to_totals(mate.user_id, county.branch_a1.pk, today, 7)
    member_move(member=mover, org=county.branch_b1, on=today, reason="组织关系转接")
    _add_to_totals(mover.user_id, county.branch_b1.pk, today, 3)
    _add_to_totals(county.member_b1.user_id, county.branch_b1.pk, today, 5)

    client.force_login(mate.user)
    html = client.get(reverse("study:ranking"), {"scope": "branch"}).content.decode()
    assert html.count('class="rank-row') == 2
    assert "<td>张东街</td><td>东街社区党支部</td><td>10</td>" in html
    assert "我：第 2 名，7 分（共 2 人有积分）" in html

    client.force_login(mover.user)
    html = client.get(reverse("study:ranking"), {"scope": "branch"}).content.decode()
    assert "我：第 2 名，3 分（共 2 人有积分）" in html
    assert "赵同支" not in html
    county_html = client.get(reverse("study:ranking"), {"scope": "county"}).content.decode()
    assert "我：第 1 名，13 分（共 3 人有积分）" in county_html
    page = client.get(reverse("study:points")).content.decode()
    assert "本支部（柳湾村党支部）：第 2 名，3 分，共 2 人有积分" in page
    assert "全县（青山县委）：第 1 名，13 分，共 3 人有积分" in page
    api = client.get("/api/v1/study/points/ranking", {"scope": "branch", "period": "week"})
    assert (api.json()["my_points"], api.json()["my_rank"]) == (3, 2)


@pytest.mark.parametrize("n", [1, 3])
def test_ranking_query_count_with_movers(client, county, django_assert_num_queries, n):
    today = timezone.localdate()
    for i in range(n):
        m = MemberFactory(org=county.branch_a1)
        _add_to_totals(m.user_id, county.branch_a1.pk, today, 10 + i)
        member_move(member=m, org=county.branch_b1, on=today, reason="组织关系转接")
        _add_to_totals(m.user_id, county.branch_b1.pk, today, 1)
    client.force_login(county.member_a1.user)
    # session, user, member, ancestors, the top, their rows (names, orgs), my own rows (I am
    # not in the top), rank, the badge
    with django_assert_num_queries(10):
        html = client.get(reverse("study:ranking"), {"scope": "county"}).content.decode()
    assert html.count('class="rank-row') == n
