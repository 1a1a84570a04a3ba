"""量化考评方案: create (from the 五个好 template), edit while a draft, activate, revise.

A scheme in use is never edited in place: revising makes a draft copy with the next version
number, and activating the copy retires the old one in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from xianfeng.assessment.enums import SCHEME_MACHINE, ItemRule, SchemeState
from xianfeng.assessment.models import Scheme, SchemeItem
from xianfeng.assessment.rules import may_manage_scheme
from xianfeng.assessment.scoring import parse_bands, validate_item
from xianfeng.audit.services import audit_log
from xianfeng.common import indicators
from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.text import clean_text
from xianfeng.common.transitions import transition
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


@dataclass(frozen=True)
class ItemData:
    heading: str
    name: str
    points: Decimal
    rule: str
    indicator: str = ""
    full_at: float | None = None
    zero_at: float | None = 0.0
    per_case: Decimal | None = None
    guidance: str = ""


# The 五个好 template: computed items where an app measures the thing, evidence and
# deductions where only people can judge. Items whose indicator is not registered in this
# installation are left out; the county adjusts the draft before activating it.
TEMPLATE = (
    ItemData("领导班子好", "班子建设与书记抓党建", Decimal(15), ItemRule.EVIDENCE,
             guidance="书记述职、班子分工、书记讲党课等材料"),
    ItemData("党员队伍好", "参学率", Decimal(15), ItemRule.COMPUTED, "lessons.participation",
             90, 30, guidance="参学率达 90% 得满分，30% 及以下不得分，其间按比例"),
    ItemData("党员队伍好", "每人讲一课", Decimal(10), ItemRule.COMPUTED, "lessons.speakers",
             50, 0, guidance="本年讲过微党课的党员占比达 50% 得满分"),
    ItemData("工作机制好", "三会一课", Decimal(20), ItemRule.COMPUTED, "meetings.completion",
             100, 60, guidance="三会一课完成率 100% 得满分，60% 及以下不得分"),
    # 组织生活会 整改清单: items still open past their deadline at the month's end.
    ItemData("工作机制好", "整改落实", Decimal(5), ItemRule.COMPUTED,
             "meetings.rectification_overdue", 0, 2,
             guidance="月末没有逾期未销号的整改事项得满分，逾期 1 项得一半，2 项及以上不得分"),
    ItemData("工作业绩好", "重点任务完成情况", Decimal(20), ItemRule.EVIDENCE,
             guidance="上传年度重点任务的完成材料，由考评人员评分"),
    ItemData("群众反映好", "群众满意度", Decimal(10), ItemRule.EVIDENCE,
             guidance="群众测评、走访记录等材料"),
    ItemData("群众反映好", "违反纪律与群众投诉", Decimal(5), ItemRule.DEDUCTION,
             per_case=Decimal(5), guidance="每查实一起扣 5 分，扣完为止，需写明事由"),
)  # fmt: skip


def _check_manager(actor: User, org: Org) -> None:
    if not may_manage_scheme(actor, org):
        raise Refused("只有本级或上级党委的组织管理员可以制定考评方案")


def scheme_create(*, actor: User, org: Org, year: int, name: str = "") -> Scheme:
    """A draft scheme for `org` and `year` from the 五个好 template (or the next version of
    an existing one, copied, when the year already has one)."""
    _check_manager(actor, org)
    if org.kind in (OrgKind.BRANCH, OrgKind.GROUP):
        raise Refused("考评方案由党委（党工委）制定，党支部不能制定")
    if not 2000 <= year <= 2100:
        raise BadInput("年度应在 2000 到 2100 之间", field="year")
    latest = Scheme.objects.filter(org=org, year=year).order_by("-version").first()
    if latest is not None:
        return scheme_revise(actor=actor, scheme=latest, note="")
    known = {i.code for i in indicators.registered()}
    with transaction.atomic():
        scheme = Scheme.objects.create(
            org=org,
            year=year,
            name=clean_text(name)[:100] or f"{org.name}{year}年度党支部量化考评方案",
            created_by=actor,
        )
        SchemeItem.objects.bulk_create(
            _item(scheme, data, order)
            for order, data in enumerate(TEMPLATE)
            if data.rule != ItemRule.COMPUTED or data.indicator in known
        )
        audit_log(actor=actor, action="scheme.create", obj=scheme, org=org, data={"year": year})
    return scheme


def _item(scheme: Scheme, data: ItemData, order: int) -> SchemeItem:
    return SchemeItem(
        scheme=scheme,
        heading=data.heading,
        name=data.name,
        points=data.points,
        rule=data.rule,
        indicator=data.indicator if data.rule == ItemRule.COMPUTED else "",
        full_at=data.full_at if data.rule == ItemRule.COMPUTED else None,
        zero_at=data.zero_at if data.rule == ItemRule.COMPUTED else None,
        per_case=data.per_case if data.rule == ItemRule.DEDUCTION else None,
        guidance=data.guidance,
        sort_order=order,
    )


def _draft(actor: User, scheme: Scheme) -> Scheme:
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    _check_manager(actor, scheme.org)
    if not scheme.editable:
        raise Refused("方案已启用，不能直接修改；请先“修订”生成新版本")
    return scheme


def item_add(*, actor: User, scheme: Scheme, data: ItemData) -> SchemeItem:
    known = {i.code for i in indicators.registered()}
    problems = validate_item(
        rule=data.rule,
        points=data.points,
        indicator=data.indicator,
        full_at=data.full_at,
        zero_at=data.zero_at,
        per_case=data.per_case,
        known_indicators=known,
    )
    if not clean_text(data.heading) or not clean_text(data.name):
        problems.insert(0, "请填写分组和考评内容")
    if problems:
        raise BadInput("；".join(problems))
    with transaction.atomic():
        scheme = _draft(actor, scheme)
        last = scheme.items.aggregate(n=Max("sort_order"))["n"]
        clean = ItemData(
            **{
                **data.__dict__,
                "heading": clean_text(data.heading)[:40],
                "name": clean_text(data.name)[:100],
                "guidance": clean_text(data.guidance)[:300],
            }
        )
        item = _item(scheme, clean, (last or 0) + 1)
        item.save()
    return item


def item_remove(*, actor: User, scheme: Scheme, item_id: int) -> None:
    with transaction.atomic():
        scheme = _draft(actor, scheme)
        deleted, _ = scheme.items.filter(pk=item_id).delete()
        if not deleted:
            raise BadInput("该考评项目已不存在（可能已被删除）")


def scheme_activate(*, actor: User, scheme: Scheme) -> Scheme:
    """Put a draft in force; the version it revises (if active) is retired with it."""
    with transaction.atomic():
        scheme = _draft(actor, scheme)
        total = sum((i.points for i in scheme.items.all()), Decimal(0))
        if total != 100:
            raise Refused(f"各项分值合计应为 100 分，现在是 {total.normalize():f} 分")
        for active in Scheme.objects.select_for_update().filter(
            org=scheme.org, year=scheme.year, state=SchemeState.ACTIVE
        ):
            transition(active, SCHEME_MACHINE, SchemeState.RETIRED, actor=actor, org=active.org)
        try:
            with transaction.atomic():
                return transition(
                    scheme,
                    SCHEME_MACHINE,
                    SchemeState.ACTIVE,
                    actor=actor,
                    org=scheme.org,
                    fields={"activated_at": timezone.now()},
                    data={"year": scheme.year, "version": scheme.version},
                )
        except IntegrityError:  # another version activated at the same moment
            raise Refused("本年度已有启用中的方案，请刷新后再试") from None


def scheme_revise(*, actor: User, scheme: Scheme, note: str) -> Scheme:
    """A draft copy of `scheme` with the next version number (or the draft that exists)."""
    _check_manager(actor, scheme.org)
    with transaction.atomic():
        draft = Scheme.objects.filter(
            org=scheme.org, year=scheme.year, state=SchemeState.DRAFT
        ).first()
        if draft is not None:
            return draft
        latest = (
            Scheme.objects.select_for_update()
            .filter(org=scheme.org, year=scheme.year)
            .aggregate(n=Max("version"))["n"]
        )
        copy = Scheme.objects.create(
            org=scheme.org,
            year=scheme.year,
            version=(latest or 0) + 1,
            name=scheme.name,
            based_on=scheme,
            change_note=clean_text(note)[:200],
            created_by=actor,
            grade_bands=scheme.grade_bands,
            standard_min=scheme.standard_min,
            benchmark_min=scheme.benchmark_min,
        )
        items = list(scheme.items.all())
        for item in items:
            item.pk = None
            item.scheme = copy
        SchemeItem.objects.bulk_create(items)
        audit_log(
            actor=actor,
            action="scheme.revise",
            obj=copy,
            org=copy.org,
            data={"from_version": scheme.version, "version": copy.version},
        )
    return copy


def scheme_grades_set(
    *, actor: User, scheme: Scheme, bands: str, standard_min: Decimal, benchmark_min: Decimal
) -> Scheme:
    """The year's grade bands (等次), the line for 达标 and the one for 标杆支部, while a
    draft."""
    try:
        parsed = parse_bands(bands)
    except ValueError as exc:
        raise BadInput(str(exc), field="bands") from None
    for value, label in ((standard_min, "达标线"), (benchmark_min, "标杆支部分数线")):
        if not 0 <= value <= 100:
            raise BadInput(f"{label}应在 0 到 100 之间")
    with transaction.atomic():
        scheme = _draft(actor, scheme)
        scheme.grade_bands = ",".join(f"{label}:{low.normalize():f}" for label, low in parsed)
        scheme.standard_min = standard_min
        scheme.benchmark_min = benchmark_min
        scheme.save(update_fields=["grade_bands", "standard_min", "benchmark_min"])
        audit_log(
            actor=actor,
            action="scheme.grades",
            obj=scheme,
            org=scheme.org,
            data={"bands": scheme.grade_bands, "standard": str(standard_min)},
        )
    return scheme
