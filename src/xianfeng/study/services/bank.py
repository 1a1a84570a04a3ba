"""Writes to the question bank: importing a workbook (preview, then commit at once or not
at all), editing a question."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.study.bank import MAX_FILE_BYTES, BankParse, ParsedQuestion, fingerprint, read_bank
from xianfeng.study.enums import ImportState
from xianfeng.study.models import Question, QuestionImport
from xianfeng.study.rules import can_manage_bank


def _existing(org: Org, prints: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(prints), 1000):
        found |= set(
            Question.objects.filter(
                org=org, fingerprint__in=prints[start : start + 1000]
            ).values_list("fingerprint", flat=True)
        )
    return found


def check_bank(org: Org, parsed: BankParse) -> list[ParsedQuestion]:
    """Flag questions the org's bank already holds (as row errors); the rest are new."""
    taken = _existing(org, [q.fingerprint for q in parsed.questions])
    fresh = []
    for q in parsed.questions:
        if q.fingerprint in taken:
            parsed.errors.append(
                {"sheet": q.sheet, "row": q.row, "column": "题干", "message": "题库中已有这道题"}
            )
        else:
            fresh.append(q)
    parsed.sort_errors()
    return fresh


def question_import_preview(
    *, actor: User | None, org: Org, file: Any, filename: str
) -> QuestionImport:
    """Read and check a workbook; nothing enters the bank until it is committed."""
    if actor is not None and not can_manage_bank(actor, org):
        raise PermissionDenied("您不能管理该组织的题库")
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise Refused("文件过大（最多 10 MB）", field="file")
    parsed = read_bank(file)
    fresh = check_bank(org, parsed)
    with transaction.atomic():
        batch = QuestionImport.objects.create(
            org=org,
            uploaded_by=actor,
            filename=filename[:200],
            rows=[q.as_dict() for q in fresh],
            errors=parsed.errors,
        )
        audit_log(
            actor=actor,
            action="question_import.preview",
            obj=batch,
            org=org,
            data={"rows": len(fresh), "errors": len(parsed.errors)},
        )
    return batch


def question_import_commit(
    *, actor: User | None, batch: QuestionImport, skip_invalid: bool = False
) -> int:
    """Put the previewed questions in the bank, all in one transaction. Refused while any
    row failed, unless `skip_invalid` (then the valid rows go in, the failures stay listed).
    Committing twice imports once."""
    if actor is not None and not can_manage_bank(actor, batch.org):
        raise PermissionDenied("您不能管理该组织的题库")
    with transaction.atomic():
        batch = QuestionImport.objects.select_for_update().get(pk=batch.pk)
        if batch.state != ImportState.PREVIEW:
            raise Refused("这批题目已经处理过了")
        if batch.errors and not skip_invalid:
            raise Refused(
                f"有 {len(batch.errors)} 行不能导入，请改正后重新上传，或选择只导入正确的行"
            )
        rows = batch.rows
        taken = _existing(batch.org, [fingerprint(r["kind"], r["stem"]) for r in rows])
        questions = [
            Question(
                org=batch.org,
                kind=r["kind"],
                stem=r["stem"],
                options=r["options"],
                answer=r["answer"],
                explanation=r["explanation"],
                difficulty=r["difficulty"],
                tags=r["tags"],
                source=r["source"],
                fingerprint=fingerprint(r["kind"], r["stem"]),
                created_by=actor,
                batch=batch,
            )
            for r in rows
            if fingerprint(r["kind"], r["stem"]) not in taken  # added since the preview
        ]
        Question.objects.bulk_create(questions, batch_size=500)
        QuestionImport.objects.filter(pk=batch.pk).update(
            state=ImportState.COMMITTED, imported=len(questions), committed_at=timezone.now()
        )
        audit_log(
            actor=actor,
            action="question_import.commit",
            obj=batch,
            org=batch.org,
            data={"imported": len(questions), "skipped": len(batch.errors)},
        )
    return len(questions)


def question_set_active(*, actor: User, question: Question, active: bool) -> Question:
    """Take a question out of use (or back): attempts already made keep their copy."""
    if not can_manage_bank(actor, question.org):
        raise PermissionDenied("您不能管理该组织的题库")
    with transaction.atomic():
        Question.objects.filter(pk=question.pk).update(is_active=active)
        question.is_active = active
        audit_log(
            actor=actor,
            action="question.active",
            obj=question,
            org=question.org,
            data={"active": active},
        )
    return question
