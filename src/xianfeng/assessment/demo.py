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
    scheme = scheme_create(actor=admin, org=county.org, year=today.year)
    scheme_activate(actor=admin, scheme=scheme)
    others = Org.objects.filter(parent=town, kind=OrgKind.BRANCH).exclude(pk=home.org.pk)
    branches = [home.org, *others.order_by("path")[: BRANCHES - 1]]
    rng = random.Random(2026)
    checks = 0
    this = Month.of(today)
    for number in range(1, this.month):
        month = Month(today.year, number)
        for index, branch in enumerate(branches):
            # One branch in the town misses a month now and then (counted 0 in its quarter).
            if index == len(branches) - 1 and number % 4 == 0:
                continue
            _self_check(secretary if branch == home.org else admin, branch, month, rng)
            checks += 1
    # This month: the persona's branch has started, not yet submitted.
    started = selfcheck_start(actor=secretary, org=home.org, month=this)
    spot = ""
    first = Month(today.year, 1)
    if this.month > 1:
        sample = spotcheck_create(actor=admin, org=town, month=first, size=min(2, len(branches)))
        picked = list(sample.checks.all())
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
        if 3 * quarter >= this.month:
            break
        bulletin = bulletin_draft(actor=admin, org=town, year=today.year, quarter=quarter)
        rows = list(bulletin.rows.order_by("rank"))
        bulletin_comment(
            actor=admin,
            bulletin=bulletin,
            comment="各支部能按时自查，三会一课和学习参与情况总体较好；排名靠后的支部请对照扣分项整改。",
            rows={rows[0].pk: "各项工作扎实，材料齐全"} if rows else {},
        )
        bulletin_publish(actor=admin, bulletin=bulletin)
        published += 1
    return (
        f"量化考评：{len(branches)} 个支部自查 {checks} 次{spot}，"
        f"季度通报 {published} 期，本月自查 #{started.pk} 填报中"
    )


def _self_check(actor: User, branch: Org, month: Month, rng: random.Random) -> SelfCheck:
    """A month's 自查: computed items from the figures, evidence items self-scored with a
    link each, now and then a deduction with its reason; then submitted."""
    check = selfcheck_start(actor=actor, org=branch, month=month)
    lines = list(check.lines.select_related("item"))
    evidence = []
    for line in lines:
        item = line.item
        if item.rule == ItemRule.EVIDENCE:
            line.self_score = (item.points * Decimal(rng.uniform(0.7, 1.0))).quantize(TENTH)
            line.note = "已按要求开展，材料见链接"
            evidence.append(
                Evidence(line=line, link=EVIDENCE_LINK, name="工作台账", uploaded_by=actor)
            )
        elif item.rule == ItemRule.DEDUCTION and rng.random() < 0.15:
            line.cases = 1
            line.self_score = max(Decimal(0), item.points - (item.per_case or Decimal(0)))
            line.note = "群众反映办事拖沓一起，已整改"
    CheckLine.objects.bulk_update(lines, ["self_score", "cases", "note"])
    Evidence.objects.bulk_create(evidence)
    return selfcheck_submit(actor=actor, check=check)
