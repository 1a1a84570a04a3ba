"""民主评议党员: self-assessment, a secret mutual ballot, the committee's proposal and the
higher org's confirmation.

Secrecy is in the schema, not only in the pages: a ballot is never stored. Casting one
writes a receipt (who voted, nothing else) and adds one to a count per appraisee and grade,
in the same transaction; the counts carry no time and no voter, so no query or export can
tie a mark to a person. One ballot per voter is the receipt's unique constraint.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from xianfeng.assessment.enums import APPRAISAL_MACHINE, AppraisalState, Grade
from xianfeng.assessment.models import Appraisal, Appraisee, BallotReceipt, Tally
from xianfeng.assessment.rules import excellent_limit, may_confirm, may_run
from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, visible_length
from xianfeng.common.transitions import transition
from xianfeng.notify.services import notify
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES, OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over
from xianfeng.people.models import Member, User

MIN_SELF_ASSESSMENT = 20  # 字, visible characters


def _locked(appraisal: Appraisal) -> Appraisal:
    return Appraisal.objects.select_for_update().select_related("org").get(pk=appraisal.pk)


def _url(appraisal: Appraisal) -> str:
    return reverse("assessment:appraisal", kwargs={"pk": appraisal.pk})


def appraisal_create(
    *, actor: User, org: Org, year: int, excellent_max_percent: int = 20
) -> Appraisal:
    """Start a branch's 民主评议 for a year with every member whose account is active."""
    if org.kind != OrgKind.BRANCH:
        raise Refused("民主评议以党支部为单位发起", field="org")
    if not has_role_over(actor, org, ROSTER_MANAGE_ROLES):
        raise PermissionDenied("只有本支部书记、组织委员或上级管理员可以发起民主评议")
    if not 0 <= excellent_max_percent <= 100:
        raise Refused("优秀比例上限应在 0 到 100 之间", field="excellent_max_percent")
    members = list(Member.objects.filter(org=org, user__is_active=True).order_by("id"))
    if len(members) < 2:
        raise Refused("支部党员少于 2 人，无法开展互评")
    try:
        with transaction.atomic():
            appraisal = Appraisal.objects.create(
                org=org, year=year, created_by=actor, excellent_max_percent=excellent_max_percent
            )
            Appraisee.objects.bulk_create(Appraisee(appraisal=appraisal, member=m) for m in members)
            audit_log(
                actor=actor,
                action="appraisal.create",
                obj=appraisal,
                org=org,
                data={"year": year, "members": len(members)},
            )
    except IntegrityError:
        raise Refused(f"该支部 {year} 年度的民主评议已经发起") from None
    return appraisal


def self_assessment_save(*, actor: User, appraisal: Appraisal, text: str) -> Appraisee:
    """A member's own 自评, until the votes are counted."""
    text = clean_text(text)
    if visible_length(text) < MIN_SELF_ASSESSMENT:
        raise Refused(f"个人自评至少 {MIN_SELF_ASSESSMENT} 个字", field="text")
    with transaction.atomic():
        appraisal = _locked(appraisal)
        if appraisal.state not in (AppraisalState.PREPARING, AppraisalState.VOTING):
            raise Refused("互评已经结束，自评不能再修改")
        mine = Appraisee.objects.filter(appraisal=appraisal, member__user=actor).first()
        if mine is None:
            raise PermissionDenied("您不在本次民主评议的参评党员中")
        mine.self_assessment = text
        mine.self_assessed_at = timezone.now()
        mine.save(update_fields=["self_assessment", "self_assessed_at"])
        audit_log(actor=actor, action="appraisal.self", obj=mine, org=appraisal.org)
    return mine


def voting_open(*, actor: User, appraisal: Appraisal) -> Appraisal:
    """Open the mutual ballot and tell every appraisee."""
    if not may_run(actor, appraisal):
        raise PermissionDenied("只有本支部书记、组织委员或上级管理员可以组织互评")
    with transaction.atomic():
        appraisal = _locked(appraisal)
        transition(
            appraisal,
            APPRAISAL_MACHINE,
            AppraisalState.VOTING,
            actor=actor,
            org=appraisal.org,
            fields={"voting_opened_at": timezone.now()},
        )
        appraisees = list(appraisal.appraisees.select_related("member"))
        Tally.objects.bulk_create(
            Tally(appraisee=a, grade=g) for a in appraisees for g in Grade.values
        )
        notify(
            users=[a.member.user_id for a in appraisees],
            title=f"{appraisal.org.name} {appraisal.year} 年度民主评议开始互评",
            body="请对本支部党员逐一评定等次。投票不记名，每人只能投一次。",
            url=_url(appraisal),
            kind="appraisal.voting",
            actor=actor,
            org=appraisal.org,
            about=appraisal,
        )
    return appraisal


def ballot_cast(*, actor: User, appraisal: Appraisal, marks: Mapping[int, str]) -> None:
    """One secret ballot: a grade for every other appraisee (by Appraisee id). Only that the
    person voted is recorded; the grades only add to the counts."""
    with transaction.atomic():
        appraisal = _locked(appraisal)
        if appraisal.state != AppraisalState.VOTING:
            raise Refused("现在不是互评投票时间")
        others = dict(
            Appraisee.objects.filter(appraisal=appraisal)
            .exclude(member__user=actor)
            .values_list("id", "member__user_id")
        )
        if not Appraisee.objects.filter(appraisal=appraisal, member__user=actor).exists():
            raise PermissionDenied("您不在本次民主评议的参评党员中")
        if set(marks) != set(others):
            missing = len(set(others) - set(marks))
            raise Refused(
                f"还有 {missing} 名党员没有评定等次" if missing else "选票中有不属于本次评议的党员",
                field="marks",
            )
        if any(grade not in Grade.values for grade in marks.values()):
            raise Refused("等次只能是优秀、合格、基本合格或不合格", field="marks")
        try:
            with transaction.atomic():
                BallotReceipt.objects.create(appraisal=appraisal, voter=actor)
        except IntegrityError:
            raise Refused("您已经投过票了，每人只能投一次") from None
        for appraisee_id, grade in marks.items():
            Tally.objects.filter(appraisee_id=appraisee_id, grade=grade).update(
                votes=F("votes") + 1
            )
        # The audit row says who voted, as the receipt does; never what.
        audit_log(actor=actor, action="appraisal.voted", obj=appraisal, org=appraisal.org)


def voting_close(*, actor: User, appraisal: Appraisal) -> Appraisal:
    """Close the ballot: the counts become visible to the branch committee."""
    if not may_run(actor, appraisal):
        raise PermissionDenied("只有本支部书记、组织委员或上级管理员可以结束互评")
    with transaction.atomic():
        appraisal = _locked(appraisal)
        voted = appraisal.receipts.count()
        return transition(
            appraisal,
            APPRAISAL_MACHINE,
            AppraisalState.COUNTED,
            actor=actor,
            org=appraisal.org,
            fields={"counted_at": timezone.now()},
            data={"voted": voted},
        )


def grades_propose(
    *, actor: User, appraisal: Appraisal, grades: Mapping[int, tuple[str, str]]
) -> Appraisal:
    """组织评定: the committee's grade (and a note) for every appraisee, within the share
    allowed for 优秀; a 不合格 or 基本合格 needs its reason. Sent up for confirmation."""
    if not may_run(actor, appraisal):
        raise PermissionDenied("只有本支部书记、组织委员或上级管理员可以提出评定意见")
    with transaction.atomic():
        appraisal = _locked(appraisal)
        if appraisal.state != AppraisalState.COUNTED:
            raise Refused("计票之后才能提出组织评定意见")
        appraisees = {a.pk: a for a in appraisal.appraisees.all()}
        if set(grades) != set(appraisees):
            raise Refused("每名参评党员都要有评定等次", field="grades")
        for grade, note in grades.values():
            if grade not in Grade.values:
                raise Refused("等次只能是优秀、合格、基本合格或不合格", field="grades")
            if grade in (Grade.BASIC, Grade.UNQUALIFIED) and not clean_text(note).strip():
                raise Refused("评为基本合格或不合格的，须写明理由", field="grades")
        limit = excellent_limit(appraisal, len(appraisees))
        excellent = sum(1 for grade, _ in grades.values() if grade == Grade.EXCELLENT)
        if limit is not None and excellent > limit:
            raise Refused(
                f"评为优秀的不得超过参评人数的 {appraisal.excellent_max_percent}%"
                f"（本支部最多 {limit} 名，现为 {excellent} 名）",
                field="grades",
            )
        for pk, (grade, note) in grades.items():
            row = appraisees[pk]
            row.proposed, row.note = grade, clean_text(note, multiline=False)[:200]
        Appraisee.objects.bulk_update(appraisees.values(), ["proposed", "note"])
        return transition(
            appraisal,
            APPRAISAL_MACHINE,
            AppraisalState.PROPOSED,
            actor=actor,
            org=appraisal.org,
            fields={"proposed_at": timezone.now(), "returned_reason": ""},
        )


def appraisal_return(*, actor: User, appraisal: Appraisal, reason: str) -> Appraisal:
    """The higher org sends the proposal back with its reason."""
    if not may_confirm(actor, appraisal):
        raise PermissionDenied("只有上级党组织可以退回评定意见")
    reason = clean_text(reason, multiline=False).strip()
    if not reason:
        raise Refused("请写明退回理由", field="reason")
    with transaction.atomic():
        appraisal = _locked(appraisal)
        return transition(
            appraisal,
            APPRAISAL_MACHINE,
            AppraisalState.COUNTED,
            actor=actor,
            org=appraisal.org,
            fields={"returned_reason": reason[:200]},
        )


def appraisal_confirm(*, actor: User, appraisal: Appraisal) -> Appraisal:
    """The higher org confirms: the grades go on each member's record."""
    if not may_confirm(actor, appraisal):
        raise PermissionDenied("只有上级党组织可以确认评定结果")
    with transaction.atomic():
        appraisal = _locked(appraisal)
        if appraisal.state != AppraisalState.PROPOSED:
            raise APPRAISAL_MACHINE.refusal(appraisal.state, AppraisalState.CONFIRMED)
        Appraisee.objects.filter(appraisal=appraisal).update(grade=F("proposed"))
        counts = {g: n for g in Grade.values if (n := appraisal.appraisees.filter(grade=g).count())}
        return transition(
            appraisal,
            APPRAISAL_MACHINE,
            AppraisalState.CONFIRMED,
            actor=actor,
            org=appraisal.org,
            fields={"confirmed_at": timezone.now(), "confirmed_by": actor},
            data={"year": appraisal.year, "org_id": appraisal.org_id, "grades": counts},
        )
