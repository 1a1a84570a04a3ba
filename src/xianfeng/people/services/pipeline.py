"""发展党员: the pipeline from 入党申请书 to 预备党员, with the rules' intervals.

《中国共产党发展党员工作细则》: the branch talks with an applicant within a month of the
application (第八条); an activist is trained and observed for at least a year before
becoming a 发展对象 (第十三条), with notes each half year at least (we ask each quarter);
a 发展对象 passes a political review and a training, is made public (公示) for at least
five working days, then the branch meeting discusses them and the higher committee
approves (within three months); the probation year counts from the branch meeting's
vote (第二十八条), after which 转正 is the member's own step (history.member_confirm)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.common import records
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.common.transitions import transition
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.checks import MemberData
from xianfeng.people.enums import APPLICANT_MACHINE, ApplicantStage, MemberStatus
from xianfeng.people.idcard import id_problem
from xianfeng.people.models import ASSEMBLY_RECORD, Applicant, ApplicantNote, User
from xianfeng.people.services.history import plus_years

S = ApplicantStage

TALK_WITHIN_DAYS = 30
ACTIVIST_YEARS = 1
PUBLICITY_WORKING_DAYS = 5
APPROVE_WITHIN_DAYS = 92  # 三个月
NOTE_EVERY_DAYS = 92  # one 考察 note a quarter


def working_days(start: datetime.date, end: datetime.date) -> int:
    """Monday–Friday days from `start` to `end`, both included."""
    days = 0
    day = start
    while day <= end:
        days += day.weekday() < 5
        day += datetime.timedelta(days=1)
    return days


def _check(actor: User | None, org: Org) -> None:
    if actor is not None and not can_manage_roster(actor, org):
        raise PermissionDenied("您不能管理该支部的发展党员工作")


def _day(value: datetime.date | None, label: str, field: str) -> datetime.date:
    if value is None:
        raise Refused(f"请填写{label}", field=field)
    if value > timezone.localdate():
        raise Refused(f"{label}不能晚于今天", field=field)
    return value


def _not_before(value: datetime.date, earlier: datetime.date | None, what: str, field: str) -> None:
    if earlier is not None and value < earlier:
        raise Refused(f"不能早于{what}（{earlier:%Y-%m-%d}）", field=field)


def _locked(actor: User | None, applicant: Applicant) -> Applicant:
    locked = Applicant.objects.select_for_update().select_related("org").get(pk=applicant.pk)
    _check(actor, locked.org)
    return locked


def applicant_register(
    *,
    actor: User | None,
    org: Org,
    name: str,
    applied_on: datetime.date,
    phone: str = "",
    id_number: str = "",
) -> Applicant:
    """Record a 入党申请书 received by the branch."""
    _check(actor, org)
    if org.kind != OrgKind.BRANCH:
        raise Refused("入党申请由党支部受理，请选择党支部", field="org")
    name = clean_text(name, multiline=False).strip()
    if is_blank(name):
        raise Refused("请填写姓名", field="name")
    applied_on = _day(applied_on, "递交入党申请书日期", "applied_on")
    id_number = id_number.strip().upper()
    if id_number:
        problem = id_problem(id_number)
        if problem:
            raise Refused(problem, field="id_number")
        open_ = Applicant.objects.filter(
            id_number=id_number, stage__in=[S.APPLIED, S.ACTIVIST, S.CANDIDATE]
        )
        if open_.exists():
            raise Refused("此人已在发展党员名单中", field="id_number")
    with transaction.atomic():
        applicant = Applicant.objects.create(
            org=org,
            name=name[:50],
            phone=phone.strip()[:11],
            id_number=id_number,
            applied_on=applied_on,
        )
        events.publish(
            "applicant.applied",
            actor=actor,
            obj=applicant,
            org=org,
            data={"applicant_id": applicant.pk, "on": applied_on.isoformat()},
        )
    return applicant


def applicant_talk(*, actor: User | None, applicant: Applicant, on: datetime.date) -> Applicant:
    """谈话: the branch sent someone to talk with the applicant."""
    on = _day(on, "谈话日期", "on")
    with transaction.atomic():
        applicant = _locked(actor, applicant)
        if applicant.stage != S.APPLIED:
            raise Refused("只有入党申请人需要记录谈话")
        _not_before(on, applicant.applied_on, "递交入党申请书日期", "on")
        applicant.talked_on = on
        applicant.save(update_fields=["talked_on", "updated_at"])
    return applicant


def applicant_to_activist(
    *, actor: User | None, applicant: Applicant, on: datetime.date, contacts: str
) -> Applicant:
    """确定为入党积极分子, with two 培养联系人."""
    on = _day(on, "确定为积极分子日期", "on")
    contacts = clean_text(contacts, multiline=False).strip()
    if is_blank(contacts):
        raise Refused("请填写培养联系人（一般为两名正式党员）", field="contacts")
    with transaction.atomic():
        applicant = _locked(actor, applicant)
        if applicant.talked_on is None:
            raise Refused("请先记录与申请人的谈话", field="on")
        _not_before(on, applicant.talked_on, "谈话日期", "on")
        transition(
            applicant,
            APPLICANT_MACHINE,
            S.ACTIVIST,
            actor=actor,
            org=applicant.org,
            fields={"activist_on": on, "contacts": contacts[:100]},
            data={"applicant_id": applicant.pk, "on": on.isoformat()},
        )
    return applicant


def applicant_note(
    *, actor: User | None, applicant: Applicant, on: datetime.date, text: str
) -> ApplicantNote:
    """A 考察 note on an activist or a candidate."""
    on = _day(on, "考察日期", "on")
    text = clean_text(text).strip()
    if is_blank(text):
        raise Refused("请填写考察情况", field="text")
    with transaction.atomic():
        applicant = _locked(actor, applicant)
        if applicant.stage not in (S.ACTIVIST, S.CANDIDATE):
            raise Refused("考察记录只用于入党积极分子和发展对象")
        _not_before(on, applicant.activist_on, "确定为积极分子日期", "on")
        return ApplicantNote.objects.create(
            applicant=applicant, on=on, text=text[:500], author=actor
        )


def applicant_activist_training(
    *, actor: User | None, applicant: Applicant, on: datetime.date
) -> Applicant:
    """入党积极分子培训 (第十二条: activists are trained, apart from the 发展对象's
    集中培训 before the branch meeting): the day they finished it."""
    on = _day(on, "积极分子培训结业日期", "on")
    with transaction.atomic():
        applicant = _locked(actor, applicant)
        if applicant.stage not in (S.ACTIVIST, S.CANDIDATE):
            raise Refused("积极分子培训在确定为入党积极分子之后进行")
        _not_before(on, applicant.activist_on, "确定为积极分子日期", "on")
        applicant.activist_training_on = on
        applicant.save(update_fields=["activist_training_on", "updated_at"])
    return applicant


def candidate_earliest(applicant: Applicant) -> datetime.date | None:
    return plus_years(applicant.activist_on, ACTIVIST_YEARS) if applicant.activist_on else None


def applicant_to_candidate(
    *, actor: User | None, applicant: Applicant, on: datetime.date
) -> Applicant:
    """列为发展对象: after at least a year as an activist, with 考察 notes on record."""
    on = _day(on, "确定为发展对象日期", "on")
    with transaction.atomic():
        applicant = _locked(actor, applicant)
        earliest = candidate_earliest(applicant)
        if earliest is not None and on < earliest:
            raise Refused(
                f"入党积极分子须培养考察一年以上才能列为发展对象（最早 {earliest:%Y-%m-%d}）",
                field="on",
            )
        if not applicant.notes.exists():
            raise Refused("请先记录培养考察情况", field="on")
        transition(
            applicant,
            APPLICANT_MACHINE,
            S.CANDIDATE,
            actor=actor,
            org=applicant.org,
            fields={"candidate_on": on},
            data={"applicant_id": applicant.pk, "on": on.isoformat()},
        )
    return applicant


def applicant_prepare(
    *,
    actor: User | None,
    applicant: Applicant,
    reviewed_on: datetime.date | None,
    training_on: datetime.date | None,
    publicity_from: datetime.date | None,
    publicity_to: datetime.date | None,
) -> Applicant:
    """A 发展对象's 政审, 集中培训 and 公示 (any of them, as they happen)."""
    with transaction.atomic():
        applicant = _locked(actor, applicant)
        if applicant.stage != S.CANDIDATE:
            raise Refused("政审、培训和公示在列为发展对象之后进行")
        for value, label, field in (
            (reviewed_on, "政治审查日期", "reviewed_on"),
            (training_on, "培训结业日期", "training_on"),
            (publicity_from, "公示开始日期", "publicity_from"),
        ):
            if value is not None:
                _day(value, label, field)
                _not_before(value, applicant.candidate_on, "确定为发展对象日期", field)
        if (publicity_from is None) != (publicity_to is None):
            raise Refused("请同时填写公示的开始和结束日期", field="publicity_to")
        if (
            publicity_from
            and publicity_to
            and working_days(publicity_from, publicity_to) < PUBLICITY_WORKING_DAYS
        ):
            raise Refused("公示期不少于 5 个工作日", field="publicity_to")
        for name, value in (
            ("reviewed_on", reviewed_on),
            ("training_on", training_on),
            ("publicity_from", publicity_from),
            ("publicity_to", publicity_to),
        ):
            if value is not None:
                setattr(applicant, name, value)
        applicant.save()
    return applicant


def applicant_admit(
    *,
    actor: User | None,
    applicant: Applicant,
    meeting_on: datetime.date | None = None,
    approved_on: datetime.date,
    oath_on: datetime.date | None = None,
    meeting: int | None = None,
) -> Applicant:
    """支部大会讨论 and 上级党委审批: the candidate becomes a 预备党员 of the branch, the
    probation year counting from the branch meeting. `meeting` is the 支部党员大会 in the
    branch's ledger that voted (its date is the meeting's); `meeting_on` alone records a
    vote held before the ledger was kept here. Their member record is made here."""
    from xianfeng.people.services.members import member_create

    if meeting is not None:
        meeting_on = _assembly_day(actor, applicant, meeting)
    meeting_on = _day(meeting_on, "支部大会讨论日期（或选择支部党员大会）", "meeting_on")
    approved_on = _day(approved_on, "上级党委审批日期", "approved_on")
    with transaction.atomic():
        applicant = _locked(actor, applicant)
        if applicant.stage != S.CANDIDATE:
            raise APPLICANT_MACHINE.refusal(applicant.stage, S.ADMITTED)
        missing = [
            label
            for label, value in (
                ("政治审查", applicant.reviewed_on),
                ("集中培训", applicant.training_on),
                ("公示", applicant.publicity_to),
            )
            if value is None
        ]
        if missing:
            raise Refused(f"请先完成{'、'.join(missing)}", field="meeting_on")
        assert applicant.publicity_to is not None
        if meeting_on <= applicant.publicity_to:
            raise Refused(
                f"支部大会应在公示结束（{applicant.publicity_to:%Y-%m-%d}）之后召开",
                field="meeting_on",
            )
        _not_before(approved_on, meeting_on, "支部大会讨论日期", "approved_on")
        if (approved_on - meeting_on).days > APPROVE_WITHIN_DAYS:
            raise Refused("上级党委应在支部大会后三个月内审批，请核对日期", field="approved_on")
        if oath_on is not None:
            _not_before(
                _day(oath_on, "入党宣誓日期", "oath_on"), approved_on, "上级党委审批日期", "oath_on"
            )
        data = MemberData(
            name=applicant.name,
            phone=applicant.phone,
            id_number=applicant.id_number,
            status=MemberStatus.PROBATIONARY,
            joined_on=meeting_on,
            org_id=applicant.org_id,
        )
        member = member_create(actor=actor, data=data)  # type: ignore[arg-type]
        transition(
            applicant,
            APPLICANT_MACHINE,
            S.ADMITTED,
            actor=actor,
            org=applicant.org,
            fields={
                "meeting_on": meeting_on,
                "meeting_record": meeting,
                "approved_on": approved_on,
                "oath_on": oath_on,
                "member": member,
            },
            data={
                "applicant_id": applicant.pk,
                "member_id": member.pk,
                "on": meeting_on.isoformat(),
                "meeting_id": meeting,
            },
        )
    return applicant


def _assembly_day(actor: User | None, applicant: Applicant, meeting: int) -> datetime.date:
    """The day of the branch's 支部党员大会 `meeting`, found through the meetings ledger's
    own selector (a meeting of another branch, one not yet held, or one the person may
    not see is refused alike)."""
    kind = records.get(ASSEMBLY_RECORD)
    ref = kind.find(actor, applicant.org, meeting) if kind is not None else None
    if ref is None or ref.when is None:
        raise Refused("请选择本支部已召开的支部党员大会", field="meeting")
    when = ref.when
    if isinstance(when, datetime.datetime):
        return timezone.localdate(when)
    return when


def applicant_drop(*, actor: User | None, applicant: Applicant, reason: str) -> Applicant:
    """终止培养 (moved away, withdrew, not qualified), with the reason."""
    reason = clean_text(reason, multiline=False).strip()
    if is_blank(reason):
        raise Refused("请填写终止培养的原因", field="reason")
    with transaction.atomic():
        applicant = _locked(actor, applicant)
        transition(
            applicant,
            APPLICANT_MACHINE,
            S.DROPPED,
            actor=actor,
            org=applicant.org,
            fields={"dropped_reason": reason[:200]},
            data={"applicant_id": applicant.pk},
        )
    return applicant


PIPELINE_KIND = "applicant.due"


def pipeline_reminders_send(*, today: datetime.date | None = None) -> int:
    """Tell each branch's secretary, organiser and admin of overdue 发展党员 steps: a talk
    not held within a month of the application, an activist or candidate without a 考察
    note this quarter. Each reminder once (Applicant.reminded_for); returns how many."""
    from xianfeng.notify.services import notify
    from xianfeng.people.selectors import applicants_due, branch_managers

    today = today or timezone.localdate()
    due = [row for row in applicants_due(today=today) if row.overdue]
    sent = 0
    for row in due:
        key = f"{row.step}:{row.due_on:%Y-%m-%d}" if row.due_on else row.step
        with transaction.atomic():
            claimed = (
                Applicant.objects.filter(pk=row.applicant.pk)
                .exclude(reminded_for=key)
                .update(reminded_for=key)
            )
            if not claimed:
                continue
            users = branch_managers(row.applicant.org_id)
            if not users:
                continue
            notify(
                users=users,
                title=f"发展党员待办：{row.applicant.name}{row.label}",
                body=f"{row.applicant.org.name}：{row.applicant.name}（"
                f"{row.applicant.get_stage_display()}）应于 {row.due_on:%Y-%m-%d} 前{row.label}。",
                url=f"/members/pipeline/{row.applicant.pk}/",
                kind=PIPELINE_KIND,
                org=row.applicant.org,
            )
            sent += 1
    return sent
