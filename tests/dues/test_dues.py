"""党费: rules, 核定, payments (double submit), arrears, ledgers, roll-up, exports, scoping."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import MemberFactory, UserFactory, grant
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.dues import services
from xianfeng.dues.calc import DEFAULT_BRACKETS, DEFAULT_FIXED
from xianfeng.dues.enums import DuesCategory, PaymentMethod
from xianfeng.dues.indicators import on_time
from xianfeng.dues.models import DuesAssessment, DuesPayment
from xianfeng.dues.selectors import branch_ledger, member_standing, rollup, rule_for
from xianfeng.orgs.enums import RoleKind
from xianfeng.people.services.history import member_move

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
Y = TODAY.year - 1  # a whole year in the past: every month of it is due


@pytest.fixture
def rule(county):
    return services.dues_rule_create(
        actor=county.county_admin, org=county.county, effective_from=D(Y, 1, 1),
        brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED,
    )  # fmt: skip


def assess(county, member=None, income="4500", category=DuesCategory.IN_WORK, year=Y):
    return services.dues_assess(
        actor=county.secretary_a1, member=member or county.member_a1, year=year,
        category=category, base_income=None if income is None else Decimal(income),
    )  # fmt: skip


def pay(county, months, member=None, paid_on=None, actor=None, **kw):
    return services.dues_pay(
        actor=actor or county.secretary_a1, member=member or county.member_a1,
        months=[Month(Y, m) for m in months], paid_on=paid_on or D(Y, 12, 31), **kw,
    )  # fmt: skip


def test_assessment_follows_the_rule_and_keeps_income_out_of_the_audit(county, rule):
    a = assess(county, income="5000")
    assert (a.category, a.base_income, a.rate, a.monthly_amount, a.rule) == (
        DuesCategory.IN_WORK, Decimal("5000"), Decimal("1"), Decimal("50.00"), rule,
    )  # fmt: skip
    again = assess(county, income="10000.01")  # income changed: the same row, a new figure
    assert (again.pk, again.monthly_amount) == (a.pk, Decimal("200.00"))
    log = AuditLog.objects.filter(action="dues.assessed").order_by("pk").last()
    assert "10000" not in str(log.data) and log.data["monthly_amount"] == "200.00"


def test_a_later_rule_and_a_nearer_org_take_over(county, rule):
    town_rule = services.dues_rule_create(
        actor=county.town_a_admin, org=county.town_a, effective_from=D(Y, 7, 1),
        brackets={**DEFAULT_BRACKETS, DuesCategory.IN_WORK: [[None, "1"]]}, fixed=DEFAULT_FIXED,
    )  # fmt: skip
    assert rule_for(county.branch_a1, D(Y, 6, 30)) == rule
    assert rule_for(county.branch_a1, D(Y, 7, 1)) == town_rule
    assert rule_for(county.branch_b1, D(Y, 7, 1)) == rule  # another town keeps the county's
    assert rule_for(county.branch_a1, D(Y - 1, 12, 31)) is None


def test_rule_refusals(county, rule):
    with pytest.raises(PermissionDenied):
        services.dues_rule_create(
            actor=county.secretary_a1, org=county.town_a, effective_from=D(Y, 1, 1),
            brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED,
        )  # fmt: skip
    with pytest.raises(Refused) as excinfo:
        services.dues_rule_create(
            actor=county.county_admin, org=county.county, effective_from=D(Y, 1, 1),
            brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED,
        )  # fmt: skip
    assert excinfo.value.message == f"青山县委已有 {Y}-01-01 起执行的党费标准"
    with pytest.raises(Refused) as excinfo:
        services.dues_rule_create(
            actor=county.county_admin, org=county.branch_a1, effective_from=D(Y, 2, 1),
            brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED,
        )  # fmt: skip
    assert excinfo.value.message == "党费标准由县（市、区）或乡镇、企业党委制定"


def test_assessment_without_a_rule_is_refused(county):
    with pytest.raises(Refused) as excinfo:
        assess(county)
    assert excinfo.value.message == "上级党委尚未制定党费标准，请联系县（乡镇）组织部门"
    assert not DuesAssessment.objects.exists()


def test_payment_of_several_months_at_the_assessed_amount(county, rule):
    assess(county)
    rows = pay(county, [1, 2, 3], method=PaymentMethod.TRANSFER, reference="ZZ001")
    assert [(r.month, r.amount, r.org, r.recorded_by) for r in rows] == [
        (D(Y, m, 1), Decimal("45.00"), county.branch_a1, county.secretary_a1) for m in (1, 2, 3)
    ]


def test_double_submit_records_a_payment_once(county, rule):
    assess(county)
    pay(county, [4, 5])
    with pytest.raises(Refused) as excinfo:
        pay(county, [4, 5])
    assert excinfo.value.message == f"{Y}-04、{Y}-05 的党费已登记过，未重复登记"
    with pytest.raises(Refused):  # overlapping: nothing of it is written
        pay(county, [5, 6])
    assert DuesPayment.objects.count() == 2


def test_double_submit_through_the_page(client, county, rule):
    assess(county)
    client.force_login(county.secretary_a1)
    url = reverse("dues:pay", args=[county.member_a1.pk])
    form = {"month_from": f"{Y}-03", "month_to": "", "paid_on": f"{Y}-03-05", "method": "cash"}
    assert client.post(url, form).status_code == 302
    second = client.post(url, form)
    assert second.status_code == 400
    assert f"{Y}-03 的党费已登记过，未重复登记" in second.content.decode()
    assert DuesPayment.objects.count() == 1


def test_payment_refusals(county, rule):
    with pytest.raises(Refused) as excinfo:
        pay(county, [1])
    assert excinfo.value.message == f"请先核定该党员 {Y} 年的党费"
    assess(county)
    with pytest.raises(Refused) as excinfo:
        pay(county, [1], paid_on=TODAY + datetime.timedelta(days=1))
    assert excinfo.value.message == "交纳日期不能晚于今天"
    with pytest.raises(Refused) as excinfo:
        pay(county, [1], method=PaymentMethod.ONLINE)
    assert excinfo.value.message == "请选择交纳方式：现场交纳或转账"
    with pytest.raises(PermissionDenied):
        pay(county, [1], actor=county.secretary_b1)
    with pytest.raises(PermissionDenied):
        pay(county, [1], actor=county.propagandist_a1)
    assert not DuesPayment.objects.exists()


def test_six_months_behind_is_flagged(county, rule):
    assess(county)
    pay(county, range(1, 7))
    _, _, standing = member_standing(county.member_a1, until=Month(Y, 12))
    assert (len(standing.unpaid), standing.behind, standing.flagged) == (6, 6, True)
    assert standing.unpaid_amount == Decimal("270.00")
    _, _, standing = member_standing(county.member_a1, until=Month(Y, 11))
    assert (standing.behind, standing.flagged) == (5, False)
    pay(county, [12])
    _, _, standing = member_standing(county.member_a1, until=Month(Y, 12))
    assert (len(standing.unpaid), standing.behind, standing.flagged) == (5, 0, False)


def test_branch_ledger_months_and_flags(county, rule):
    other = MemberFactory(org=county.branch_a1, user=UserFactory(name="赵欠交"))
    assess(county)
    assess(county, member=other, income=None, category=DuesCategory.STUDENT)
    pay(county, range(1, 13))
    ledger = branch_ledger(county.branch_a1, Y, today=D(Y + 1, 1, 15))
    rows = {r.member.user.name: r for r in ledger.rows}
    assert [s for _, s in rows["张东街"].months] == ["paid"] * 12
    assert [s for _, s in rows["赵欠交"].months] == ["unpaid"] * 12
    assert (rows["赵欠交"].standing.behind, rows["赵欠交"].standing.flagged) == (12, True)
    assert (ledger.flagged, ledger.paid_total, ledger.owed_total) == (
        1, Decimal("540.00"), Decimal("2.40"),
    )  # fmt: skip


def test_rollup_sums_per_branch_and_counts_on_time(county, rule):
    assess(county)
    b1 = services.dues_assess(
        actor=county.secretary_b1, member=county.member_b1, year=Y,
        category=DuesCategory.RETIRED, base_income=Decimal("6000"),
    )  # fmt: skip
    pay(county, [3], paid_on=D(Y, 3, 10))  # on time
    services.dues_pay(
        actor=county.secretary_b1, member=county.member_b1, months=[Month(Y, 3)],
        paid_on=D(Y, 4, 2),
    )  # fmt: skip
    rows = {r.org.code: r for r in rollup(county.county, Month(Y, 3))}
    a1, b = rows["A1"], rows["B1"]
    assert (a1.members, a1.owing, a1.paid, a1.on_time, a1.paid_amount) == (
        1, 1, 1, 1, Decimal("45.00"),
    )  # fmt: skip
    assert (b.owing, b.paid, b.on_time, b.paid_amount, b.on_time_rate) == (
        1, 1, 0, b1.monthly_amount, 0.0,
    )  # fmt: skip
    assert rows["A2"].owing == 0 and rows["A2"].unassessed == 1
    readings = {r.org_id: (r.numerator, r.denominator) for r in on_time(Month(Y, 3))}
    assert readings == {county.branch_a1.pk: (1, 1), county.branch_b1.pk: (0, 1)}


def test_rollup_flags_six_months_behind(county, rule):
    assess(county)
    pay(county, [1])
    assert {r.org.code: r.behind for r in rollup(county.town_a, Month(Y, 6))}["A1"] == 0
    assert {r.org.code: r.behind for r in rollup(county.town_a, Month(Y, 7))}["A1"] == 1


# --- pages ------------------------------------------------------------------------------------


def test_member_page_for_the_secretary_shows_income_and_forms(client, county, rule):
    assess(county, income="4321")
    client.force_login(county.secretary_a1)
    page = client.get(reverse("dues:member", args=[county.member_a1.pk])).content.decode()
    assert "4321" in page and "登记交纳" in page and "核定党费" in page


def test_member_sees_their_own_dues_without_forms(client, county, rule):
    assess(county, income="4321")
    client.force_login(county.member_a1.user)
    page = client.get(reverse("dues:member", args=[county.member_a1.pk])).content.decode()
    assert "43.21" in page and "登记交纳" not in page
    assert client.post(reverse("dues:pay", args=[county.member_a1.pk]), {}).status_code == 403
    index = client.get(reverse("dues:index")).content.decode()
    # Last year is owed in full (this year is not assessed yet): 12 × 43.21.
    assert "我的党费" in index and "12 个月，518.52 元" in index


@pytest.mark.parametrize("who", ["secretary_b1", "propagandist_a1", "member_a2", "anonymous"])
def test_others_never_see_a_members_dues(client, county, rule, who):
    assess(county, income="4321")
    pay(county, [1])
    if who == "member_a2":
        client.force_login(county.member_a2.user)
    elif who != "anonymous":
        client.force_login(getattr(county, who))
    urls = [
        reverse("dues:member", args=[county.member_a1.pk]),
        reverse("dues:ledger", args=["A1"]),
        reverse("dues:ledger", args=["A1"]) + "?format=xlsx",
        reverse("dues:town", args=["TA"]),
    ]
    for url in urls:
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response["Location"]
        else:
            assert response.status_code == 404, url
            assert "4321" not in response.content.decode()
    posts = [
        client.post(reverse("dues:pay", args=[county.member_a1.pk]),
                    {"month_from": f"{Y}-02", "paid_on": f"{Y}-02-02", "method": "cash"}),
        client.post(reverse("dues:assess", args=[county.member_a1.pk]),
                    {"year": Y, "category": "in_work", "base_income": "1"}),
    ]  # fmt: skip
    assert [p.status_code for p in posts] == [302, 302] if who == "anonymous" else [404, 404]
    assert DuesPayment.objects.count() == 1
    assert DuesAssessment.objects.get().base_income == Decimal("4321")


def test_town_admin_sees_the_rollup_but_another_town_does_not(client, county, rule):
    client.force_login(county.town_a_admin)
    assert client.get(reverse("dues:town", args=["TA"])).status_code == 200
    assert client.get(reverse("dues:town", args=["TB"])).status_code == 404
    assert client.get(reverse("dues:ledger", args=["B1"])).status_code == 404


def test_assess_page_errors_are_chinese_and_keep_input(client, county, rule):
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("dues:assess", args=[county.member_a1.pk]),
        {"year": Y, "category": "in_work", "base_income": ""},
    )
    assert response.status_code == 400
    assert "请填写月计算基数（税后月收入）" in response.content.decode()
    assert not DuesAssessment.objects.exists()


def test_rule_page_creates_a_rule(client, county):
    client.force_login(county.county_admin)
    form = {
        "org": county.county.pk, "effective_from": f"{Y}-01-01",
        "in_work": "3000 0.5\n5000 1\n10000 1.5\n以上 2", "retired": "5000 0.5\n以上 1",
        "student": "0.2", "unemployed": "0.2", "subsistence": "0.2", "note": "",
    }  # fmt: skip
    assert client.post(reverse("dues:rule_new"), form).status_code == 302
    rule = rule_for(county.branch_a1, D(Y, 5, 1))
    assert rule.brackets[DuesCategory.RETIRED] == [["5000", "0.5"], [None, "1"]]
    bad = client.post(reverse("dues:rule_new"), {**form, "effective_from": f"{Y}-02-01",
                                                   "in_work": "3000 0.5"})  # fmt: skip
    assert bad.status_code == 400 and "最后一行应为" in bad.content.decode()
    client.force_login(county.secretary_a1)
    assert client.post(reverse("dues:rule_new"), form).status_code == 403


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_ledger_export_has_the_months(client, county, rule):
    assess(county)
    pay(county, [1, 2])
    client.force_login(county.secretary_a1)
    response = client.get(reverse("dues:ledger", args=["A1"]) + f"?year={Y}&format=xlsx")
    content = body(response)
    assert (response.status_code, content[:4]) == (200, b"PK\x03\x04")
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "类别", "每月应交（元）", "1月", "2月")
    assert rows[1][:6] == ("张东街", "在职", "45.00", "已交", "已交", "未交")
    client.force_login(county.town_a_admin)  # the town's roll-up is the town's
    response = client.get(reverse("dues:town", args=["TA"]) + f"?month={Y}-01&format=xlsx")
    content = body(response)
    assert (response.status_code, content[:4]) == (200, b"PK\x03\x04")
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][5] == "1"


@pytest.mark.parametrize("count", [1, 3])
def test_ledger_query_count(client, county, rule, django_assert_num_queries, count):
    for i in range(count):
        m = MemberFactory(org=county.branch_a1, user=UserFactory(name=f"交费{i}"))
        assess(county, member=m)
        pay(county, [1, 2], member=m)
    for i in range(count):  # members who moved out during the year stay in its ledger
        m = MemberFactory(org=county.branch_a1, user=UserFactory(name=f"转出{i}"))
        assess(county, member=m)
        member_move(member=m, org=county.branch_b1, on=D(Y, 6, 15), reason="组织关系转接")
    client.force_login(county.secretary_a1)
    # session, user, roles, org, current stretches, past stretches, members, assessments,
    # payments, unread badge
    with django_assert_num_queries(10):
        page = client.get(reverse("dues:ledger", args=["A1"]) + f"?year={Y}").content.decode()
    assert page.count('class="title"') == 2 * count + 1
    assert page.count("已转出") == count + 1  # each row and the count above


@pytest.mark.parametrize("count", [1, 3])
def test_rollup_query_count(client, county, rule, django_assert_num_queries, count):
    for i in range(count):
        m = MemberFactory(org=county.branch_a2, user=UserFactory(name=f"交费{i}"))
        services.dues_assess(
            actor=county.town_a_admin, member=m, year=Y, category=DuesCategory.IN_WORK,
            base_income=Decimal("3000"),
        )  # fmt: skip
        moved = MemberFactory(org=county.branch_b1, user=UserFactory(name=f"转入{i}"))
        member_move(member=moved, org=county.branch_a2, on=D(Y, 4, 1), reason="组织关系转接")
    client.force_login(county.town_a_admin)
    # session, user, roles, org, orgs, current stretches, past stretches, members,
    # assessments, payments, unread badge
    with django_assert_num_queries(11):
        page = client.get(reverse("dues:town", args=["TA"]) + f"?month={Y}-05").content.decode()
    assert page.count('class="title"') == 3  # the town itself and its two branches


@pytest.mark.parametrize("count", [1, 3])
def test_member_page_query_count(client, county, rule, django_assert_num_queries, count):
    assess(county)
    pay(county, range(1, count + 1))
    client.force_login(county.secretary_a1)
    # session, user, roles, member, assessments, payments, rule, unread badge
    with django_assert_num_queries(8):
        page = client.get(reverse("dues:member", args=[county.member_a1.pk])).content.decode()
    assert page.count('class="title"') == count + 1  # payments and the one assessment


def test_treasurer_role_organizer_may_record(county, rule):
    organizer = UserFactory(name="组织委员")
    grant(organizer, county.branch_a1, RoleKind.ORGANIZER)
    assess(county)
    (row,) = pay(county, [8], actor=organizer)
    assert row.recorded_by == organizer


def test_cancel_a_payment_recorded_by_mistake(county, rule):
    assess(county)
    (row,) = pay(county, [8])
    with pytest.raises(Refused):
        services.dues_payment_cancel(actor=county.secretary_a1, payment=row, reason=" ")
    services.dues_payment_cancel(actor=county.secretary_a1, payment=row, reason="月份登记错")
    assert not DuesPayment.objects.exists()
    assert AuditLog.objects.filter(action="dues.payment_cancelled").get().data["reason"] == (
        "月份登记错"
    )


@pytest.mark.parametrize("count", [1, 3])
def test_rules_page_query_count(client, county, django_assert_num_queries, count):
    for i in range(count):
        services.dues_rule_create(
            actor=county.county_admin, org=county.county, effective_from=D(Y, 1 + i, 1),
            brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED,
        )  # fmt: skip
    client.force_login(county.secretary_a1)  # the county's rules reach the branch
    # session, user, roles, rules (with their orgs), unread badge
    with django_assert_num_queries(5):
        page = client.get(reverse("dues:rules")).content.decode()
    assert page.count('class="title"') == count
    client.force_login(county.resident)
    assert client.get(reverse("dues:rules")).content.decode().count('class="title"') == 0


@pytest.mark.parametrize("count", [1, 3])
def test_index_query_count(client, county, rule, django_assert_num_queries, count):
    assess(county)
    pay(county, range(1, count + 1))
    user = county.member_a1.user
    for org in [county.branch_a1, county.branch_a2, county.branch_b1][:count]:
        grant(user, org, RoleKind.ORGANIZER)
    client.force_login(user)
    # session, user, roles, member, assessments, payments, unread badge
    with django_assert_num_queries(7):
        page = client.get(reverse("dues:index")).content.decode()
    assert page.count('class="title"') == count
    assert "我的党费" in page


def test_indicator_is_registered_with_its_drill_down(county):
    from xianfeng.common import indicators

    indicator = indicators.get("dues.on_time")
    assert (indicator.name, indicator.app, indicator.group, indicator.ratio, indicator.unit) == (
        "党费按时交纳率", "dues", "党员管理", True, "%",
    )  # fmt: skip
    assert indicator.records(county.branch_a1, Month(Y, 3)) == f"/dues/org/A1/rollup/?month={Y}-03"
    assert indicator.value(1, 2) == 50.0
