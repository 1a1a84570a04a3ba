"""党费: the county's rules, each member's yearly 核定, payments month by month."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.common.text import clean_text
from xianfeng.dues.calc import Amount, monthly_amount, owes_in
from xianfeng.dues.enums import BRACKET_CATEGORIES, FIXED_CATEGORIES, DuesCategory, PaymentMethod
from xianfeng.dues.models import DuesAssessment, DuesPayment, DuesRule, owed_amounts
from xianfeng.dues.selectors import rule_for
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_admin_org, can_manage_roster
from xianfeng.people.enums import ON_ROLL
from xianfeng.people.models import Member, User

# A rule sets the rates for a whole subtree: a county, a town, a company's committee.
RULE_ORG_KINDS = (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE)
# How far ahead a member may pay (预交): the rest of a year at most.
AHEAD_MONTHS = 12


def dues_rule_create(
    *,
    actor: User,
    org: Org,
    effective_from: datetime.date,
    brackets: Mapping[str, Sequence[Sequence[str | None]]],
    fixed: Mapping[str, str],
    note: str = "",
) -> DuesRule:
    """An org admin sets the 党费 rates of their subtree from a date on (earlier payments
    and 核定 keep the amounts they were given)."""
    if not can_admin_org(actor, org):
        raise PermissionDenied("您不能为该组织制定党费标准")
    if org.kind not in RULE_ORG_KINDS:
        raise Refused("党费标准由县（市、区）或乡镇、企业党委制定", field="org")
    for category in BRACKET_CATEGORIES:
        if not brackets.get(category):
            raise Refused(f"请填写{DuesCategory(category).label}党员的比例")
    for category in FIXED_CATEGORIES:
        raw = fixed.get(category)
        if raw is None or Decimal(str(raw)) < 0:
            raise Refused(f"请填写{DuesCategory(category).label}党员每月交纳的金额")
    note = clean_text(note, multiline=False).strip()[:200]
    try:
        with transaction.atomic():
            rule = DuesRule.objects.create(
                org=org,
                effective_from=effective_from,
                brackets={k: [list(r) for r in v] for k, v in brackets.items()},
                fixed={k: str(v) for k, v in fixed.items()},
                note=note,
                created_by=actor,
            )
            audit_log(
                actor=actor, action="dues.rule_created", obj=rule, org=org,
                data={"effective_from": effective_from.isoformat(), "brackets": rule.brackets,
                      "fixed": rule.fixed},
            )  # fmt: skip
    except IntegrityError as exc:
        raise Refused(
            f"{org.name}已有 {effective_from:%Y-%m-%d} 起执行的党费标准", field="effective_from"
        ) from exc
    return rule


def _rule_day(year: int, today: datetime.date) -> datetime.date:
    """The day whose rule a year's 核定 follows: today within the year, 1 January for a
    year ahead, 31 December for a year past."""
    return max(datetime.date(year, 1, 1), min(today, datetime.date(year, 12, 31)))


def _exemption(
    reason: str, approved_on: datetime.date | None, decision: str, today: datetime.date
) -> dict[str, object]:
    """The 免交 fields checked: a reason and the higher committee's approval date."""
    reason = clean_text(reason, multiline=False).strip()
    decision = clean_text(decision, multiline=False).strip()
    if not reason:
        raise Refused("请填写免交原因（如：生活困难）", field="exempt_reason")
    if len(reason) > 200:
        raise Refused("免交原因最多 200 个字", field="exempt_reason")
    if len(decision) > 100:
        raise Refused("批准文号最多 100 个字", field="exempt_decision")
    if approved_on is None:
        raise Refused(
            "免交党费须经支部党员大会讨论、报上一级党委批准，请填写批准日期",
            field="exempt_approved_on",
        )
    if approved_on > today:
        raise Refused("批准日期不能晚于今天", field="exempt_approved_on")
    return {
        "exempt_reason": reason, "exempt_approved_on": approved_on,
        "exempt_decision": decision,
    }  # fmt: skip


def dues_assess(
    *,
    actor: User,
    member: Member,
    year: int,
    category: str,
    base_income: Decimal | None,
    exempt_reason: str = "",
    exempt_approved_on: datetime.date | None = None,
    exempt_decision: str = "",
) -> DuesAssessment:
    """核定: the member's monthly 党费 for `year` from their category and income, by the
    rule in force; or 免交 for the year, with its reason and approval. Made again in the
    year (income changed) it replaces the figure; months already paid keep what was paid."""
    if not can_manage_roster(actor, member.org):
        raise PermissionDenied("您不能核定该党员的党费")
    today = timezone.localdate()
    if not today.year - 1 <= year <= today.year + 1:
        raise Refused("只能核定上一年、今年或明年的党费", field="year")
    if member.status not in ON_ROLL or member.left_on is not None:
        raise Refused(f"该党员已{member.get_status_display()}，无需核定党费")
    if category not in DuesCategory.values:
        raise Refused("请选择党员类别", field="category")
    exemption: dict[str, object] = {
        "exempt_reason": "", "exempt_approved_on": None, "exempt_decision": ""
    }  # fmt: skip
    rule = rule_for(member.org, _rule_day(year, today))
    if category == DuesCategory.EXEMPT:
        exemption = _exemption(exempt_reason, exempt_approved_on, exempt_decision, today)
        base_income = None
        amount = Amount(None, Decimal("0.00"))
    else:
        if category in FIXED_CATEGORIES:
            base_income = None
        if rule is None:
            raise Refused("上级党委尚未制定党费标准，请联系县（乡镇）组织部门")
        amount = monthly_amount(
            brackets=rule.brackets, fixed=rule.fixed, category=category, base_income=base_income
        )
    with transaction.atomic():
        assessment, created = DuesAssessment.objects.update_or_create(
            member=member,
            year=year,
            defaults={
                "category": category,
                "base_income": base_income,
                "rate": amount.rate,
                "monthly_amount": amount.monthly,
                "rule": rule,
                "assessed_by": actor,
                "assessed_on": today,
                **exemption,
            },
        )
        # The income itself stays out of the audit log (personal data): the outcome is enough.
        data: dict[str, object] = {
            "member_id": member.pk, "year": year, "category": category,
            "monthly_amount": str(amount.monthly), "again": not created,
        }  # fmt: skip
        if category == DuesCategory.EXEMPT:
            data |= {k: str(v) for k, v in exemption.items()}
        audit_log(actor=actor, action="dues.assessed", obj=assessment, org=member.org, data=data)
    return assessment


def dues_pay(
    *,
    actor: User,
    member: Member,
    months: Sequence[Month],
    paid_on: datetime.date,
    method: str = PaymentMethod.CASH,
    reference: str = "",
) -> list[DuesPayment]:
    """Record 党费 received for `months` (one or several, 补交 or 预交), each at the month's
    assessed amount. All or nothing: a month already paid refuses the whole, so a second
    click of the same form records nothing more."""
    if not can_manage_roster(actor, member.org):
        raise PermissionDenied("您不能登记该党员的党费")
    if not months:
        raise Refused("请选择交纳的月份", field="months")
    if method not in (PaymentMethod.CASH, PaymentMethod.TRANSFER):
        raise Refused("请选择交纳方式：现场交纳或转账", field="method")
    reference = clean_text(reference, multiline=False).strip()
    if len(reference) > 64:
        raise Refused("流水号最多 64 个字符", field="reference")
    today = timezone.localdate()
    if paid_on > today:
        raise Refused("交纳日期不能晚于今天", field="paid_on")
    months = sorted(set(months))
    latest = Month.of(today)
    for _ in range(AHEAD_MONTHS - 1):
        latest = latest.next()
    if months[-1] > latest:
        raise Refused(f"最多预交到 {latest}", field="months")
    with transaction.atomic():
        member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
        assessments = list(
            DuesAssessment.objects.filter(member=member, year__in={m.year for m in months})
        )
        missing = sorted({m.year for m in months} - {a.year for a in assessments})
        if missing:
            years = "、".join(str(y) for y in missing)
            raise Refused(f"请先核定该党员 {years} 年的党费", field="months")
        exempt = sorted(a.year for a in assessments if a.exempt)
        if exempt:
            years = "、".join(str(y) for y in exempt)
            raise Refused(f"该党员 {years} 年经批准免交党费，无需登记", field="months")
        amounts = owed_amounts(assessments)
        not_owed = [
            m
            for m in months
            if not owes_in(m, amounts=amounts, joined_on=member.joined_on, left_on=member.left_on)
        ]
        if not_owed:
            raise Refused(
                f"{'、'.join(str(m) for m in not_owed)} 不在该党员应交党费的月份内", field="months"
            )
        taken = sorted(
            Month.of(day)
            for day in DuesPayment.objects.filter(
                member=member, month__in=[m.first for m in months]
            ).values_list("month", flat=True)
        )
        if taken:
            raise Refused(
                f"{'、'.join(str(m) for m in taken)} 的党费已登记过，未重复登记", field="months"
            )
        try:
            with transaction.atomic():
                rows = DuesPayment.objects.bulk_create(
                    [
                        DuesPayment(
                            member=member,
                            org=member.org,
                            month=m.first,
                            amount=amounts[m.year],
                            paid_on=paid_on,
                            method=method,
                            reference=reference,
                            recorded_by=actor,
                        )
                        for m in months
                    ]
                )
        except IntegrityError as exc:  # the same form twice at once: the other one won
            raise Refused("这些月份的党费刚刚已登记过，未重复登记", field="months") from exc
        audit_log(
            actor=actor, action="dues.paid", obj=member, org=member.org,
            data={"months": [str(m) for m in months], "method": method,
                  "total": str(sum((r.amount for r in rows), Decimal(0)))},
        )  # fmt: skip
    return rows


def dues_payment_cancel(*, actor: User, payment: DuesPayment, reason: str) -> None:
    """Take back a payment recorded by mistake (wrong member or month), with a reason."""
    member = payment.member
    if not can_manage_roster(actor, member.org):
        raise PermissionDenied("您不能更改该党员的党费记录")
    if payment.method == PaymentMethod.ONLINE:
        raise Refused("在线支付的记录不能在这里撤销")
    reason = clean_text(reason, multiline=False).strip()
    if not reason:
        raise Refused("请填写撤销原因", field="reason")
    with transaction.atomic():
        audit_log(
            actor=actor, action="dues.payment_cancelled", obj=member, org=member.org,
            data={"month": f"{payment.month:%Y-%m}", "amount": str(payment.amount),
                  "paid_on": payment.paid_on.isoformat(), "reason": reason[:200]},
        )  # fmt: skip
        DuesPayment.objects.filter(pk=payment.pk).delete()
