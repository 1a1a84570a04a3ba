"""Demo 党费 for `make run`: the county's rule (the national brackets) since the start of
last year, this year's 核定 for the secretary persona's branch, and payments for the past
few months — one member never paid this year (flagged once six months pass)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.dues import services
from xianfeng.dues.calc import DEFAULT_BRACKETS, DEFAULT_FIXED, owes_in
from xianfeng.dues.enums import DuesCategory, PaymentMethod
from xianfeng.dues.models import owed_amounts
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.people.models import Member, User

# (category, monthly income) in turn for the branch's members.
PROFILES = [
    (DuesCategory.IN_WORK, Decimal("4800")),
    (DuesCategory.RETIRED, Decimal("3600")),
    (DuesCategory.IN_WORK, Decimal("2800")),
    (DuesCategory.IN_WORK, Decimal("7200")),
    (DuesCategory.STUDENT, None),
    (DuesCategory.RETIRED, Decimal("5600")),
    (DuesCategory.SUBSISTENCE, None),
]


def seed() -> str:
    secretary = User.objects.filter(username="secretary").first()
    admin = User.objects.filter(username="county_admin").first()
    role = Role.objects.filter(user=secretary, kind=RoleKind.SECRETARY).first()
    if secretary is None or admin is None or role is None:
        return "没有演示书记或县管理员，未生成党费。"
    county = Role.objects.filter(user=admin, kind=RoleKind.ADMIN).select_related("org").first()
    if county is None:
        return "县管理员没有管理员角色，未生成党费。"
    today = timezone.localdate()
    services.dues_rule_create(
        actor=admin, org=county.org, effective_from=datetime.date(today.year - 1, 1, 1),
        brackets=DEFAULT_BRACKETS, fixed=DEFAULT_FIXED, note="中组部党费收缴规定（演示）",
    )  # fmt: skip
    members = list(
        Member.objects.filter(org=role.org, left_on__isnull=True)
        .select_related("org")
        .order_by("pk")[:12]
    )
    months = [Month.of(today)]
    while len(months) < 4:
        months.insert(0, months[0].previous())
    months = [m for m in months if m.year == today.year]
    payments = 0
    for i, member in enumerate(members):
        category, income = PROFILES[i % len(PROFILES)]
        assessment = services.dues_assess(
            actor=secretary, member=member, year=today.year, category=category,
            base_income=income,
        )  # fmt: skip
        if i == 2 or not months:
            continue  # one member has not paid this year
        paid = months if i % 3 else months[:-1]
        # Only months the member owes (a larger county's first members may be new ones).
        amounts = owed_amounts([assessment])
        paid = [
            m for m in paid
            if owes_in(m, amounts=amounts, joined_on=member.joined_on, left_on=member.left_on)
        ]  # fmt: skip
        for month in paid:
            services.dues_pay(
                actor=secretary, member=member, months=[month],
                paid_on=min(today, month.first + datetime.timedelta(days=9)),
                method=PaymentMethod.TRANSFER if i % 2 else PaymentMethod.CASH,
                reference=f"ZZ{month.year}{month.month:02d}{member.pk:05d}" if i % 2 else "",
            )  # fmt: skip
            payments += 1
    return f"党费：1 个标准，{len(members)} 人核定，{payments} 笔交纳"
