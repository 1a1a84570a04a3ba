"""Demo figures: the last twelve months computed from whatever the other apps seeded, and
the county's 量化考评 for this year: a scheme, the secretary persona's town's monthly
自查 (computed items from the figures, evidence scored), a spot check and the 通报 of every
quarter already over. Kept small (one town, at most four branches) so the seed stays fast."""

from __future__ import annotations

import random
from decimal import Decimal

from django.utils import timezone

from xianfeng.assessment.enums import ItemRule
from xianfeng.assessment.models import CheckLine, Evidence, SelfCheck
from xianfeng.assessment.scoring import TENTH
from xianfeng.assessment.services import facts_compute
from xianfeng.assessment.services.bulletins import (
    bulletin_comment,
    bulletin_draft,
    bulletin_publish,
)
from xianfeng.assessment.services.checks import (
    line_adjust,
    selfcheck_start,
    selfcheck_submit,
    spotcheck_create,
    spotcheck_finish,
)
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common.indicators import Month
from xianfeng.orgs.enums import OrgKind, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.models import User

BRANCHES = 4  # the seed must stay fast: about 0.1 s per month's self-check
EVIDENCE_LINK = "https://www.12371.cn/"


def seed() -> str:
    month = Month.of(timezone.localdate())
    facts = 0
    for _ in range(12):
        facts += facts_compute(month=month).facts
        month = month.previous()
    return f"指标：近 12 个月 {facts} 条；" + seed_cycle()


def seed_cycle() -> str:
    admin = User.objects.filter(username="county_admin").first()
    secretary = User.objects.filter(username="secretary").first()
    if admin is None or secretary is None:
        return "没有演示管理员或书记，未生成量化考评。"
    county = Role.objects.filter(user=admin, kind=RoleKind.ADMIN).select_related("org").first()
    home = (
        Role.objects.filter(user=secretary, kind=RoleKind.SECRETARY).select_related("org").first()
    )
    if county is None or home is None or home.org.parent_id is None:
        return "演示账号没有相应角色，未生成量化考评。"
    town = Org.objects.get(pk=home.org.parent_id)
    today = timezone.localdate()
    others = Org.objects.filter(parent=town, kind=OrgKind.BRANCH).exclude(pk=home.org.pk)
    branches = [home.org, *others.order_by("path")[: BRANCHES - 1]]
    rng = random.Random(2026)
    # Last year, whole: twelve self-checks, four 通报 and the annual grades (标杆支部).
    last = _year(admin, county.org, town, branches, home.org, secretary, today.year - 1, 13, rng)
    year = bulletin_draft(actor=admin, org=town, year=today.year - 1, quarter=0)
    bulletin_comment(
        actor=admin,
        bulletin=year,
        comment="全年各支部坚持月度自查，三会一课规范开展；标杆支部要发挥示范作用，"
        "未达标的支部要对照扣分项逐项整改。",
        rows={},
    )
    bulletin_publish(actor=admin, bulletin=year)
    rows = list(year.rows.order_by("rank"))
    benchmarks = sum(1 for r in rows if r.benchmark)
    # This year, so far: the months over, the quarters' 通报, this month's self-check begun.
    this = Month.of(today)
    checks, spot, published = _year(
        admin, county.org, town, branches, home.org, secretary, today.year, this.month, rng
    )
    started = selfcheck_start(actor=secretary, org=home.org, month=this)
    return (
        f"量化考评：{today.year - 1} 年 {len(branches)} 个支部自查 {last[0]} 次，"
        f"年度通报已发布（标杆支部 {benchmarks} 个）；"
        f"{today.year} 年自查 {checks} 次{spot}，"
        f"季度通报 {published} 期，本月自查 #{started.pk} 填报中"
    )


def _year(
    admin: User,
    county: Org,
    town: Org,
    branches: list[Org],
    home: Org,
    secretary: User,
    year: int,
    until: int,
    rng: random.Random,
) -> tuple[int, str, int]:
    """The county's scheme for `year`, the town's self-checks for the months before `until`
    (13: all twelve), January's spot check and the 通报 of every quarter over; the count of
    self-checks, a note on the spot check and the count of 通报."""
    scheme = scheme_create(actor=admin, org=county, year=year)
    scheme_activate(actor=admin, scheme=scheme)
    checks = 0
    for number in range(1, until):
        month = Month(year, number)
        for index, branch in enumerate(branches):
            # One branch in the town misses a month now and then (counted 0 in its quarter).
            if index == len(branches) - 1 and number % 4 == 0:
                continue
            # The persona's branch works to the 标杆 line; the others vary.
            floor = 0.96 if branch == home else 0.7
            _self_check(secretary if branch == home else admin, branch, month, rng, floor)
            checks += 1
    spot = ""
    if until > 1:
        sample = spotcheck_create(
            actor=admin, org=town, month=Month(year, 1), size=min(2, len(branches))
        )
        picked = [c for c in sample.checks.all() if c.org_id != home.pk] or list(
            sample.checks.all()
        )
        line = (
            CheckLine.objects.filter(selfcheck=picked[0], item__rule=ItemRule.EVIDENCE)
            .order_by("item__sort_order")
            .first()
        )
        if line is not None and line.self_score:
            line_adjust(
                actor=admin,
                line=line,
                score=max(Decimal(0), line.self_score - 2),
                reason="佐证材料不完整，扣 2 分",
            )
        spotcheck_finish(actor=admin, check=picked[0])
        spot = f"，1 月抽查 {sample.size} 个"
    published = 0
    for quarter in range(1, 5):
        if 3 * quarter >= until:
            break
        bulletin = bulletin_draft(actor=admin, org=town, year=year, quarter=quarter)
        rows = list(bulletin.rows.order_by("rank"))
        bulletin_comment(
            actor=admin,
            bulletin=bulletin,
            comment="各支部能按时自查，三会一课和学习参与情况总体较好；排名靠后的支部请对照扣分项整改。",
            rows={rows[0].pk: "各项工作扎实，材料齐全"} if rows else {},
        )
        bulletin_publish(actor=admin, bulletin=bulletin)
        published += 1
    return checks, spot, published


def _self_check(
    actor: User, branch: Org, month: Month, rng: random.Random, floor: float = 0.7
) -> SelfCheck:
    """A month's 自查: computed items from the figures, evidence items self-scored with a
    link each, now and then a deduction with its reason; then submitted."""
    check = selfcheck_start(actor=actor, org=branch, month=month)
    lines = list(check.lines.select_related("item"))
    evidence = []
    for line in lines:
        item = line.item
        if item.rule == ItemRule.EVIDENCE:
            line.self_score = (item.points * Decimal(rng.uniform(floor, 1.0))).quantize(TENTH)
            line.note = "已按要求开展，材料见链接"
            evidence.append(
                Evidence(line=line, link=EVIDENCE_LINK, name="工作台账", uploaded_by=actor)
            )
        elif item.rule == ItemRule.DEDUCTION and floor < 0.9 and rng.random() < 0.15:
            line.cases = 1
            line.self_score = max(Decimal(0), item.points - (item.per_case or Decimal(0)))
            line.note = "群众反映办事拖沓一起，已整改"
    CheckLine.objects.bulk_update(lines, ["self_score", "cases", "note"])
    Evidence.objects.bulk_create(evidence)
    return selfcheck_submit(actor=actor, check=check)
