"""The member registry: adding and editing one member (rosters are in roster.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import transition
from xianfeng.notify.services import notify
from xianfeng.orgs.access import bump_users
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.checks import MemberData, member_problems
from xianfeng.people.enums import MEMBER_MACHINE, ON_ROLL
from xianfeng.people.idcard import mask_phone
from xianfeng.people.models import Member, User
from xianfeng.people.rules import login_refusal
from xianfeng.people.services.accounts import new_username
from xianfeng.people.services.history import member_move, probation_end_for

MEMBER_FIELDS = (
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "joined_on",
    "confirmed_on",
    "status",
    "is_mobile",
    "mobile_place",
    "position",
)


class MemberInvalid(Refused):
    """Several fields are wrong at once; `problems` maps each field to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("；".join(problems.values()))
        self.problems = problems


def _resolve_orgs(actor: User, data: MemberData) -> tuple[Org, Org | None]:
    org = Org.objects.filter(pk=data.org_id).first() if data.org_id else None
    if org is None:
        raise MemberInvalid({"org_id": "请选择所在党组织"})
    if actor is not None and not can_manage_roster(actor, org):
        raise PermissionDenied("您不能管理该组织的党员")
    if org.kind not in MEMBER_ORG_KINDS:
        raise MemberInvalid(
            {"org_id": f"党员应编入党支部等组织，不能直接编入{org.get_kind_display()}"}
        )
    group = None
    if data.group_id:
        group = Org.objects.filter(pk=data.group_id, parent=org, kind=OrgKind.GROUP).first()
        if group is None:
            raise MemberInvalid({"group_id": "党小组应是所在党支部下的党小组"})
    return org, group


def _check_unique(data: MemberData, *, user: User | None, member: Member | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.phone:
        taken = User.objects.filter(phone=data.phone)
        if user is not None:
            taken = taken.exclude(pk=user.pk)
        if taken.exists():
            problems["phone"] = "该手机号已被其他用户使用"
    if data.id_number:
        same_id = Member.objects.filter(id_number=data.id_number)
        if member is not None:
            same_id = same_id.exclude(pk=member.pk)
        if same_id.exists():
            problems["id_number"] = "该身份证号已在党员名册中"
    return problems


def member_create(*, actor: User, data: MemberData) -> Member:
    """Add one member (and the user account they sign in with) to the registry."""
    org, group = _resolve_orgs(actor, data)
    problems = member_problems(data) | _check_unique(data, user=None, member=None)
    if problems:
        raise MemberInvalid(problems)
    try:
        with transaction.atomic():
            user = User(username=new_username("m"), phone=data.phone or None, name=data.name)
            user.set_unusable_password()
            user.save()
            member = Member.objects.create(
                user=user,
                org=org,
                group=group,
                id_number=data.id_number or None,
                probation_ends_on=probation_end_for(data),
                **{name: getattr(data, name) for name in MEMBER_FIELDS},
            )
            audit_log(actor=actor, action="member.create", obj=member, org=org, data=_public(data))
    except IntegrityError as exc:
        raise MemberInvalid({"id_number": "手机号或身份证号刚被他人登记，请刷新后核对"}) from exc
    return member


def member_update(*, actor: User, member: Member, data: MemberData) -> Member:
    """Change a member's registry fields; moving to another org needs rights over both."""
    if actor is not None and not can_manage_roster(actor, member.org):
        raise PermissionDenied("您不能管理该党员")
    org, group = _resolve_orgs(actor, data)
    problems = member_problems(data) | _check_unique(data, user=member.user, member=member)
    phone_changed = (data.phone or None) != member.user.phone
    if phone_changed:
        # The phone is a login: changing it is managing the login (people/rules.py).
        refusal = login_refusal(actor, member.user)
        if refusal is not None:
            problems = {"phone": refusal, **problems}
    if problems:
        raise MemberInvalid(problems)
    before = _snapshot(member)
    try:
        with transaction.atomic():
            user = member.user
            user.name, user.phone = data.name, data.phone or None
            user.save(update_fields=["name", "phone"])
            if org.pk != member.org_id:
                # A correction of the org from today on; transfers between branches go
                # through 组织关系转接 with their own dates.
                member_move(member=member, org=org, group=group, on=timezone.localdate(),
                            reason="修改党员信息")  # fmt: skip
            member.org, member.group, member.id_number = org, group, data.id_number or None
            for name in MEMBER_FIELDS:
                if name == "status":
                    continue
                setattr(member, name, getattr(data, name))
            if data.status != member.status:
                _change_status(actor, member, data)
            member.save()
            after = _snapshot(member)
            changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            audit_log(actor=actor, action="member.update", obj=member, org=org, data=changed)
            if phone_changed:
                notify(
                    users=[user],
                    title="您的登录手机号已修改",
                    body=(
                        f"{getattr(actor, 'name', '') or '管理员'} 把您的登录手机号改为"
                        f"{mask_phone(user.phone) if user.phone else '空（只能用用户名登录）'}。"
                        "如有疑问，请联系上级组织。"
                    ),
                    kind="account.phone",
                    email=True,
                )
    except IntegrityError as exc:
        raise MemberInvalid({"id_number": "手机号或身份证号刚被他人登记，请刷新后核对"}) from exc
    return member


def _change_status(actor: User, member: Member, data: MemberData) -> None:
    """The form may correct 预备 ↔ 正式 as typed in; leaving the roll (停止党籍, 出党, 去世)
    and coming back are recorded as 党籍变动 with their dates and decisions."""
    if member.status not in ON_ROLL or data.status not in ON_ROLL:
        raise MemberInvalid({"status": "停止党籍、出党、去世请在党员页的“党籍变动”中办理"})
    # A typo fixed by hand (a probationary member who was in fact confirmed); the machine
    # refuses the way back, so a confirmed member is never quietly made probationary.
    transition(member, MEMBER_MACHINE, data.status, actor=actor, org=member.org, save=False,
               data={"member_id": member.pk, "corrected": True})  # fmt: skip


def _snapshot(member: Member) -> dict[str, Any]:
    values = {name: getattr(member, name) for name in MEMBER_FIELDS}
    values.update(
        name=member.user.name,
        phone=_masked(member.user.phone),
        id_number=_masked(member.id_number),
        org=member.org_id,
        group=member.group_id,
    )
    return values


def _masked(value: str | None) -> str:
    """The audit log says that a number changed, not what it is."""
    return f"…{value[-4:]}" if value else ""


def _public(data: MemberData) -> dict[str, Any]:
    values = asdict(data)
    values["phone"], values["id_number"] = _masked(data.phone), _masked(data.id_number)
    values.pop("extra", None)
    return values


def members_assign_groups(*, actor: User, branch: Org, assignments: dict[int, int | None]) -> int:
    """Put the branch's members into its party groups ({member id: group id or None});
    returns how many changed. Members and groups outside the branch are refused."""
    if not can_manage_roster(actor, branch):
        raise PermissionDenied("您不能管理该支部的党小组")
    groups = set(
        Org.objects.filter(
            parent=branch, kind=OrgKind.GROUP, dissolved_on__isnull=True
        ).values_list("pk", flat=True)
    )
    if any(g is not None and g not in groups for g in assignments.values()):
        raise Refused("所选党小组不属于本支部或已撤销")
    changed = 0
    with transaction.atomic():
        members = Member.objects.select_for_update().filter(
            org=branch, pk__in=list(assignments), left_on__isnull=True
        )
        found = {m.pk: m for m in members}
        if set(assignments) - set(found):
            raise Refused("名单中有不属于本支部的党员，请刷新页面后重试")
        for pk, group_id in sorted(assignments.items()):
            member = found[pk]
            if member.group_id == group_id:
                continue
            before = member.group_id
            Member.objects.filter(pk=pk).update(group_id=group_id, updated_at=timezone.now())
            bump_users([member.user_id])  # an UPDATE: no signal sees it (orgs/access.py)
            audit_log(
                actor=actor,
                action="member.group",
                obj=member,
                org=branch,
                data={"from": before, "to": group_id},
            )
            changed += 1
    return changed
