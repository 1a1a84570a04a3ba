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
    MeetingKind.LIFE: ["年度组织生活会"],
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
    # The members at the door, signed in with the code as they come (in one go).
    services.checkin_many(
        users=[user for user in branch.members if rng.random() < 0.82], token=token, now=arrive
    )
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


def _life(home: _Branch, rng: random.Random, today: datetime.date) -> Meeting:
    """A 组织生活会 six weeks ago: three 对照检查材料, criticism and self-criticism, and a
    整改清单 with one item closed on time, one overdue and one under way."""
    from xianfeng.meetings.services import life

    day = today - datetime.timedelta(days=42)
    meeting = _held(home, MeetingKind.LIFE, day, rng, approve=False)
    people = [home.secretary, home.recorder_a, home.recorder_b]
    for person, text in zip(
        people,
        [
            "一、对照党章党规，在理论学习上满足于完成规定动作，结合实际思考不够。\n"
            "二、联系服务群众还不够经常，走访困难党员的次数偏少。\n"
            "三、整改措施：每月至少走访两户困难党员，每季度讲一次党课。",
            "在发挥先锋模范作用方面，参加志愿服务的次数不多；今后每月参加一次社区志愿服务。",
            "学习强国等线上学习不够系统，今后坚持每日学习，按时完成支部学习计划。",
        ],
        strict=True,
    ):
        life.material_save(actor=person, meeting=meeting, text=text)
    recorder = home.recorder_a
    life.criticism_add(
        actor=recorder,
        meeting=meeting,
        speaker_id=home.secretary.pk,
        target_id=None,
        content="作为书记，对支部党员的思想动态掌握不够及时，谈心谈话开展得少。",
    )
    life.criticism_add(
        actor=recorder,
        meeting=meeting,
        speaker_id=home.recorder_b.pk,
        target_id=home.secretary.pk,
        content="建议书记在布置工作时多听听年轻党员的意见，会前征求意见再充分一些。",
    )
    when = meeting.ends_at
    items = [
        ("谈心谈话开展不够经常", "支委每季度与每名党员谈心一次，建台账", home.secretary, 14),
        ("困难党员走访次数偏少", "建立走访台账，每月走访两户，帮办实事", home.recorder_a, 28),
        ("线上学习不够系统", "制定个人学习计划，每周参加一次集中学习", home.recorder_b, 60),
    ]
    made = []
    for problem, measures, owner, days in items:
        made.append(
            life.rectification_add(
                actor=home.secretary,
                meeting=meeting,
                data=life.RectificationData(
                    problem=problem,
                    measures=measures,
                    owner_id=owner.pk,
                    deadline=day + datetime.timedelta(days=days),
                ),
                today=day,
            )
        )
    life.rectification_progress(
        actor=home.secretary, item=made[0], note="已与支部全体党员完成一轮谈心谈话，建立了台账。"
    )
    life.rectification_close(
        actor=home.secretary,
        item=made[0],
        note="台账齐全，整改到位",
        now=when + datetime.timedelta(days=10),
    )
    life.rectification_progress(
        actor=home.recorder_b, item=made[2], note="已制定个人学习计划，本月参加集中学习两次。"
    )
    services.minutes_approve(
        actor=home.recorder_b, meeting=meeting, now=when + datetime.timedelta(days=1)
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
    _life(home, rng, today)
    made += 1
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
