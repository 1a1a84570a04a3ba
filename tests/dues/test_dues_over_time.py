"""The 党费 ledger and roll-up list who belonged to the branch in each month, not today's
roster: a member transferred out mid-year is in the old branch's months before the transfer
(the month of it included) and in the new branch's after; one who died stays in the months
they were on the roll."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import MemberFactory, UserFactory
from xianfeng.common.indicators import Month
from xianfeng.dues import services
from xianfeng.dues.calc import DEFAULT_BRACKETS, DEFAULT_FIXED
from xianfeng.dues.enums import DuesCategory
from xianfeng.dues.selectors import branch_ledger, rollup
from xianfeng.people.enums import StatusChangeKind
from xianfeng.people.models import Member
from xianfeng.people.services.history import member_leave, member_move

pytestmark = pytest.mark.django_db

D = datetime.date
Y = datetime.date.today().year - 1  # a whole year in the past
AFTER = D(Y + 1, 1, 15)


@pytest.fixture
def moved(county):
    """张东街 (A1, town A) pays January–March to A1, is transferred to 柳湾 (B1, town B) on
    15 March, pays May to B1; April and June on are unpaid."""
    services.dues_rule_create(
        actor=county.county_admin, org=county.county, effective_from=D(Y, 1, 1),
        brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED,
    )  # fmt: skip
    member = county.member_a1
    Member.objects.filter(pk=member.pk).update(org_since=D(2010, 1, 1))
    member.refresh_from_db()
    services.dues_assess(
        actor=county.secretary_a1, member=member, year=Y, category=DuesCategory.IN_WORK,
        base_income=Decimal("4500"),
    )  # fmt: skip
    services.dues_pay(
        actor=county.secretary_a1, member=member, months=[Month(Y, n) for n in (1, 2, 3)],
        paid_on=D(Y, 3, 10),
    )  # fmt: skip
    member_move(member=member, org=county.branch_b1, on=D(Y, 3, 15), reason="组织关系转接")
    services.dues_pay(
        actor=county.secretary_b1, member=member, months=[Month(Y, 5)], paid_on=D(Y, 5, 6)
    )
    return member


def states(ledger, name):
    return [s for _, s in next(r for r in ledger.rows if r.member.user.name == name).months]


def test_old_branch_keeps_the_months_before_the_transfer(county, moved):
    ledger = branch_ledger(county.branch_a1, Y, today=AFTER)
    assert states(ledger, "张东街") == ["paid"] * 3 + ["away"] * 9
    row = next(r for r in ledger.rows if r.member.user.name == "张东街")
    # Paid in full while here: nothing owed to A1; its arrears after are B1's.
    assert (row.moved_out, row.paid_in_year, row.standing.unpaid) == (True, Decimal("135.00"), [])
    assert (ledger.moved_out, ledger.paid_total, ledger.owed_total) == (1, Decimal("135.00"), 0)


def test_new_branch_has_the_months_after_it(county, moved):
    ledger = branch_ledger(county.branch_b1, Y, today=AFTER)
    assert [r.member.user.name for r in ledger.rows] == ["张东街", "王柳湾"]
    assert states(ledger, "张东街") == ["away"] * 3 + ["unpaid", "paid"] + ["unpaid"] * 7
    row = ledger.rows[0]
    assert (row.moved_out, row.paid_in_year, len(row.standing.unpaid)) == (
        False, Decimal("45.00"), 8,
    )  # fmt: skip
    # The year before, the member was never at B1: not in its ledger.
    assert [r.member.user.name for r in branch_ledger(county.branch_b1, Y - 1).rows] == ["王柳湾"]


def test_rollup_counts_each_month_at_the_branch_of_that_month(county, moved):
    def a1_b1(month: int) -> list[tuple[int, int, int]]:
        rows = {r.org.code: r for r in rollup(county.county, Month(Y, month))}
        return [
            (rows[c].members, rows[c].owing, rows[c].paid) if c in rows else (0, 0, 0)
            for c in ("A1", "B1")
        ]

    # A1: 张东街 (and no one else; a branch with no one that month is left out); B1:
    # 王柳湾, not assessed.
    assert a1_b1(2) == [(1, 1, 1), (1, 0, 0)]
    assert a1_b1(3) == [(1, 1, 1), (1, 0, 0)]  # the month of the transfer: the sender's
    assert a1_b1(4) == [(0, 0, 0), (2, 1, 0)]
    assert a1_b1(5) == [(0, 0, 0), (2, 1, 1)]


def test_a_member_who_died_stays_in_the_months_on_the_roll(county, moved):
    gone = MemberFactory(org=county.branch_a2, user=UserFactory(name="故去丙"))
    services.dues_assess(
        actor=county.town_a_admin, member=gone, year=Y, category=DuesCategory.RETIRED,
        base_income=Decimal("3000"),
    )  # fmt: skip
    member_leave(
        actor=county.town_a_admin, member=gone, kind=StatusChangeKind.DECEASE,
        effective_on=D(Y, 7, 20),
    )  # fmt: skip
    ledger = branch_ledger(county.branch_a2, Y, today=AFTER)
    assert states(ledger, "故去丙") == ["unpaid"] * 6 + [""] * 6
    june = {r.org.code: r for r in rollup(county.town_a, Month(Y, 6))}["A2"]
    august = {r.org.code: r for r in rollup(county.town_a, Month(Y, 8))}["A2"]
    assert (june.members, june.owing, august.members, august.owing) == (2, 1, 1, 0)
    # Next year they are on no one's roll.
    assert [r.member.user.name for r in branch_ledger(county.branch_a2, Y + 1).rows] == ["李西街"]


def test_ledger_page_marks_the_moved_member_and_export_follows(client, county, moved):
    client.force_login(county.secretary_a1)
    url = reverse("dues:ledger", args=["A1"])
    page = client.get(url + f"?year={Y}").content.decode()
    assert "已转出" in page and "当月不在本支部" in page
    # No link to a member page the old branch can no longer open.
    assert reverse("dues:member", args=[moved.pk]) not in page
    assert client.get(reverse("dues:member", args=[moved.pk])).status_code == 404
    response = client.get(url + f"?year={Y}&format=xlsx")
    content = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[1][:7] == ("张东街（已转出）", "在职", "45.00", "已交", "已交", "已交", "—")
    # The receiving branch's secretary sees the member in B1's ledger, with a link.
    client.force_login(county.secretary_b1)
    page = client.get(reverse("dues:ledger", args=["B1"]) + f"?year={Y}").content.decode()
    assert reverse("dues:member", args=[moved.pk]) in page
    # and not A1's ledger at all.
    assert client.get(url + f"?year={Y}").status_code == 404
