"""A member over time (党籍变动): 转正, 延长预备期, 停止党籍, 出党, 去世, 恢复党籍, and moves
between orgs, each with its date, kept as history.

Every change of Member.status goes through MEMBER_MACHINE (common/transitions.py), which
publishes "member.<new status>"; every move closes the member's current stretch at their
org into a MemberPeriod, so figures can count a member for exactly the dates they belonged
(people/selectors.members_on)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import transition
from xianfeng.notify.services import notify
from xianfeng.orgs.access import bump_users
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, ROSTER_MANAGE_ROLES, OrgKind
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.checks import MemberData
from xianfeng.people.enums import MEMBER_MACHINE, MemberStatus, StatusChangeKind
from xianfeng.people.models import Member, MemberPeriod, StatusChange, User

S = MemberStatus

LEAVING = {
    StatusChangeKind.STOP: S.STOPPED,
    StatusChangeKind.EXPEL: S.EXPELLED,
    StatusChangeKind.DECEASE: S.DECEASED,
}

# 党章第七条: 预备期为一年; 延长预备期不能超过一年.
PROBATION_YEARS = 1
MAX_EXTENSION_YEARS = 1


def plus_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def probation_end(member: Member) -> datetime.date | None:
    """When the member's probation ends: the recorded end, or a year after joining."""
    if member.probation_ends_on:
        return member.probation_ends_on
    return plus_years(member.joined_on, PROBATION_YEARS) if member.joined_on else None


def probation_end_for(data: MemberData) -> datetime.date | None:
    """预备期满日期 of a new record: a year after joining, for a probationary member."""
    if data.status == S.PROBATIONARY and data.joined_on:
        return plus_years(data.joined_on, PROBATION_YEARS)
    return None


def _today() -> datetime.date:
    return timezone.localdate()


def _locked(actor: User | None, member: Member) -> Member:
    locked = Member.objects.select_for_update().select_related("org", "user").get(pk=member.pk)
    if actor is not None and not can_manage_roster(actor, locked.org):
        raise PermissionDenied("您不能管理该党员")
    return locked


def _not_future(day: datetime.date, label: str) -> None:
    if day > _today():
        raise Refused(f"{label}不能晚于今天", field="effective_on")


def _record(
    member: Member,
    *,
    kind: str,
    before: str,
    on: datetime.date,
    actor: User | None,
    **fields: object,
) -> StatusChange:
    return StatusChange.objects.create(
        member=member,
        kind=kind,
        from_status=before,
        to_status=member.status,
        effective_on=on,
        recorded_by=actor,
        **fields,
    )


def member_confirm(
    *,
    actor: User | None,
    member: Member,
    meeting_on: datetime.date,
    approved_on: datetime.date,
    effective_on: datetime.date | None = None,
    decision: str = "",
) -> StatusChange:
    """转正: a probationary member becomes a full member. The branch meeting (支部大会)
    discussed it and the higher committee approved it; the 转正 date is the day the
    probation ended (党章第七条), unless another is given."""
    with transaction.atomic():
        member = _locked(actor, member)
        if member.status != S.PROBATIONARY:
            raise MEMBER_MACHINE.refusal(member.status, S.FULL)
        end = probation_end(member)
        on = effective_on or end or approved_on
        if end and on < end:
            raise Refused(f"预备期到 {end:%Y-%m-%d} 才满，不能早于该日转正", field="effective_on")
        if member.joined_on and meeting_on < member.joined_on:
            raise Refused("支部大会日期早于入党日期", field="meeting_on")
        if approved_on < meeting_on:
            raise Refused("上级党委批准日期不能早于支部大会讨论日期", field="approved_on")
        _not_future(approved_on, "上级党委批准日期")
        before = member.status
        transition(
            member,
            MEMBER_MACHINE,
            S.FULL,
            actor=actor,
            org=member.org,
            fields={"confirmed_on": on},
            data={"member_id": member.pk, "user_id": member.user_id, "on": on.isoformat()},
        )
        return _record(
            member,
            kind=StatusChangeKind.CONFIRM,
            before=before,
            on=on,
            actor=actor,
            meeting_on=meeting_on,
            approved_on=approved_on,
            decision=decision,
        )


def member_extend_probation(
    *,
    actor: User | None,
    member: Member,
    until: datetime.date,
    reason: str,
    meeting_on: datetime.date,
    approved_on: datetime.date | None = None,
    decision: str = "",
) -> StatusChange:
    """延长预备期: the probation runs on until `until`, at most a year past its first end."""
    reason = reason.strip()
    if not reason:
        raise Refused("请填写延长预备期的原因", field="reason")
    with transaction.atomic():
        member = _locked(actor, member)
        if member.status != S.PROBATIONARY:
            raise Refused("只有预备党员才能延长预备期")
        end = probation_end(member)
        if end is None or member.joined_on is None:
            raise Refused("请先填写入党日期")
        first_end = plus_years(member.joined_on, PROBATION_YEARS)
        limit = plus_years(first_end, MAX_EXTENSION_YEARS)
        if until <= end:
            raise Refused(f"延长后的期满日期应晚于 {end:%Y-%m-%d}", field="until")
        if until > limit:
            raise Refused(f"延长预备期不能超过一年（最晚到 {limit:%Y-%m-%d}）", field="until")
        member.probation_ends_on = until
        member.save(update_fields=["probation_ends_on", "updated_at"])
        change = _record(
            member,
            kind=StatusChangeKind.EXTEND,
            before=member.status,
            on=meeting_on,
            actor=actor,
            meeting_on=meeting_on,
            approved_on=approved_on,
            decision=decision,
            reason=reason,
            new_end=until,
        )
        events.publish(
            "member.probation_extended",
            actor=actor,
            obj=member,
            org=member.org,
            data={"member_id": member.pk, "until": until.isoformat(), "from": end.isoformat()},
        )
        return change


def member_leave(
    *,
    actor: User | None,
    member: Member,
    kind: str,
    effective_on: datetime.date,
    reason: str = "",
    decision: str = "",
) -> StatusChange:
    """停止党籍, 出党 (with the decision) or 去世: the member leaves the roll on that day and
    is counted for nothing owed from it on."""
    target = LEAVING.get(StatusChangeKind(kind)) if kind in StatusChangeKind.values else None
    if target is None:
        raise Refused("不认识的党籍变动类别", field="kind")
    decision, reason = decision.strip(), reason.strip()
    if kind == StatusChangeKind.EXPEL and not decision:
        raise Refused("出党须填写组织处理决定（文号或决定内容）", field="decision")
    if kind == StatusChangeKind.STOP and not reason:
        raise Refused("请填写停止党籍的原因", field="reason")
    _not_future(effective_on, "生效日期")
    with transaction.atomic():
        member = _locked(actor, member)
        if member.joined_on and effective_on < member.joined_on:
            raise Refused("生效日期早于入党日期", field="effective_on")
        if member.org_since and effective_on < member.org_since:
            raise Refused(
                f"生效日期早于转入本组织的日期（{member.org_since:%Y-%m-%d}）",
                field="effective_on",
            )
        before = member.status
        transition(
            member,
            MEMBER_MACHINE,
            target,
            actor=actor,
            org=member.org,
            fields={"left_on": effective_on},
            data={
                "member_id": member.pk,
                "user_id": member.user_id,
                "on": effective_on.isoformat(),
            },
        )
        return _record(
            member,
            kind=kind,
            before=before,
            on=effective_on,
            actor=actor,
            reason=reason,
            decision=decision,
        )


def member_restore(
    *, actor: User | None, member: Member, effective_on: datetime.date, decision: str
) -> StatusChange:
    """恢复党籍 after 停止党籍: the member is on the roll again from that day; the stretch
    before the stop stays a closed period, the gap counts for nothing."""
    decision = decision.strip()
    if not decision:
        raise Refused("请填写恢复党籍的批准决定", field="decision")
    _not_future(effective_on, "生效日期")
    with transaction.atomic():
        member = _locked(actor, member)
        if member.status != S.STOPPED or member.left_on is None:
            raise MEMBER_MACHINE.refusal(member.status, S.FULL)
        if effective_on < member.left_on:
            raise Refused("恢复日期早于停止党籍日期", field="effective_on")
        MemberPeriod.objects.create(
            member=member,
            org=member.org,
            started_on=member.org_since,
            ended_on=member.left_on,
            reason="停止党籍",
        )
        before = member.status
        transition(
            member,
            MEMBER_MACHINE,
            S.FULL,
            actor=actor,
            org=member.org,
            fields={"left_on": None, "org_since": effective_on},
            data={"member_id": member.pk, "user_id": member.user_id, "restored": True},
        )
        return _record(
            member,
            kind=StatusChangeKind.RESTORE,
            before=before,
            on=effective_on,
            actor=actor,
            decision=decision,
        )


def member_transfer_out(
    *, actor: User | None, member: Member, on: datetime.date, note: str
) -> StatusChange:
    """组织关系转出系统外 is complete (the outside org's 回执 came back): the member leaves
    this system's roll on `on`; the record and its history stay. The permission is the
    transfer's (transfers.services)."""
    _not_future(on, "转出日期")
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    if member.org_since and on < member.org_since:
        raise Refused(
            f"转出日期早于转入本组织的日期（{member.org_since:%Y-%m-%d}）", field="effective_on"
        )
    before = member.status
    transition(
        member,
        MEMBER_MACHINE,
        S.TRANSFERRED,
        actor=actor,
        org=member.org,
        fields={"left_on": on},
        data={"member_id": member.pk, "user_id": member.user_id, "on": on.isoformat()},
    )
    return _record(
        member, kind=StatusChangeKind.TRANSFER, before=before, on=on, actor=actor, reason=note[:500]
    )


def member_transfer_back_in(
    *, actor: User | None, member: Member, org: Org, status: str, on: datetime.date, note: str
) -> StatusChange:
    """Someone transferred out of the system comes back (a letter from outside names them):
    the old record is on the roll again at `org` from `on`; the stretch before they left
    stays a closed period and the time away counts for nothing."""
    _not_future(on, "转入日期")
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    if member.status != S.TRANSFERRED or member.left_on is None:
        raise Refused(f"该身份证号已在党员名册中（{member.org.name}），请走系统内组织关系转接")
    if on < member.left_on:
        raise Refused(f"转入日期早于其转出日期（{member.left_on:%Y-%m-%d}）", field="effective_on")
    if org.kind not in MEMBER_ORG_KINDS:
        raise Refused(f"党员应编入党支部等组织，不能直接编入{org.get_kind_display()}")
    MemberPeriod.objects.create(
        member=member,
        org_id=member.org_id,
        started_on=member.org_since,
        ended_on=member.left_on,
        reason="转出系统外",
    )
    before = member.status
    transition(
        member,
        MEMBER_MACHINE,
        status,
        actor=actor,
        org=org,
        fields={"left_on": None, "org": org, "group": None, "org_since": on},
        data={"member_id": member.pk, "user_id": member.user_id, "on": on.isoformat()},
    )
    return _record(
        member, kind=StatusChangeKind.TRANSFER, before=before, on=on, actor=actor, reason=note[:500]
    )


def member_move(
    *,
    member: Member,
    org: Org,
    group: Org | None = None,
    on: datetime.date,
    reason: str,
) -> Member:
    """Move a member (already locked by the caller's transaction) to `org` from `on`: the
    stretch at the old org becomes a closed period. Permission is the caller's: a transfer
    accepted by the receiving branch, an edit by someone who manages both orgs."""
    if org.kind not in MEMBER_ORG_KINDS:
        raise Refused(f"党员应编入党支部等组织，不能直接编入{org.get_kind_display()}")
    if group is not None and (group.parent_id != org.pk or group.kind != OrgKind.GROUP):
        raise Refused("党小组应是所在党支部下的党小组")
    if member.org_id == org.pk:
        member.group = group
        member.save(update_fields=["group", "updated_at"])
        return member
    if member.org_since and on < member.org_since:
        raise Refused(f"调动日期早于转入现组织的日期（{member.org_since:%Y-%m-%d}）")
    if member.org_since is None or on > member.org_since:
        MemberPeriod.objects.create(
            member=member,
            org_id=member.org_id,
            started_on=member.org_since,
            ended_on=on,
            reason=reason[:200],
        )
    member.org, member.group, member.org_since = org, group, on
    member.save(update_fields=["org", "group", "org_since", "updated_at"])
    return member


def members_follow_org(source: Org, target: Org | None, on: datetime.date, reason: str) -> None:
    """orgs.services retire step. `source` merged into `target` from `on`: its members on
    the roll move there (their stretch at `source` closes that day); a party group's
    members go to the group it merged into. `source` dissolved (target None): a dissolved
    party group's members simply belong to no group."""
    if source.kind == OrgKind.GROUP:
        grouped = list(Member.objects.filter(group=source).values_list("user_id", flat=True))
        Member.objects.filter(group=source).update(group=target, updated_at=timezone.now())
        bump_users(grouped)  # an UPDATE: no signal sees it (orgs/access.py)
        return
    if target is None:
        return  # dissolving refuses while members remain (orgs.services.org_dissolve)
    moving = list(
        Member.objects.select_for_update()
        .filter(org=source, left_on__isnull=True)
        .select_related("user")
        .order_by("pk")
    )
    late = [m.user.name for m in moving if m.org_since and m.org_since > on]
    if late:
        raise Refused(f"合并日期早于{'、'.join(late[:5])}转入{source.name}的日期，请核对合并日期")
    note = f"{source.name}并入{target.name}"[:200]
    MemberPeriod.objects.bulk_create(
        [
            MemberPeriod(member=m, org=source, started_on=m.org_since, ended_on=on, reason=note)
            for m in moving
            if m.org_since is None or m.org_since < on
        ]
    )
    Member.objects.filter(pk__in=[m.pk for m in moving]).update(
        org=target, org_since=on, updated_at=timezone.now()
    )
    bump_users([m.user_id for m in moving])  # an UPDATE: no signal sees it (orgs/access.py)


PROBATION_NOTICE_DAYS = 30
PROBATION_KIND = "member.probation"


def probation_reminders_send(*, today: datetime.date | None = None) -> int:
    """Tell each branch's secretary, organiser and admin of probationary members whose
    probation ends within PROBATION_NOTICE_DAYS (or has ended without a decision), once
    per end date: 转正 needs a branch meeting and the higher committee's approval in time."""
    today = today or _today()
    horizon = today + datetime.timedelta(days=PROBATION_NOTICE_DAYS)
    due = list(
        Member.objects.filter(
            status=S.PROBATIONARY,
            left_on__isnull=True,
            probation_ends_on__isnull=False,
            probation_ends_on__lte=horizon,
        )
        .exclude(probation_reminded_for=F("probation_ends_on"))
        .select_related("user", "org")
        .order_by("org_id", "probation_ends_on", "pk")
    )
    by_org: dict[int, list[Member]] = {}
    for member in due:
        by_org.setdefault(member.org_id, []).append(member)
    managers: dict[int, list[int]] = {}
    for org_id, user_id in Role.objects.filter(
        org_id__in=list(by_org), kind__in=ROSTER_MANAGE_ROLES
    ).values_list("org_id", "user_id"):
        managers.setdefault(org_id, []).append(user_id)
    sent = 0
    for org_id, members in by_org.items():
        with transaction.atomic():
            claimed = [
                m
                for m in members
                if Member.objects.filter(pk=m.pk)
                .exclude(probation_reminded_for=F("probation_ends_on"))
                .update(probation_reminded_for=F("probation_ends_on"))
            ]
            if not claimed or not managers.get(org_id):
                continue
            lines = "；".join(
                f"{m.user.name}（{m.probation_ends_on:%Y-%m-%d} 期满）" for m in claimed
            )
            notify(
                users=managers[org_id],
                title=f"{len(claimed)} 名预备党员预备期即将期满",
                body=f"{claimed[0].org.name}：{lines}。请及时召开支部大会讨论转正或延长预备期，并报上级党委审批。",
                url=f"/members/{claimed[0].pk}/history/",
                kind=PROBATION_KIND,
                org=claimed[0].org,
            )
            sent += len(claimed)
    return sent


def member_set_mobile(*, member: Member, place: str | None) -> Member:
    """Mark the member 流动党员 at `place` (None: back home). The registration itself is the
    mobility app's; it calls this in its transaction, with its own permission check, so the
    roster's 流动党员 column and filter follow it."""
    member.is_mobile, member.mobile_place = place is not None, (place or "")[:100]
    member.save(update_fields=["is_mobile", "mobile_place", "updated_at"])
    return member
