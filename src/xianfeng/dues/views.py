"""Pages of 党费: my dues, a branch's ledger, a town's roll-up, a member's record, rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.indicators import Month
from xianfeng.common.types import AuthedRequest, actor_of
from xianfeng.common.xlsx import XlsxWriter
from xianfeng.dues import calc, services
from xianfeng.dues.enums import BEHIND_MONTHS, DuesCategory
from xianfeng.dues.forms import AssessForm, PayForm, RuleForm
from xianfeng.dues.models import DuesPayment
from xianfeng.dues.selectors import (
    branch_ledger,
    due_until,
    get_dues_member,
    get_ledger_org,
    member_standing,
    orgs_collected_by,
    rollup,
    rollup_total,
    rule_for,
    rules_visible_to,
)
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, ORG_ADMIN_ROLES, OrgKind
from xianfeng.orgs.rules import holds_any
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.selectors import member_of


def _year(request: AuthedRequest) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    if not raw:
        return today.year
    if not raw.isdigit() or not 2000 <= int(raw) <= today.year + 1:
        raise BadInput("年份应为 2000 至明年之间的四位数")
    return int(raw)


def _month(request: AuthedRequest) -> Month:
    raw = request.GET.get("month", "")
    if not raw:
        return due_until()
    try:
        return Month.parse(raw)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """我的党费, and the branches or towns the person collects for."""
    member = member_of(request.user)
    mine: dict[str, Any] | None = None
    if member is not None:
        assessments, payments, standing = member_standing(member)
        mine = {
            "member": member,
            "assessment": assessments.get(timezone.localdate().year),
            "payments": payments[:6],
            "standing": standing,
        }
    return render(
        request,
        "dues/index.html",
        {
            "mine": mine,
            "orgs": orgs_collected_by(request.user),
            "branch_kinds": {OrgKind.BRANCH, OrgKind.GENERAL_BRANCH},
            "can_rules": holds_any(request.user, ORG_ADMIN_ROLES),
        },
    )


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


@login_required
def ledger(request: AuthedRequest, code: str) -> HttpResponseBase:
    """The branch's 党费 ledger for a year: each member month by month, arrears flagged."""
    org = get_ledger_org(request.user, code)
    year = _year(request)
    book = branch_ledger(org, year)
    if request.GET.get("format") == "xlsx":
        writer = XlsxWriter()
        months = [f"{n}月" for n in range(1, 13)]
        sheet = writer.sheet(
            f"{year}年党费",
            ["姓名", "类别", "每月应交（元）", *months, f"{year}年已交（元）", "欠交月数",
             "欠交金额（元）", "连续未交月数"],
            widths=[10, 14, 12, *[6] * 12, 12, 8, 12, 10],
        )  # fmt: skip
        marks = {"paid": "已交", "unpaid": "未交", "due": "本月", "exempt": "免交", "away": "—"}
        for row in book.rows:
            a = row.assessment
            sheet.append(
                [
                    f"{row.member.user.name}（已转出）" if row.moved_out else row.member.user.name,
                    a.get_category_display() if a else "未核定",
                    _money(a.monthly_amount) if a else "",
                    *[marks.get(state, "") for _, state in row.months],
                    _money(row.paid_in_year),
                    str(len(row.standing.unpaid)),
                    _money(row.standing.unpaid_amount),
                    str(row.standing.behind),
                ]
            )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return writer.streaming_response(
            f"{org.name}-{year}年党费台账-{stamp}.xlsx",
            ascii_filename=f"dues-{org.code}-{year}.xlsx",
        )
    return render(
        request,
        "dues/ledger.html",
        {
            "org": org,
            "ledger": book,
            "year": year,
            "previous_year": year - 1,
            "next_year": year + 1 if year < timezone.localdate().year else None,
            "behind_months": BEHIND_MONTHS,
            "month_numbers": range(1, 13),
        },
    )


@login_required
def town(request: AuthedRequest, code: str) -> HttpResponseBase:
    """The roll-up of a town (or any org above branches): sums per branch, no one's amount."""
    org = get_ledger_org(request.user, code)
    month = _month(request)
    rows = rollup(org, month)
    total = rollup_total(rows, org)
    if request.GET.get("format") == "xlsx":
        writer = XlsxWriter()
        sheet = writer.sheet(
            f"{month}党费",
            ["党组织", "组织代码", "在册党员", "已核定", "应交人数", "已交人数", "按时交纳",
             "按时交纳率（%）", "应交金额（元）", "实交金额（元）",
             f"连续{BEHIND_MONTHS}个月未交", "免交人数"],
            widths=[28, 12, 8, 8, 8, 8, 8, 12, 12, 12, 12, 8],
        )  # fmt: skip
        for r in [*rows, total]:
            rate = r.on_time_rate
            sheet.append(
                [
                    "合计" if r is total else r.org.name,
                    "" if r is total else r.org.code,
                    str(r.members),
                    str(r.assessed),
                    str(r.owing),
                    str(r.paid),
                    str(r.on_time),
                    "" if rate is None else f"{rate:.1f}",
                    _money(r.due_amount),
                    _money(r.paid_amount),
                    str(r.behind),
                    str(r.exempt),
                ]
            )
        return writer.streaming_response(
            f"{org.name}-{month}党费汇总.xlsx", ascii_filename=f"dues-{org.code}-{month}.xlsx"
        )
    return render(
        request,
        "dues/town.html",
        {
            "org": org,
            "rows": rows,
            "total": total,
            "month": month,
            "previous": month.previous(),
            "next": month.next() if month < Month.of(timezone.localdate()) else None,
            "behind_months": BEHIND_MONTHS,
            "branch_kinds": MEMBER_ORG_KINDS,
        },
    )


def _member_page(
    request: AuthedRequest,
    pk: int,
    *,
    assess_form: AssessForm | None = None,
    pay_form: PayForm | None = None,
) -> HttpResponse:
    member, may_record = get_dues_member(request.user, pk)
    assessments, payments, standing = member_standing(member)
    today = timezone.localdate()
    rule = rule_for(member.org, today) if may_record else None
    return render(
        request,
        "dues/member.html",
        {
            "member": member,
            "may_record": may_record,
            "assessments": sorted(assessments.values(), key=lambda a: -a.year),
            "payments": payments,
            "standing": standing,
            "behind_months": BEHIND_MONTHS,
            "rule": rule,
            "rule_text": {
                "in_work": calc.describe(rule.brackets.get(DuesCategory.IN_WORK, [])),
                "retired": calc.describe(rule.brackets.get(DuesCategory.RETIRED, [])),
            }
            if rule
            else None,
            "assess_form": assess_form or AssessForm(),
            "pay_form": pay_form or PayForm(),
        },
        status=400 if (assess_form or pay_form) else 200,
    )


@login_required
def member(request: AuthedRequest, pk: int) -> HttpResponse:
    return _member_page(request, pk)


@login_required
@require_POST
def assess(request: AuthedRequest, pk: int) -> HttpResponse:
    member, may_record = get_dues_member(request.user, pk)
    if not may_record:
        raise PermissionDenied("您不能核定该党员的党费")
    form = AssessForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            a = services.dues_assess(
                actor=actor_of(request), member=member, year=d["year"],
                category=d["category"], base_income=d["base_income"],
                exempt_reason=d["exempt_reason"], exempt_approved_on=d["exempt_approved_on"],
                exempt_decision=d["exempt_decision"],
            )  # fmt: skip
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"已登记 {a.year} 年经批准免交党费"
                if a.exempt
                else f"已核定 {a.year} 年党费：每月 {a.monthly_amount} 元",
            )
            return redirect("dues:member", pk=member.pk)
    return _member_page(request, pk, assess_form=form)


@login_required
@require_POST
def pay(request: AuthedRequest, pk: int) -> HttpResponse:
    member, may_record = get_dues_member(request.user, pk)
    if not may_record:
        raise PermissionDenied("您不能登记该党员的党费")
    form = PayForm(request.POST)
    if form.is_valid():
        months = form.months()
        if months:
            d = form.cleaned_data
            try:
                rows = services.dues_pay(
                    actor=actor_of(request), member=member, months=months,
                    paid_on=d["paid_on"], method=d["method"], reference=d["reference"],
                )  # fmt: skip
            except Refused as exc:
                form.add_error(
                    "month_from" if exc.field == "months" else
                    (exc.field if exc.field in form.fields else None), exc.message,
                )  # fmt: skip
            else:
                total = sum((r.amount for r in rows), Decimal(0))
                messages.success(request, f"已登记 {len(rows)} 个月党费，共 {total} 元")
                return redirect("dues:member", pk=member.pk)
    return _member_page(request, pk, pay_form=form)


@login_required
@require_POST
def cancel_payment(request: AuthedRequest, pk: int, payment_pk: int) -> HttpResponse:
    member, may_record = get_dues_member(request.user, pk)
    if not may_record:
        raise PermissionDenied("您不能更改该党员的党费记录")
    payment = DuesPayment.objects.filter(pk=payment_pk, member=member).first()
    if payment is None:
        raise Http404("找不到该交纳记录")
    try:
        services.dues_payment_cancel(
            actor=actor_of(request), payment=payment, reason=request.POST.get("reason", "")
        )
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销 {payment.month:%Y-%m} 的交纳记录")
    return redirect("dues:member", pk=member.pk)


@login_required
def rules(request: AuthedRequest) -> HttpResponse:
    found = rules_visible_to(request.user)
    return render(
        request,
        "dues/rules.html",
        {
            "rules": [
                (
                    r,
                    calc.describe(r.brackets.get(DuesCategory.IN_WORK, [])),
                    calc.describe(r.brackets.get(DuesCategory.RETIRED, [])),
                )
                for r in found
            ],
            "can_create": holds_any(request.user, ORG_ADMIN_ROLES),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: AuthedRequest) -> HttpResponse:
    if not holds_any(request.user, ORG_ADMIN_ROLES):
        raise PermissionDenied("只有县、乡镇党委的组织管理员可以制定党费标准")
    orgs = (
        orgs_managed_by(request.user, ORG_ADMIN_ROLES)
        .filter(kind__in=services.RULE_ORG_KINDS)
        .order_by("path")
    )
    form = RuleForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            brackets = {
                DuesCategory.IN_WORK.value: calc.parse_brackets(d["in_work"], "在职党员"),
                DuesCategory.RETIRED.value: calc.parse_brackets(d["retired"], "离退休党员"),
            }
        except Refused as exc:
            field = "in_work" if "在职" in exc.message else "retired"
            form.add_error(field, exc.message)
        else:
            try:
                rule = services.dues_rule_create(
                    actor=actor_of(request), org=d["org"], effective_from=d["effective_from"],
                    brackets=brackets,
                    fixed={k: str(d[k]) for k in ("student", "unemployed", "subsistence")},
                    note=d["note"],
                )  # fmt: skip
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    f"已制定{rule.org.name} {rule.effective_from:%Y-%m-%d} 起执行的党费标准",
                )
                return redirect("dues:rules")
    return render(request, "dues/rule_new.html", {"form": form}, status=400 if form.errors else 200)
