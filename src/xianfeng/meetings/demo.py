"""Demo content for `seed_demo`: a year of 三会一课 in the secretary persona's branch and a
patchier record in the other branches of her town, all through the services (QR sign-in,
AB minutes, approval), so `make run` shows a ledger, a heat map and tasks waiting."""

from __future__ import annotations

import datetime
import random
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.models import Meeting
from xianfeng.meetings.tokens import CHECKIN
from xianfeng.orgs.enums import OrgKind, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.enums import MemberStatus
from xianfeng.people.models import Member, User

TOPICS: dict[str, list[str]] = {
    MeetingKind.THEME_DAY: [
        "重温入党誓词，走访困难党员",
        "学习《中国共产党章程》总纲",
        "社区环境整治志愿服务",
        "观看红色电影《长津湖》并交流",
        "学雷锋志愿服务进社区",
        "消防安全知识进楼栋",
    ],
    MeetingKind.ASSEMBLY: [
        "讨论确定发展对象",
        "审议支部年度工作计划",
        "民主推荐优秀共产党员",
        "通报支部半年工作情况",
    ],
    MeetingKind.LECTURE: [
        "书记讲党课：守初心、担使命",
        "党课：从“枫桥经验”看基层治理",
        "党课：新时代党员的责任与担当",
        "党课：学习贯彻党的二十大精神",
    ],
}
PLACES = ["社区党群服务中心二楼会议室", "社区新时代文明实践站", "东街社区居委会会议室"]


@dataclass
class _Branch:
    org: Org
    secretary: User
    recorder_a: User
    recorder_b: User
    members: list[User]


def _local(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )


def _branch(org: Org, secretary: User | None = None) -> _Branch | None:
    """A branch with a host and two recorders among its full members."""
    full = list(
        User.objects.filter(member__org=org, member__status=MemberStatus.FULL).order_by("pk")
    )
    if secretary is None:
        role = Role.objects.filter(org=org, kind=RoleKind.SECRETARY).select_related("user").first()
        secretary = role.user if role else (full[0] if full else None)
    if secretary is None:
        return None
    others = [u for u in full if u.pk != secretary.pk]
    if len(others) < 2:
        return None
    return _Branch(org, secretary, others[0], others[1], full)


def _held(
    branch: _Branch,
    kind: str,
    day: datetime.date,
    rng: random.Random,
    *,
    approve: bool = True,
    recorder_a: User | None = None,
) -> Meeting:
    """Planned, signed in with the QR code by most members, minutes by A, approved by B."""
    starts = _local(day, 15 if kind != MeetingKind.THEME_DAY else 9)
    recorder_a = recorder_a or branch.recorder_a
    meeting = services.meeting_plan(
        actor=branch.secretary,
        org=branch.org,
        data=services.MeetingData(
            kind=kind,
            topic=rng.choice(TOPICS.get(kind, TOPICS[MeetingKind.THEME_DAY])),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=90),
            place=rng.choice(PLACES),
            host=branch.secretary,
            recorder_a=recorder_a,
            recorder_b=branch.recorder_b,
            speaker=branch.secretary if kind == MeetingKind.LECTURE else None,
            speaker_name=branch.secretary.name if kind == MeetingKind.LECTURE else "",
        ),
    )
    arrive = starts + datetime.timedelta(minutes=2)
    token = CHECKIN.make(meeting.pk, meeting.checkin_key, CHECKIN.step_at(arrive))
    for user in branch.members:
        if rng.random() < 0.82:
            services.checkin(user=user, token=token, now=arrive)
    services.minutes_save(
        actor=recorder_a,
        meeting=meeting,
        data=services.MinutesData(
            agenda=f"一、{meeting.topic}；二、党员交流发言；三、布置下阶段工作",
            discussion="与会党员结合本职工作逐一发言，联系实际查找差距，提出改进措施。",
            resolutions="会议议定事项由支委会分工落实，下次会议通报进展。",
        ),
        now=meeting.ends_at,
    )
    services.minutes_submit(actor=recorder_a, meeting=meeting, now=meeting.ends_at)
    if approve:
        services.minutes_approve(
            actor=branch.recorder_b,
            meeting=meeting,
            now=meeting.ends_at + datetime.timedelta(days=1),
        )
    return meeting


def _quarter_days(year: int, until: datetime.date) -> list[datetime.date]:
    days = [datetime.date(year, month, 18) for month in (2, 5, 8, 11)]
    return [d for d in days if d < until]


def seed(rng: random.Random | None = None) -> str:
    """The registered seeder (common/demo.py)."""
    rng = rng or random.Random(2026)
    today = timezone.localdate()
    secretary = User.objects.get(username="secretary")
    persona_branch = Role.objects.get(user=secretary, kind=RoleKind.SECRETARY).org
    home = _branch(persona_branch, secretary)
    if home is None:
        return "演示支部人数不足，未生成三会一课。"
    member = User.objects.filter(username="member").first()
    if member is not None and Member.objects.filter(user=member, org=persona_branch).exists():
        # The member persona writes the minutes: she sees them in her tasks.
        home.recorder_a = member
        home.members = [u for u in home.members if u.pk != member.pk] + [member]
    made = 0
    months = [datetime.date(today.year, m, 10) for m in range(1, today.month)]
    for day in months:
        _held(home, MeetingKind.THEME_DAY, day, rng)
        made += 1
    for day in _quarter_days(today.year, today):
        _held(home, MeetingKind.ASSEMBLY, day, rng)
        _held(home, MeetingKind.LECTURE, day + datetime.timedelta(days=3), rng)
        made += 2
    # This month: one held meeting waiting for recorder B, and one coming next week.
    if today.day > 2:
        _held(home, MeetingKind.THEME_DAY, today - datetime.timedelta(days=1), rng, approve=False)
        made += 1
    starts = _local(today + datetime.timedelta(days=7), 15)
    services.meeting_plan(
        actor=home.secretary,
        org=home.org,
        data=services.MeetingData(
            kind=MeetingKind.ASSEMBLY,
            topic="讨论接收预备党员",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=90),
            place=PLACES[0],
            host=home.secretary,
            recorder_a=home.recorder_a,
            recorder_b=home.recorder_b,
        ),
    )
    made += 1
    # The other branches of the town: a patchier record for the heat map.
    town = persona_branch.parent
    assert town is not None
    neighbours = Org.objects.filter(parent=town, kind=OrgKind.BRANCH).exclude(pk=persona_branch.pk)
    for org in neighbours.order_by("path")[:12]:
        branch = _branch(org)
        if branch is None:
            continue
        diligence = rng.choice([0.95, 0.8, 0.6, 0.3])
        for day in months:
            if rng.random() < diligence:
                _held(
                    branch,
                    MeetingKind.THEME_DAY,
                    day + datetime.timedelta(days=rng.randint(0, 8)),
                    rng,
                )
                made += 1
    return f"已生成三会一课 {made} 次（东街社区全年台账，城关镇其他支部的记录）。"
