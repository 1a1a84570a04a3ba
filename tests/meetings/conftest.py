"""A branch ready for meetings: a committee of three, full and probationary members, a party
group; helpers that plan and carry meetings through the services."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

import pytest

from tests.factories import MemberFactory, UserFactory, grant
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.models import Meeting
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org
from xianfeng.people.enums import MemberStatus
from xianfeng.people.models import Member, User

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
LONG_AGO = datetime.date(2020, 1, 1)


def local(year: int, month: int, day: int, hour: int = 15, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


def use_tmp_private_storage(monkeypatch, path):
    """Meeting photos go to `path`, not var/private."""
    from xianfeng.meetings.models import Attachment

    storage = Attachment._meta.get_field("image").storage
    monkeypatch.setattr(storage, "base_location", str(path))
    monkeypatch.setattr(storage, "location", str(path))
    return path


@pytest.fixture(autouse=True)
def private_storage_in_tmp(monkeypatch, tmp_path):
    return use_tmp_private_storage(monkeypatch, tmp_path / "private")


@dataclass
class Branch:
    """Branch A1 of the county fixture, filled in."""

    org: Org
    group: Org
    secretary: User  # 书记, hosts
    organizer: User  # 组织委员
    propagandist: User  # 宣传委员
    recorder_a: User  # a full member
    recorder_b: User  # a full member
    full: list[Member]  # every full member of the branch
    probationary: Member
    county: object


@pytest.fixture
def branch(county) -> Branch:
    return make_branch(county)


def make_branch(county) -> Branch:
    org = county.branch_a1
    organizer = UserFactory(username="organizer_a1", name="东街组织委员")
    grant(organizer, org, RoleKind.ORGANIZER)
    a = county.member_a1  # 张东街, in the party group
    b = MemberFactory(org=org, user=UserFactory(username="member_a1b", name="赵记录"))
    c = MemberFactory(
        org=org, group=county.group_a1, user=UserFactory(username="m_a1c", name="钱正式")
    )
    d = MemberFactory(org=org, user=UserFactory(username="m_a1d", name="孙正式"))
    prob = MemberFactory(
        org=org,
        status=MemberStatus.PROBATIONARY,
        confirmed_on=None,
        user=UserFactory(username="m_a1p", name="周预备"),
    )
    # The branch and its group have existed for years (compliance counts from 成立日期).
    Org.objects.filter(
        pk__in=[org.pk, county.group_a1.pk, county.branch_a2.pk, county.branch_b1.pk]
    ).update(founded_on=LONG_AGO)
    org.refresh_from_db()
    return Branch(
        org=org,
        group=county.group_a1,
        secretary=county.secretary_a1,
        organizer=organizer,
        propagandist=county.propagandist_a1,
        recorder_a=a.user,
        recorder_b=b.user,
        full=[a, b, c, d],
        probationary=prob,
        county=county,
    )


def plan(
    branch: Branch,
    *,
    kind: str = MeetingKind.ASSEMBLY,
    starts: datetime.datetime | None = None,
    minutes: int = 90,
    topic: str = "学习贯彻党章专题会议",
    org: Org | None = None,
    actor: User | None = None,
    attendee_ids=None,
    **extra,
) -> Meeting:
    starts = starts or local(2026, 3, 10)
    data = services.MeetingData(
        kind=kind,
        topic=topic,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=minutes),
        place="社区党群服务中心二楼会议室",
        host=extra.pop("host", branch.secretary),
        recorder_a=extra.pop("recorder_a", branch.recorder_a),
        recorder_b=extra.pop("recorder_b", branch.recorder_b),
        speaker_name=extra.pop("speaker_name", "王书记" if kind == MeetingKind.LECTURE else ""),
        **extra,
    )
    if org is None:
        org = branch.group if kind == MeetingKind.GROUP else branch.org
    return services.meeting_plan(
        actor=actor or branch.secretary, org=org, data=data, attendee_ids=attendee_ids
    )


def sign_in(meeting: Meeting, user: User, *, at: datetime.datetime | None = None):
    from xianfeng.meetings.tokens import checkin_token, step_at

    at = at or meeting.starts_at
    token = checkin_token(meeting.pk, meeting.checkin_key, step_at(at))
    return services.checkin(user=user, token=token, now=at)


def write_minutes(meeting: Meeting, writer: User, *, submit: bool = True) -> Meeting:
    services.minutes_save(
        actor=writer,
        meeting=meeting,
        data=services.MinutesData(
            agenda="一、学习党章；二、讨论发展对象",
            discussion="大家围绕党章第一章进行了讨论",
            resolutions="同意列为发展对象",
        ),
        now=meeting.ends_at,
    )
    if submit:
        services.minutes_submit(actor=writer, meeting=meeting, now=meeting.ends_at)
    meeting.refresh_from_db()
    return meeting


def held_and_approved(branch: Branch, **kwargs) -> Meeting:
    """A meeting that went all the way: planned, recorded by A, approved by B."""
    meeting = plan(branch, **kwargs)
    write_minutes(meeting, meeting.recorder_a)
    services.minutes_approve(actor=meeting.recorder_b, meeting=meeting, now=meeting.ends_at)
    meeting.refresh_from_db()
    return meeting


def held_only(branch: Branch, **kwargs) -> Meeting:
    """Held and recorded, minutes submitted but never approved."""
    meeting = plan(branch, **kwargs)
    write_minutes(meeting, meeting.recorder_a)
    return meeting


def statuses(meeting: Meeting) -> dict[str, str]:
    return {
        a.user.username: a.status
        for a in meeting.attendances.select_related("user").order_by("user__username")
    }


def notices(meeting: Meeting | None = None, **filters):
    """The notifications meetings sent (notify.Notification), about `meeting` if given."""
    from django.urls import reverse

    from xianfeng.notify.models import Notification

    qs = Notification.objects.filter(kind__startswith="meeting.", **filters)
    if meeting is not None:
        qs = qs.filter(url=reverse("meetings:detail", args=[meeting.pk]))
    return qs
