"""月度自查 and 抽查: a branch fills its month against the scheme in force (computed items
pre-filled from the fact table, evidence for the rest, deductions with their reasons) and
submits it; the town spot-checks a sample and adjusts scores with a reason, each change
kept as an Adjustment beside the branch's own score."""

from __future__ import annotations

import datetime
import hashlib
import random
import uuid
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xianfeng.assessment import selectors
from xianfeng.assessment.enums import (
    SELFCHECK_DUE_KIND,
    SELFCHECK_MACHINE,
    SELFCHECK_RETURNED_KIND,
    CheckState,
    ItemRule,
    SchemeState,
)
from xianfeng.assessment.models import (
    Adjustment,
    CheckLine,
    CheckReturn,
    Evidence,
    Scheme,
    SelfCheck,
    SelfCheckReminder,
    SpotCheck,
)
from xianfeng.assessment.rules import may_fill, may_manage_scheme, may_spot_check
from xianfeng.assessment.scoring import TENTH, deduction_score, month_score
from xianfeng.audit.services import audit_log
from xianfeng.common import records
from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.common.text import clean_text, visible_length
from xianfeng.common.transitions import transition
from xianfeng.notify.services import notify
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES, OrgKind
from xianfeng.orgs.models import Org, Role, subtree_q
from xianfeng.people.models import User

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_PER_LINE = 10
DUE_DAY = 5  # a month's 自查 is due by the 5th of the next month
REMIND_FROM_DAY = 25  # reminders that it is due start on the 25th
# What a file's first bytes say it is, and the type it is served as.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
OFFICE = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def scheme_for(org: Org, year: int) -> Scheme | None:
    """The active scheme of the nearest org above (or at) `org` for the year."""
    ids = [*org.ancestor_ids(), org.pk]
    found = list(
        Scheme.objects.filter(org_id__in=ids, year=year, state=SchemeState.ACTIVE).select_related(
            "org"
        )
    )
    found.sort(key=lambda s: len(s.org.path), reverse=True)
    return found[0] if found else None


def _locked(check: SelfCheck) -> SelfCheck:
    return (
        # Only the self-check's row: its spot check is an outer join PostgreSQL cannot lock.
        SelfCheck.objects.select_for_update(of=("self",))
        .select_related("org", "scheme", "spot_check")
        .get(pk=check.pk)
    )


def _lines(check: SelfCheck) -> list[CheckLine]:
    return list(check.lines.select_related("item").order_by("item__sort_order", "item_id"))


def _fill_computed(check: SelfCheck, lines: list[CheckLine]) -> None:
    """Computed items from the fact table, with the link to the records behind each."""
    sheet = selectors.score_sheet(check.scheme, check.org, Month.of(check.month))
    by_item = {line.item.pk: line for line in sheet.lines}
    changed = []
    for line in lines:
        if line.item.rule != ItemRule.COMPUTED:
            continue
        computed = by_item.get(line.item.pk)
        if computed is None:
            continue
        line.value = computed.figure.value if computed.figure else None
        line.self_score = computed.score
        line.records_url = (computed.evidence or "")[:300]
        changed.append(line)
    CheckLine.objects.bulk_update(changed, ["value", "self_score", "records_url"])


def _rescore(check: SelfCheck, lines: list[CheckLine]) -> None:
    check.score = month_score([(line.item.points, line.final) for line in lines])
    SelfCheck.objects.filter(pk=check.pk).update(score=check.score)


def selfcheck_start(*, actor: User, org: Org, month: Month) -> SelfCheck:
    """The branch's self-check for `month` (made and pre-filled the first time; the one
    that exists otherwise, so a double click makes one)."""
    if org.kind != OrgKind.BRANCH:
        raise Refused("月度自查以党支部为单位填报", field="org")
    if not may_fill(actor, org):
        raise PermissionDenied("只有本支部书记、组织委员或上级管理员可以填报自查")
    if month > Month.of(timezone.localdate()):
        raise Refused("不能填报尚未开始的月份", field="month")
    existing = SelfCheck.objects.filter(org=org, month=month.first).first()
    if existing is not None:
        return existing
    scheme = scheme_for(org, month.year)
    if scheme is None:
        raise Refused(f"上级党委尚未启用 {month.year} 年度的量化考评方案")
    items = list(scheme.items.all())
    try:
        with transaction.atomic():
            check = SelfCheck.objects.create(
                scheme=scheme, org=org, month=month.first, created_by=actor
            )
            lines = CheckLine.objects.bulk_create(
                CheckLine(
                    selfcheck=check,
                    item=item,
                    # 扣分项 start at full marks: nothing deducted until a case is entered.
                    self_score=item.points if item.rule == ItemRule.DEDUCTION else None,
                )
                for item in items
            )
            for line, item in zip(lines, items, strict=True):
                line.item = item
            check.scheme = scheme
            _fill_computed(check, lines)
            _rescore(check, lines)
            audit_log(
                actor=actor,
                action="selfcheck.create",
                obj=check,
                org=org,
                data={"month": str(month), "scheme": scheme.pk},
            )
    except IntegrityError:  # made by a second click at the same moment
        return SelfCheck.objects.get(org=org, month=month.first)
    return check


def _draft(actor: User, check: SelfCheck) -> SelfCheck:
    check = _locked(check)
    if not may_fill(actor, check.org):
        raise PermissionDenied("只有本支部书记、组织委员或上级管理员可以填报自查")
    if not check.editable:
        raise Refused(f"自查已{check.get_state_display()}，不能再修改")
    return check


def selfcheck_refresh(*, actor: User, check: SelfCheck) -> SelfCheck:
    """Take the computed items again from the latest figures."""
    with transaction.atomic():
        check = _draft(actor, check)
        lines = _lines(check)
        _fill_computed(check, lines)
        _rescore(check, lines)
    return check


def _score(text: object, points: Decimal) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise Refused("得分应为数字，如 8 或 8.5", field="score") from None
    if not value.is_finite() or not 0 <= value <= points:
        raise Refused(f"得分应在 0 到 {points.normalize():f} 分之间", field="score")
    return value.quantize(TENTH)


def line_save(
    *, actor: User, line: CheckLine, score: object = None, cases: int = 0, note: str = ""
) -> CheckLine:
    """The branch's own entry for an item: a score for an evidence item, the number of
    cases (with their reasons) for a deduction, a note for any."""
    note = clean_text(note)[:2000]
    with transaction.atomic():
        check = _draft(actor, line.selfcheck)
        line = CheckLine.objects.select_related("item").get(pk=line.pk, selfcheck=check)
        item = line.item
        if item.rule == ItemRule.EVIDENCE:
            line.self_score = None if score in (None, "") else _score(score, item.points)
        elif item.rule == ItemRule.DEDUCTION:
            if not 0 <= cases <= 100:
                raise Refused("扣分次数应在 0 到 100 之间", field="cases")
            if cases and visible_length(note) < 4:
                raise Refused("有扣分的，请写明每次扣分的事由", field="note")
            line.cases = cases
            line.self_score = deduction_score(
                points=item.points, per_case=item.per_case or Decimal(0), cases=cases
            )
        line.note = note
        line.save(update_fields=["self_score", "cases", "note"])
        _rescore(check, _lines(check))
    return line


def _sniff(head: bytes, name: str) -> tuple[str, str]:
    for magic, content_type, suffix in SIGNATURES:
        if head.startswith(magic):
            return content_type, suffix
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if head.startswith(b"PK\x03\x04") and suffix in OFFICE:
        return OFFICE[suffix], suffix
    raise Refused("只能上传 PDF、JPG、PNG 或 Word/Excel/PPT（docx、xlsx、pptx）文件", field="file")


class DuplicateEvidence(Refused):
    """The same file (or link) is already on the item: nothing stored a second time."""

    def __init__(self, message: str, *, existing: Evidence | None = None) -> None:
        super().__init__(message, field="file")
        self.existing = existing


def _duplicate(
    line: CheckLine, digest: str, is_file: bool, is_record: bool = False
) -> DuplicateEvidence:
    message = "已上传过相同的文件" if is_file else "已添加过相同的链接"
    return DuplicateEvidence(
        "已引用过该记录" if is_record else message,
        existing=Evidence.objects.filter(line=line, digest=digest).first(),
    )


def evidence_add(
    *,
    actor: User,
    line: CheckLine,
    name: str = "",
    link: str = "",
    handle: IO[bytes] | None = None,
    size: int = 0,
    record_kind: str = "",
    record_id: int | None = None,
) -> Evidence:
    """A file (kept private, served only to those who may read the self-check), a link,
    or a record of the platform (a meeting, a viewing) of the branch's own that the actor
    may see, found through its owning app's selector (common/records)."""
    link = link.strip()
    given = sum((handle is not None, bool(link), bool(record_kind)))
    if not given:
        raise Refused("请选择文件、填写链接或选择平台记录", field="file")
    if given > 1:
        raise Refused("文件、链接和平台记录请分开添加", field="link")
    content = b""
    content_type = suffix = ""
    kind = None
    if record_kind:
        kind = records.get(record_kind)
        if kind is None or not kind.evidence or record_id is None:
            raise Refused("找不到该记录，只能引用本支部的记录", field="record")
    elif handle is not None:
        if size > MAX_EVIDENCE_BYTES:
            raise Refused("文件不能超过 10 MB", field="file")
        content = handle.read(MAX_EVIDENCE_BYTES + 1)
        if not content:
            raise Refused("文件是空的", field="file")
        if len(content) > MAX_EVIDENCE_BYTES:
            raise Refused("文件不能超过 10 MB", field="file")
        content_type, suffix = _sniff(content[:16], name)
    else:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise Refused("链接应以 http:// 或 https:// 开头", field="link") from None
        if len(link) > 500:
            raise Refused("链接太长（最多 500 个字符）", field="link")
    label = clean_text(name, multiline=False).strip()[:100] or (
        "佐证材料" if handle is not None else link[:100]
    )
    if kind is not None:
        digest = hashlib.sha256(f"record:{kind.code}:{record_id}".encode()).hexdigest()
    else:
        digest = hashlib.sha256(content if content else f"link:{link}".encode()).hexdigest()
    storage: Any = Evidence._meta.get_field("file").storage
    written = ""
    try:
        try:
            with transaction.atomic():
                check = _draft(actor, line.selfcheck)
                line = CheckLine.objects.get(pk=line.pk, selfcheck=check)
                # Under the self-check's row lock: a second request waits for the first.
                if kind is not None:
                    assert record_id is not None
                    # Another branch's record, or one the actor may not see: not found.
                    ref = kind.find(actor, check.org, record_id)
                    if ref is None:
                        raise Refused("找不到该记录，只能引用本支部的记录", field="record")
                    label = label or ref.title[:100]
                if Evidence.objects.filter(line=line, digest=digest).exists():
                    raise _duplicate(line, digest, bool(content), bool(kind))
                if line.evidence.count() >= EVIDENCE_PER_LINE:
                    raise Refused(f"每个项目最多 {EVIDENCE_PER_LINE} 份材料")
                evidence = Evidence(
                    line=line,
                    link=link,
                    name=label,
                    content_type=content_type,
                    size=len(content),
                    record_kind=kind.code if kind is not None else "",
                    record_id=record_id if kind is not None else None,
                    digest=digest,
                    uploaded_by=actor,
                )
                if content:
                    evidence.file.save(
                        f"{uuid.uuid4().hex}{suffix}", ContentFile(content), save=False
                    )
                    written = evidence.file.name or ""
                evidence.save()
                audit_log(
                    actor=actor,
                    action="selfcheck.evidence_add",
                    obj=check,
                    org=check.org,
                    data={
                        "line": line.pk,
                        "evidence": evidence.pk,
                        "name": label,
                        "record": f"{record_kind}:{record_id}" if kind is not None else "",
                    },
                )
        except IntegrityError:  # the unique constraint caught what the lock did not
            raise _duplicate(line, digest, bool(content), bool(kind)) from None
    except BaseException:
        if written:  # the file went in before the row; a failed row leaves nothing behind
            storage.delete(written)
        raise
    return evidence


def evidence_delete(*, actor: User, evidence: Evidence) -> None:
    with transaction.atomic():
        check = _draft(actor, evidence.line.selfcheck)
        name, storage = evidence.file.name, evidence.file.storage
        audit_log(
            actor=actor,
            action="selfcheck.evidence_delete",
            obj=check,
            org=check.org,
            data={"evidence": evidence.pk, "name": evidence.name},
        )
        evidence.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def selfcheck_submit(*, actor: User, check: SelfCheck) -> SelfCheck:
    """The branch secretary submits: computed items taken afresh, every evidence item
    scored with at least one piece of evidence, every deduction with its reasons."""
    with transaction.atomic():
        check = _draft(actor, check)
        lines = _lines(check)
        _fill_computed(check, lines)
        with_evidence = set(
            Evidence.objects.filter(line__selfcheck=check).values_list("line_id", flat=True)
        )
        problems = []
        for line in lines:
            if line.item.rule == ItemRule.EVIDENCE:
                if line.self_score is None:
                    problems.append(f"“{line.item.name}”还没有自评得分")
                elif line.pk not in with_evidence:
                    problems.append(f"“{line.item.name}”还没有上传佐证材料")
        if problems:
            raise Refused("还不能提交：" + "；".join(problems))
        _rescore(check, lines)
        now = timezone.now()
        again = check.state == CheckState.RETURNED
        if again:
            CheckReturn.objects.filter(selfcheck=check, resubmitted_at__isnull=True).update(
                resubmitted_at=now
            )
        return transition(
            check,
            SELFCHECK_MACHINE,
            CheckState.SUBMITTED,
            actor=actor,
            org=check.org,
            fields={"submitted_by": actor, "submitted_at": now},
            data={"month": f"{check.month:%Y-%m}", "score": str(check.score), "again": again},
        )


def selfcheck_return(*, actor: User, check: SelfCheck, reason: str) -> CheckReturn:
    """退回: the town (a manager above the branch) sends a submitted self-check back with
    its reason. The branch may edit it again and resubmit; until then it counts as not
    submitted. The branch's managers (and whoever submitted) are told."""
    reason = clean_text(reason, multiline=False).strip()
    if visible_length(reason) < 4:
        raise Refused("退回须写明理由（至少 4 个字）", field="reason")
    with transaction.atomic():
        check = _locked(check)
        if not may_spot_check(actor, check.org):
            raise PermissionDenied("只有上级党委的书记、组织委员或管理员可以退回自查")
        submitter = check.submitted_by_id
        transition(
            check,
            SELFCHECK_MACHINE,
            CheckState.RETURNED,
            actor=actor,
            org=check.org,
            fields={"submitted_by": None, "submitted_at": None},
            data={"month": f"{check.month:%Y-%m}", "reason": reason[:300]},
        )
        returned = CheckReturn.objects.create(
            selfcheck=check, reason=reason[:300], returned_by=actor, score=check.score
        )
        month = Month.of(check.month)
        notify(
            users=[*_managers(check.org_id), *([submitter] if submitter else [])],
            title=f"{check.org.name} {month.year}年{month.month}月自查被退回",
            body=f"退回理由：{reason[:300]}。请修改后重新提交。",
            url=reverse("assessment:check", kwargs={"pk": check.pk}),
            kind=SELFCHECK_RETURNED_KIND,
            actor=actor,
            org=check.org,
            about=check,
        )
    return returned


def spotcheck_create(
    *,
    actor: User,
    org: Org,
    month: Month,
    size: int | None = None,
    chosen: Iterable[int] = (),
) -> SpotCheck:
    """Pick submitted self-checks of the month below `org`: `size` at random, or the
    `chosen` ones. One spot check per org and month; asking again adds chosen ones to it
    (and draws no second random sample)."""
    if org.kind in (OrgKind.BRANCH, OrgKind.GROUP) or not may_manage_scheme(actor, org):
        raise PermissionDenied("只有上级党委的书记、组织委员或管理员可以抽查")
    wanted = sorted(set(chosen))
    with transaction.atomic():
        pool = list(
            SelfCheck.objects.select_for_update(of=("self",))
            .filter(
                org__path__startswith=org.path,
                month=month.first,
                state=CheckState.SUBMITTED,
                spot_check__isnull=True,
            )
            .exclude(org=org)
            .values_list("pk", flat=True)
        )
        existing = SpotCheck.objects.select_for_update().filter(org=org, month=month.first).first()
        if wanted:
            missing = set(wanted) - set(pool)
            if missing:
                raise Refused("所选自查不在可抽查范围内（未提交、已被抽查或不属于本组织）")
            picked = wanted
        else:
            if existing is not None:
                raise Refused(f"{month} 已随机抽查过；如需再查，请勾选具体支部")
            if size is None or size < 1:
                raise Refused("请填写抽查数量（至少 1 个）", field="size")
            if not pool:
                raise Refused(f"{month} 还没有已提交、待抽查的自查")
            if size > len(pool):
                raise Refused(f"抽查数量不能超过已提交的 {len(pool)} 个", field="size")
            picked = random.SystemRandom().sample(pool, size)
        if existing is None:
            existing = SpotCheck.objects.create(
                org=org, month=month.first, randomly=not wanted, size=0, created_by=actor
            )
        SelfCheck.objects.filter(pk__in=picked).update(spot_check=existing)
        existing.size = existing.checks.count()
        existing.save(update_fields=["size"])
        audit_log(
            actor=actor,
            action="spotcheck.create",
            obj=existing,
            org=org,
            data={"month": str(month), "picked": sorted(picked), "random": not wanted},
        )
    return existing


def _sampled(actor: User, check: SelfCheck) -> SelfCheck:
    check = _locked(check)
    if not may_spot_check(actor, check.org):
        raise PermissionDenied("只有上级党委的书记、组织委员或管理员可以抽查")
    if check.spot_check_id is None:
        raise Refused("该自查未被抽中，不能调整")
    if check.state not in (CheckState.SUBMITTED, CheckState.CHECKED):
        raise Refused(f"自查已{check.get_state_display()}，不能再调整")
    return check


def line_adjust(*, actor: User, line: CheckLine, score: object, reason: str) -> Adjustment:
    """The town's score for an item, with its reason; the branch's score stays beside it."""
    reason = clean_text(reason, multiline=False).strip()
    if visible_length(reason) < 4:
        raise Refused("调整分数须写明理由（至少 4 个字）", field="reason")
    with transaction.atomic():
        check = _sampled(actor, line.selfcheck)
        line = CheckLine.objects.select_related("item").get(pk=line.pk, selfcheck=check)
        after = _score(score, line.item.points)
        adjustment = Adjustment.objects.create(
            line=line, before=line.final, after=after, reason=reason[:300], adjusted_by=actor
        )
        line.adjusted = after
        line.save(update_fields=["adjusted"])
        _rescore(check, _lines(check))
        audit_log(
            actor=actor,
            action="selfcheck.adjust",
            obj=check,
            org=check.org,
            data={
                "line": line.pk,
                "before": str(adjustment.before),
                "after": str(after),
                "reason": reason[:300],
            },
        )
    return adjustment


def spotcheck_finish(*, actor: User, check: SelfCheck) -> SelfCheck:
    """The sampled self-check has been looked at (with or without adjustments)."""
    with transaction.atomic():
        check = _sampled(actor, check)
        return transition(
            check,
            SELFCHECK_MACHINE,
            CheckState.CHECKED,
            actor=actor,
            org=check.org,
            fields={"checked_by": actor, "checked_at": timezone.now()},
            data={"score": str(check.score)},
        )


def _managers(org_id: int) -> list[int]:
    return sorted(
        set(
            Role.objects.filter(org_id=org_id, kind__in=ROSTER_MANAGE_ROLES).values_list(
                "user_id", flat=True
            )
        )
    )


def selfchecks_remind(*, now: datetime.datetime | None = None) -> int:
    """From the 25th: remind branches whose month's 自查 is not submitted (due); after the
    5th of the next month: remind those still missing last month's (overdue). Once per
    branch, month and stage (SelfCheckReminder's unique constraint). Only branches that
    existed for at least half of the month (成立日期 and 撤销日期) owe it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    this = Month.of(today)
    stages = []
    if today.day >= REMIND_FROM_DAY:
        stages.append((this, "due"))
    if today.day > DUE_DAY:
        stages.append((this.previous(), "overdue"))
    told = 0
    for month, stage in stages:
        roots = list(
            Scheme.objects.filter(year=month.year, state=SchemeState.ACTIVE).values_list(
                "org__path", flat=True
            )
        )
        if not roots:
            continue
        done = set(
            SelfCheck.objects.filter(month=month.first, submitted_at__isnull=False).values_list(
                "org_id", flat=True
            )
        )
        reminded = set(
            SelfCheckReminder.objects.filter(month=month.first, stage=stage).values_list(
                "org_id", flat=True
            )
        )
        # A branch owes a month's 自查 only if it lived at least half of it, as 三会一课
        # compliance counts (meetings.periods.Span): founded (成立) by the month's middle,
        # not dissolved (撤销) before it. One founded later owes nothing for the time before
        # it existed; one dissolved earlier owes nothing after.
        half = (month.days + 1) // 2
        cutoff = month.first + datetime.timedelta(days=half)
        founded_by = month.last - datetime.timedelta(days=half - 1)
        branches = Org.objects.filter(
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=cutoff),
            subtree_q(roots, field="path"),
            founded_on__lte=founded_by,
            kind=OrgKind.BRANCH,
        )
        for branch in branches.exclude(pk__in=done | reminded).order_by("path"):
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        SelfCheckReminder.objects.create(org=branch, month=month.first, stage=stage)
                except IntegrityError:  # another run told them
                    continue
                due = month.next().first.replace(day=DUE_DAY)
                notify(
                    users=_managers(branch.pk),
                    title=(
                        f"{branch.name} {month.year}年{month.month}月自查"
                        + ("请按时提交" if stage == "due" else "已逾期")
                    ),
                    body=f"月度自查应在 {due:%m月%d日} 前提交。"
                    + ("" if stage == "due" else "逾期未提交的月份在季度通报中计 0 分。"),
                    url=reverse("assessment:checks") + f"?month={month}",
                    kind=SELFCHECK_DUE_KIND,
                    org=branch,
                    now=now,
                )
                told += 1
    return told
