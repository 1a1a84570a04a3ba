"""Demo 流动党员 for `make run`: two members of the secretary persona's branch work away —
one in another town's branch (which recorded a meeting they attended) and contacted this
quarter, one in Shenzhen not yet contacted this quarter."""

from __future__ import annotations

import datetime

from django.utils import timezone

from xianfeng.mobility import services
from xianfeng.mobility.enums import ActivityKind, ContactWay, quarter_start
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES, OrgKind, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.enums import MemberStatus
from xianfeng.people.models import Member, User


def seed() -> str:
    secretary = User.objects.filter(username="secretary").first()
    role = Role.objects.filter(user=secretary, kind=RoleKind.SECRETARY).first()
    if secretary is None or role is None:
        return "没有演示书记，未生成流动党员。"
    home = role.org
    movers = list(
        Member.objects.filter(
            org=home, status=MemberStatus.FULL, left_on__isnull=True, is_mobile=False
        )
        .exclude(user__username__in=["secretary", "member"])
        .exclude(user__roles__isnull=False)
        .order_by("-pk")[:2]
    )
    host = (
        Org.objects.filter(kind=OrgKind.BRANCH)
        .exclude(path__startswith=home.parent.path if home.parent else home.path)
        .order_by("path")
        .first()
    )
    if len(movers) < 2 or host is None:
        return "演示支部人数不足，未生成流动党员。"
    today = timezone.localdate()
    since = quarter_start(today) - datetime.timedelta(days=200)
    near = services.mobile_register(
        actor=secretary, member=movers[0],
        away=services.Away(
            place=f"本县{host.name}所在地", phone="13800002222", left_on=since,
            workplace="县工业园区电子厂", host_org=host, card_number=f"LD{today.year}0001",
        ),
    )  # fmt: skip
    services.mobile_contact_add(
        actor=secretary, record=near, on=quarter_start(today), way=ContactWay.WECHAT,
        summary="工作稳定，按时参加流入地支部的主题党日，党费已按月交纳。",
    )  # fmt: skip
    host_officer = (
        Role.objects.filter(org=host, kind__in=ROSTER_MANAGE_ROLES).select_related("user").first()
    )
    services.mobile_activity_add(
        actor=host_officer.user if host_officer else secretary, record=near,
        on=quarter_start(today), kind=ActivityKind.MEETING, title="参加主题党日：重温入党誓词",
    )  # fmt: skip
    services.mobile_register(
        actor=secretary, member=movers[1],
        away=services.Away(
            place="广东省深圳市宝安区", phone="13800003333", left_on=since,
            workplace="建筑工地", host_name="宝安区福永街道流动党员党支部",
            card_number=f"LD{today.year}0002",
        ),
    )  # fmt: skip
    return "流动党员：2 人外出登记，1 条联系记录，1 条流入地活动"
