"""组织关系转接: start, accept, return, withdraw, and the reminders for overdue ones."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text
from xianfeng.common.transitions import transition
from xianfeng.notify.services import notify
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, ROSTER_MANAGE_ROLES
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.checks import MemberData
from xianfeng.people.enums import ON_ROLL
from xianfeng.people.models import Member, User
from xianfeng.people.services import member_create
from xianfeng.people.services.history import (
    member_move,
    member_transfer_back_in,
    member_transfer_out,
)
from xianfeng.transfers.enums import (
    NOTICE_KIND,
    OVERDUE_DAYS,
    REMINDER_KIND,
    TRANSFER_MACHINE,
    TransferDirection,
    TransferState,
)
from xianfeng.transfers.models import Transfer


def managers_of(org: Org) -> list[int]:
    """Who handles transfers for `org`: its secretary, organiser or admin, at the org
    itself (not the county's admins, who would hear of every transfer)."""
    return sorted(
        set(
            Role.objects.filter(org=org, kind__in=ROSTER_MANAGE_ROLES).values_list(
                "user_id", flat=True
            )
        )
    )


def _number(org: Org, year: int, *, incoming: bool = False) -> str:
    """介绍信编号: year, the org's code, a sequence (R… for letters received from outside)."""
    prefix = f"{year}-{org.code}-{'R' if incoming else ''}"
    taken = Transfer.objects.filter(number__startswith=prefix)
    taken = taken.filter(to_org=org) if incoming else taken.filter(from_org=org)
    # Count the org's own numbers only: "R" numbers share the prefix of nothing else.
    if not incoming:
        taken = taken.exclude(number__startswith=f"{prefix}R")
    return f"{prefix}{taken.count() + 1:03d}"


def _clean_reason(reason: str, label: str = "转接原因") -> str:
    reason = clean_text(reason, multiline=False).strip()
    if not reason:
        raise Refused(f"请填写{label}（如工作调动、迁居）", field="reason")
    if len(reason) > 200:
        raise Refused(f"{label}最多 200 个字", field="reason")
    return reason


def _clean_outside(name: str) -> str:
    name = clean_text(name, multiline=False).strip()
    if not name:
        raise Refused("请填写系统外党组织的名称（以介绍信上的抬头为准）", field="outside_org")
    if len(name) > 100:
        raise Refused("党组织名称最多 100 个字", field="outside_org")
    return name


def transfer_start(*, actor: User, member: Member, to_org: Org, reason: str) -> Transfer:
    """The sending branch starts moving `member` to `to_org` (anywhere in the system); the
    member stays where they are until the receiving branch accepts."""
    reason = _clean_reason(reason)
    if not can_manage_roster(actor, member.org):
        raise PermissionDenied("您不能为该党员办理组织关系转接")
    if to_org.kind not in MEMBER_ORG_KINDS:
        raise Refused(
            f"“{to_org.name}”是{to_org.get_kind_display()}，不能直接接收党员，请转入党支部",
            field="to_org",
        )
    if to_org.pk == member.org_id:
        raise Refused("转入组织与现所在组织相同", field="to_org")
    try:
        with transaction.atomic():
            member = (
                Member.objects.select_for_update().select_related("org", "user").get(pk=member.pk)
            )
            if member.status not in ON_ROLL or member.left_on is not None:
                raise Refused(f"该党员已{member.get_status_display()}，不能转接")
            if Transfer.objects.filter(member=member, state=TransferState.PENDING).exists():
                raise Refused("该党员已有一个待接收的组织关系转接")
            year = timezone.localdate().year
            transfer = Transfer.objects.create(
                member=member,
                from_org=member.org,
                to_org=to_org,
                reason=reason,
                number=_number(member.org, year),
                started_by=actor,
            )
            events.publish(
                "transfer.started",
                actor=actor,
                obj=transfer,
                org=member.org,
                data={"member_id": member.pk, "from_org_id": member.org_id, "to_org_id": to_org.pk},
            )
            notify(
                users=managers_of(to_org),
                title=f"组织关系转入待接收：{member.user.name}",
                body=f"{member.org.name}将{member.user.name}的组织关系转入{to_org.name}（{reason}），"
                "请核对后接收或退回。",
                url=f"/transfers/{transfer.pk}/",
                kind=NOTICE_KIND,
                actor=actor,
                org=to_org,
                about=transfer,
            )
    except IntegrityError as exc:  # the same click twice: the pending one already exists
        raise Refused("该党员已有一个待接收的组织关系转接") from exc
    return transfer


def _locked(transfer: Transfer) -> Transfer:
    # Lock the transfer row only: an outside transfer's missing side is an outer join,
    # which PostgreSQL refuses to lock.
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member__user", "from_org", "to_org")
        .get(pk=transfer.pk)
    )


def transfer_accept(
    *, actor: User, transfer: Transfer, effective_on: datetime.date | None = None
) -> Transfer:
    """The receiving branch accepts: from `effective_on` (today by default) the member
    belongs to it; the sending branch keeps the dates they belonged there."""
    today = timezone.localdate()
    on = effective_on or today
    if on > today:
        raise Refused("转入日期不能晚于今天", field="effective_on")
    with transaction.atomic():
        transfer = _locked(transfer)
        if transfer.to_org is None or transfer.direction != TransferDirection.INTERNAL:
            raise Refused("转出系统外的组织关系，请在收到回执后登记")
        if not can_manage_roster(actor, transfer.to_org):
            raise PermissionDenied("只有转入组织才能接收")
        if on < transfer.started_at.date() - datetime.timedelta(days=366):
            raise Refused("转入日期过早，请核对", field="effective_on")
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        if member.org_id != transfer.from_org_id:
            raise Refused("该党员已不在转出组织，请退回")
        transition(
            transfer,
            TRANSFER_MACHINE,
            TransferState.ACCEPTED,
            actor=actor,
            org=transfer.to_org,
            fields={"decided_by": actor, "decided_at": timezone.now(), "effective_on": on},
            data={"member_id": member.pk, "to_org_id": transfer.to_org_id, "on": on.isoformat()},
        )
        member_move(
            member=member, org=transfer.to_org, on=on, reason=f"组织关系转接 {transfer.number}"
        )
        notify(
            users=[transfer.started_by_id, member.user_id],
            title=f"组织关系已转入{transfer.to_org.name}",
            body=f"{transfer.member.user.name}的组织关系已由{transfer.to_org.name}接收，"
            f"自 {on:%Y-%m-%d} 起在该支部参加组织生活。",
            url=f"/transfers/{transfer.pk}/",
            kind=NOTICE_KIND,
            actor=actor,
            org=transfer.to_org,
            about=transfer,
        )
    return transfer


def transfer_return(*, actor: User, transfer: Transfer, reason: str) -> Transfer:
    """The receiving branch sends it back with a reason; the member stays where they were."""
    reason = clean_text(reason, multiline=False).strip()
    if not reason:
        raise Refused("请填写退回原因", field="return_reason")
    with transaction.atomic():
        transfer = _locked(transfer)
        if transfer.to_org is None or not can_manage_roster(actor, transfer.to_org):
            raise PermissionDenied("只有转入组织才能退回")
        transition(
            transfer,
            TRANSFER_MACHINE,
            TransferState.RETURNED,
            actor=actor,
            org=transfer.to_org,
            fields={
                "decided_by": actor,
                "decided_at": timezone.now(),
                "return_reason": reason[:200],
            },
            data={"member_id": transfer.member_id, "reason": reason[:200]},
        )
        notify(
            users=[transfer.started_by_id],
            title=f"组织关系转接被退回：{transfer.member.user.name}",
            body=f"{transfer.to_org.name}退回了{transfer.member.user.name}的组织关系转接：{reason}",
            url=f"/transfers/{transfer.pk}/",
            kind=NOTICE_KIND,
            actor=actor,
            org=transfer.from_org,
            about=transfer,
        )
    return transfer


def transfer_cancel(*, actor: User, transfer: Transfer) -> Transfer:
    """The sending branch withdraws a transfer that is still waiting."""
    with transaction.atomic():
        transfer = _locked(transfer)
        if transfer.from_org is None or not can_manage_roster(actor, transfer.from_org):
            raise PermissionDenied("只有转出组织才能撤回")
        transition(
            transfer,
            TRANSFER_MACHINE,
            TransferState.CANCELLED,
            actor=actor,
            org=transfer.from_org,
            fields={"decided_by": actor, "decided_at": timezone.now()},
            data={"member_id": transfer.member_id},
        )
    return transfer


def transfers_remind_overdue(*, now: datetime.datetime | None = None) -> int:
    """Tell both branches about transfers waiting longer than OVERDUE_DAYS, at most once
    per OVERDUE_DAYS each; returns how many were reminded."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=OVERDUE_DAYS)
    due = (
        Transfer.objects.filter(state=TransferState.PENDING, started_at__lte=cutoff)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
        .select_related("member__user", "from_org", "to_org")
    )
    count = 0
    for transfer in due:
        with transaction.atomic():
            # Claim it first: two overlapping runs remind once.
            claimed = (
                Transfer.objects.filter(pk=transfer.pk, state=TransferState.PENDING)
                .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
                .update(reminded_at=now)
            )
            if not claimed:
                continue
            days = (now - transfer.started_at).days
            notify(
                users=[
                    *(managers_of(transfer.to_org) if transfer.to_org else []),
                    transfer.started_by_id,
                ],
                title=f"组织关系转接已等待 {days} 天：{transfer.member.user.name}",
                body=f"{transfer.from_name} → {transfer.to_name}（{transfer.number}）"
                + (
                    "尚未收到回执，请联系对方党组织。"
                    if transfer.to_org is None
                    else "尚未接收或退回，请及时办理。"
                ),
                url=f"/transfers/{transfer.pk}/",
                kind=REMINDER_KIND,
                org=transfer.to_org or transfer.from_org,
                about=transfer,
                now=now,
            )
            count += 1
    return count


def transfer_out_start(*, actor: User, member: Member, outside_org: str, reason: str) -> Transfer:
    """The branch starts moving `member` to an org outside the system: a 介绍信 with a
    number is printed; the member stays on the roll until the 回执 comes back."""
    reason = _clean_reason(reason)
    outside_org = _clean_outside(outside_org)
    if not can_manage_roster(actor, member.org):
        raise PermissionDenied("您不能为该党员办理组织关系转接")
    try:
        with transaction.atomic():
            member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
            if member.status not in ON_ROLL or member.left_on is not None:
                raise Refused(f"该党员已{member.get_status_display()}，不能转接")
            if Transfer.objects.filter(member=member, state=TransferState.PENDING).exists():
                raise Refused("该党员已有一个待接收的组织关系转接")
            transfer = Transfer.objects.create(
                member=member,
                direction=TransferDirection.OUT,
                from_org=member.org,
                outside_org=outside_org,
                reason=reason,
                number=_number(member.org, timezone.localdate().year),
                started_by=actor,
            )
            events.publish(
                "transfer.started",
                actor=actor,
                obj=transfer,
                org=member.org,
                data={"member_id": member.pk, "from_org_id": member.org_id, "to_org_id": None},
            )
    except IntegrityError as exc:
        raise Refused("该党员已有一个待接收的组织关系转接") from exc
    return transfer


def transfer_out_complete(
    *, actor: User, transfer: Transfer, effective_on: datetime.date, receipt: str
) -> Transfer:
    """The outside org's 回执 came back: the member leaves this system's roll on
    `effective_on` (their history and records stay)."""
    receipt = clean_text(receipt, multiline=False).strip()[:100]
    with transaction.atomic():
        transfer = _locked(transfer)
        if transfer.direction != TransferDirection.OUT or transfer.from_org is None:
            raise Refused("只有转出系统外的组织关系需要登记回执")
        if not can_manage_roster(actor, transfer.from_org):
            raise PermissionDenied("只有转出组织才能登记回执")
        if effective_on < transfer.started_at.date() - datetime.timedelta(days=366):
            raise Refused("转出日期过早，请核对", field="effective_on")
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        if member.org_id != transfer.from_org_id:
            raise Refused("该党员已不在转出组织，请撤回本次转接")
        transition(
            transfer,
            TRANSFER_MACHINE,
            TransferState.ACCEPTED,
            actor=actor,
            org=transfer.from_org,
            fields={
                "decided_by": actor,
                "decided_at": timezone.now(),
                "effective_on": effective_on,
                "outside_number": receipt,
            },
            data={"member_id": member.pk, "to_org_id": None, "on": effective_on.isoformat()},
        )
        member_transfer_out(
            actor=actor,
            member=member,
            on=effective_on,
            note=f"转至{transfer.outside_org}（介绍信 {transfer.number}）",
        )
    return transfer


def transfer_in_register(
    *,
    actor: User,
    to_org: Org,
    data: MemberData,
    outside_org: str,
    outside_number: str,
    effective_on: datetime.date,
    reason: str,
) -> Transfer:
    """Someone's 组织关系 arrives from outside the system with a letter: the receiving
    branch registers them (a new record and account, or their old record if they once
    left the system by transfer) on the roll from `effective_on`."""
    outside_org = _clean_outside(outside_org)
    reason = _clean_reason(reason)
    outside_number = clean_text(outside_number, multiline=False).strip()
    if not outside_number:
        raise Refused("请填写对方介绍信的编号", field="outside_number")
    if len(outside_number) > 100:
        raise Refused("介绍信编号最多 100 个字", field="outside_number")
    if effective_on > timezone.localdate():
        raise Refused("转入日期不能晚于今天", field="effective_on")
    if to_org.kind not in MEMBER_ORG_KINDS:
        raise Refused(f"党员应编入党支部等组织，不能直接编入{to_org.get_kind_display()}")
    if not can_manage_roster(actor, to_org):
        raise PermissionDenied("您不能管理该组织的党员")
    if data.status not in ON_ROLL:
        raise Refused("请选择党员类别（预备党员或正式党员）", field="status")
    note = f"由{outside_org}转入（介绍信 {outside_number}）"
    with transaction.atomic():
        old = (
            Member.objects.select_for_update().filter(id_number=data.id_number).first()
            if data.id_number
            else None
        )
        if old is not None:
            member_transfer_back_in(
                actor=actor, member=old, org=to_org, status=data.status, on=effective_on, note=note
            )
            member = old
        else:
            data.org_id, data.group_id = to_org.pk, None
            member = member_create(actor=actor, data=data)
            Member.objects.filter(pk=member.pk).update(org_since=effective_on)
        transfer = Transfer.objects.create(
            member=member,
            direction=TransferDirection.IN,
            to_org=to_org,
            outside_org=outside_org,
            outside_number=outside_number,
            reason=reason,
            number=_number(to_org, timezone.localdate().year, incoming=True),
            started_by=actor,
            state=TransferState.ACCEPTED,
            decided_by=actor,
            decided_at=timezone.now(),
            effective_on=effective_on,
        )
        events.publish(
            "transfer.registered",
            actor=actor,
            obj=transfer,
            org=to_org,
            data={"member_id": member.pk, "to_org_id": to_org.pk, "on": effective_on.isoformat()},
        )
    return transfer


def find_target_orgs(text: str, *, limit: int = 20) -> list[Org]:
    """Branches anywhere in the system whose code is `text` or whose name contains it."""
    text = clean_text(text, multiline=False).strip()
    if not text:
        return []
    found = Org.objects.filter(kind__in=MEMBER_ORG_KINDS).filter(
        Q(code__iexact=text) | Q(name__contains=text)
    )
    return list(found.order_by("path")[:limit])
