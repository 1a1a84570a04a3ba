"""党费 免交: an exempt year with its reason and approval; the member owes nothing in it, the
ledger, the roll-up and dues.on_time leave them out of those owing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.dues import services
from xianfeng.dues.calc import DEFAULT_BRACKETS, DEFAULT_FIXED
from xianfeng.dues.enums import DuesCategory
from xianfeng.dues.indicators import on_time
from xianfeng.dues.models import DuesAssessment, DuesPayment
from xianfeng.dues.selectors import branch_ledger, member_standing, rollup

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
Y = TODAY.year - 1


@pytest.fixture
def rule(county):
    return services.dues_rule_create(
        actor=county.county_admin, org=county.county, effective_from=D(Y, 1, 1),
        brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED,
    )  # fmt: skip


def exempt(county, member, **kw):
    fields = {
        "exempt_reason": "生活困难", "exempt_approved_on": D(Y, 1, 20),
        "exempt_decision": "城关镇党委〔2025〕3号",
    }  # fmt: skip
    fields.update(kw)
    return services.dues_assess(
        actor=county.secretary_a1, member=member, year=Y, category=DuesCategory.EXEMPT,
        base_income=Decimal("800"), **fields,
    )  # fmt: skip


@pytest.fixture
def poor(county):
    return MemberFactory(
        org=county.branch_a1, joined_on=D(2000, 1, 1), user=UserFactory(name="钱困难")
    )


def test_an_exempt_year_owes_nothing_and_keeps_its_approval(county, rule, poor):
    a = exempt(county, poor)
    assert (a.category, a.monthly_amount, a.base_income, a.rate) == (
        "exempt", Decimal("0.00"), None, None,
    )  # fmt: skip
    assert (a.exempt_reason, a.exempt_approved_on, a.exempt_decision) == (
        "生活困难", D(Y, 1, 20), "城关镇党委〔2025〕3号",
    )  # fmt: skip
    log = AuditLog.objects.get(action="dues.assessed")
    assert (log.data["category"], log.data["exempt_reason"]) == ("exempt", "生活困难")
    assert log.data["exempt_approved_on"] == D(Y, 1, 20).isoformat()
    _, _, standing = member_standing(poor, until=Month(Y, 12))
    assert (standing.owed, standing.unpaid, standing.flagged) == ([], [], False)
    with pytest.raises(Refused) as excinfo:
        services.dues_pay(
            actor=county.secretary_a1, member=poor, months=[Month(Y, 3)], paid_on=D(Y, 3, 5)
        )
    assert excinfo.value.message == f"该党员 {Y} 年经批准免交党费，无需登记"
    assert not DuesPayment.objects.exists()


def test_an_exemption_needs_a_reason_and_an_approval(county, rule, poor):
    with pytest.raises(Refused) as excinfo:
        exempt(county, poor, exempt_reason="  ")
    assert excinfo.value.field == "exempt_reason"
    with pytest.raises(Refused) as excinfo:
        exempt(county, poor, exempt_approved_on=None)
    assert excinfo.value.field == "exempt_approved_on" and "上一级党委批准" in excinfo.value.message
    with pytest.raises(Refused):
        exempt(county, poor, exempt_approved_on=TODAY + datetime.timedelta(days=1))
    assert not DuesAssessment.objects.exists()


def test_reassessing_an_exempt_year_clears_the_exemption(county, rule, poor):
    exempt(county, poor)
    a = services.dues_assess(
        actor=county.secretary_a1, member=poor, year=Y, category=DuesCategory.IN_WORK,
        base_income=Decimal("2000"),
    )  # fmt: skip
    assert (a.monthly_amount, a.exempt_reason, a.exempt_approved_on) == (
        Decimal("10.00"), "", None,
    )  # fmt: skip
    _, _, standing = member_standing(poor, until=Month(Y, 12))
    assert len(standing.unpaid) == 12


def test_ledger_rollup_and_indicator_leave_the_exempt_member_out(county, rule, poor):
    services.dues_assess(
        actor=county.secretary_a1, member=county.member_a1, year=Y,
        category=DuesCategory.IN_WORK, base_income=Decimal("4500"),
    )  # fmt: skip
    exempt(county, poor)
    services.dues_pay(
        actor=county.secretary_a1, member=county.member_a1, months=[Month(Y, 3)],
        paid_on=D(Y, 3, 10),
    )  # fmt: skip
    ledger = branch_ledger(county.branch_a1, Y, today=D(Y + 1, 1, 15))
    rows = {r.member.user.name: r for r in ledger.rows}
    assert [s for _, s in rows["钱困难"].months] == ["exempt"] * 12
    assert (rows["钱困难"].standing.unpaid, ledger.flagged, ledger.exempt) == ([], 1, 1)
    assert ledger.owed_total == Decimal("45.00") * 11  # 张东街's eleven unpaid months only
    a1 = {r.org.code: r for r in rollup(county.town_a, Month(Y, 3))}["A1"]
    assert (a1.members, a1.assessed, a1.exempt, a1.owing, a1.on_time, a1.behind) == (
        2, 2, 1, 1, 1, 0,
    )  # fmt: skip
    readings = {r.org_id: (r.numerator, r.denominator) for r in on_time(Month(Y, 3))}
    assert readings == {county.branch_a1.pk: (1, 1)}


def test_exempt_through_the_member_page(client, county, rule, poor):
    client.force_login(county.secretary_a1)
    url = reverse("dues:assess", args=[poor.pk])
    bad = client.post(url, {"year": Y, "category": "exempt", "exempt_reason": "生活困难"})
    assert bad.status_code == 400 and "上一级党委批准" in bad.content.decode()
    assert not DuesAssessment.objects.exists()
    response = client.post(url, {
        "year": Y, "category": "exempt", "exempt_reason": "生活困难",
        "exempt_approved_on": D(Y, 1, 20).isoformat(), "exempt_decision": "镇党委批复",
    })  # fmt: skip
    assert response.status_code == 302
    page = client.get(reverse("dues:member", args=[poor.pk])).content.decode()
    assert "经批准免交" in page and "生活困难" in page and "镇党委批复" in page
    ledger = client.get(reverse("dues:ledger", args=["A1"]) + f"?year={Y}").content.decode()
    assert "免交" in ledger


# --- dues.on_time counts each month at the branch of that month -------------------------------


def test_on_time_counts_a_transferred_member_at_the_branch_of_each_month(county, rule):
    from xianfeng.people.models import Member
    from xianfeng.people.services.history import member_move

    member = county.member_a1
    Member.objects.filter(pk=member.pk).update(joined_on=D(2000, 1, 1), org_since=D(2010, 1, 1))
    member.refresh_from_db()
    services.dues_assess(
        actor=county.secretary_a1, member=member, year=Y, category=DuesCategory.IN_WORK,
        base_income=Decimal("4500"),
    )  # fmt: skip
    for n in (1, 2, 3):  # each on time, to the sending branch
        services.dues_pay(
            actor=county.secretary_a1, member=member, months=[Month(Y, n)], paid_on=D(Y, n, 10)
        )
    member_move(member=member, org=county.branch_b1, on=D(Y, 3, 15), reason="组织关系转接")
    services.dues_pay(  # April is left unpaid; May on time, to the receiving branch
        actor=county.secretary_b1, member=member, months=[Month(Y, 5)], paid_on=D(Y, 5, 6)
    )

    def readings(n: int) -> dict[int, tuple[float, float | None]]:
        return {r.org_id: (r.numerator, r.denominator) for r in on_time(Month(Y, n))}

    a1, b1 = county.branch_a1.pk, county.branch_b1.pk
    assert readings(1) == {a1: (1, 1)}  # not at B1, their branch today
    assert readings(3) == {a1: (1, 1)}  # the month of the transfer: the sending branch
    assert readings(4) == {b1: (0, 1)}
    assert readings(5) == {b1: (1, 1)}


def test_on_time_leaves_out_a_gap_off_the_roll(county, rule):
    """A member whose earlier stretch ended (停止党籍) and who is on the roll again later
    owes nothing for the months in between."""
    from xianfeng.people.models import Member, MemberPeriod

    member = county.member_a1
    Member.objects.filter(pk=member.pk).update(joined_on=D(2000, 1, 1), org_since=D(Y, 6, 1))
    MemberPeriod.objects.create(
        member=member, org=county.branch_a2, started_on=None, ended_on=D(Y, 2, 1), reason="停止党籍"
    )
    member.refresh_from_db()
    services.dues_assess(
        actor=county.secretary_a1, member=member, year=Y, category=DuesCategory.IN_WORK,
        base_income=Decimal("4500"),
    )  # fmt: skip
    assert {r.org_id for r in on_time(Month(Y, 1))} == {county.branch_a2.pk}
    assert list(on_time(Month(Y, 3))) == []
    assert {r.org_id for r in on_time(Month(Y, 6))} == {county.branch_a1.pk}


def test_on_time_query_count(county, rule, django_assert_num_queries):
    for i in range(3):
        m = MemberFactory(org=county.branch_a1, user=UserFactory(name=f"交费{i}"))
        services.dues_assess(
            actor=county.secretary_a1, member=m, year=Y, category=DuesCategory.IN_WORK,
            base_income=Decimal("3000"),
        )  # fmt: skip
    # current stretches, past stretches, assessments, payments
    with django_assert_num_queries(4):
        assert [(r.numerator, r.denominator) for r in on_time(Month(Y, 3))] == [(0, 3)]
