"""Demo transfers for `make run`: the secretary persona's branch sent one member to a
village of another town last month (accepted), has one waiting to be received elsewhere,
and one coming in from another branch that has waited ten days (overdue, reminded)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from xianfeng.orgs import paths
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES, OrgKind, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.enums import MemberStatus
from xianfeng.people.models import Member, User
from xianfeng.transfers import services
from xianfeng.transfers.models import Transfer


def _manager(org: Org) -> User | None:
    role = (
        Role.objects.filter(org__path__in=_ancestors(org), kind__in=ROSTER_MANAGE_ROLES)
        .select_related("user")
        .order_by("-org__depth", "pk")
        .first()
    )
    return role.user if role else None


def _ancestors(org: Org) -> list[str]:
    return paths.ancestor_paths(org.path)


def seed() -> str:
    secretary = User.objects.filter(username="secretary").first()
    if secretary is None:
        return "没有演示书记，未生成组织关系转接。"
    home = Role.objects.get(user=secretary, kind=RoleKind.SECRETARY).org
    town = home.parent
    others = Org.objects.filter(kind=OrgKind.BRANCH).exclude(pk=home.pk)
    far = others.exclude(path__startswith=town.path if town else "~").order_by("path")
    near = others.filter(path__startswith=town.path if town else "~").order_by("path")
    movers = list(
        Member.objects.filter(org=home, status=MemberStatus.FULL, left_on__isnull=True)
        .exclude(user__username__in=["secretary", "member"])
        .exclude(user__roles__isnull=False)
        .order_by("pk")[:2]
    )
    away, nearby = far.first(), near.first()
    if len(movers) < 2 or away is None or nearby is None:
        return "演示支部人数不足，未生成组织关系转接。"
    receiver = _manager(away) or User.objects.get(username="county_admin")
    today = timezone.localdate()
    now = timezone.now()
    done = services.transfer_start(
        actor=secretary, member=movers[0], to_org=away, reason="到外镇企业工作，随迁"
    )
    services.transfer_accept(
        actor=receiver, transfer=done, effective_on=today - datetime.timedelta(days=20)
    )
    Transfer.objects.filter(pk=done.pk).update(started_at=now - datetime.timedelta(days=24))
    services.transfer_start(actor=secretary, member=movers[1], to_org=nearby, reason="迁居西街")
    incoming = (
        Member.objects.filter(org=nearby, status=MemberStatus.FULL, left_on__isnull=True)
        .exclude(user__roles__isnull=False)
        .order_by("pk")
        .first()
    )
    sender = _manager(nearby)
    made = 2
    if incoming is not None and sender is not None:
        waiting = services.transfer_start(
            actor=sender, member=incoming, to_org=home, reason="婚后迁入东街社区"
        )
        Transfer.objects.filter(pk=waiting.pk).update(started_at=now - datetime.timedelta(days=10))
        services.transfers_remind_overdue()
        made += 1
    leaver = (
        Member.objects.filter(org=home, status=MemberStatus.FULL, left_on__isnull=True)
        .exclude(user__username__in=["secretary", "member"])
        .exclude(user__roles__isnull=False)
        .exclude(pk__in=[m.pk for m in movers])
        .order_by("pk")
        .first()
    )
    if leaver is not None:
        services.transfer_out_start(
            actor=secretary,
            member=leaver,
            outside_org="浙江省杭州市滨江区长河街道党工委",
            reason="赴杭州工作",
        )
        made += 1
    return f"组织关系转接 {made} 件（已接收 1、待接收 {made - 1}，含转出系统外 1）。"
