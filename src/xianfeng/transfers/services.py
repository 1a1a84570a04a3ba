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
from xianfeng.people.enums import ON_ROLL
from xianfeng.people.models import Member, User
from xianfeng.people.services.history import member_move
from xianfeng.transfers.enums import (
    NOTICE_KIND,
    OVERDUE_DAYS,
    REMINDER_KIND,
    TRANSFER_MACHINE,
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


def _number(org: Org, year: int) -> str:
    count = Transfer.objects.filter(from_org=org, number__startswith=f"{year}-{org.code}-").count()
    return f"{year}-{org.code}-{count + 1:03d}"


def transfer_start(*, actor: User, member: Member, to_org: Org, reason: str) -> Transfer:
    """The sending branch starts moving `member` to `to_org` (anywhere in the system); the
    member stays where they are until the receiving branch accepts."""
    reason = clean_text(reason, multiline=False).strip()
    if not reason:
        raise Refused("请填写转接原因（如工作调动、迁居）", field="reason")
    if len(reason) > 200:
        raise Refused("转接原因最多 200 个字", field="reason")
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
    return (
        Transfer.objects.select_for_update()
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
        if not can_manage_roster(actor, transfer.to_org):
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
        if not can_manage_roster(actor, transfer.from_org):
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
                users=[*managers_of(transfer.to_org), transfer.started_by_id],
                title=f"组织关系转接已等待 {days} 天：{transfer.member.user.name}",
                body=f"{transfer.from_org.name} → {transfer.to_org.name}（{transfer.number}）"
                "尚未接收或退回，请及时办理。",
                url=f"/transfers/{transfer.pk}/",
                kind=REMINDER_KIND,
                org=transfer.to_org,
                about=transfer,
                now=now,
            )
            count += 1
    return count


def find_target_orgs(text: str, *, limit: int = 20) -> list[Org]:
    """Branches anywhere in the system whose code is `text` or whose name contains it."""
    text = clean_text(text, multiline=False).strip()
    if not text:
        return []
    found = Org.objects.filter(kind__in=MEMBER_ORG_KINDS).filter(
        Q(code__iexact=text) | Q(name__contains=text)
    )
    return list(found.order_by("path")[:limit])
