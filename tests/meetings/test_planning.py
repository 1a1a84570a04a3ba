"""Planning: who may, who is expected, notices (and email), changes, leave, 补录."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from tests.factories import published_lesson
from tests.meetings.conftest import local, notices, plan, statuses
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.models import Attendance, LeaveRequest, Meeting
from xianfeng.notify.models import Notification, Prefs
from xianfeng.notify.services import deliveries_send
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def expected(meeting):
    return sorted(a.user.username for a in meeting.attendances.select_related("user"))


def test_expected_attendees_follow_the_kind(branch):
    assembly = plan(branch)
    assert expected(assembly) == [
        "m_a1c", "m_a1d", "m_a1p", "member_a1", "member_a1b", "secretary_a1",
    ]  # fmt: skip
    committee = plan(branch, kind=MeetingKind.COMMITTEE)
    assert expected(committee) == [
        "member_a1", "member_a1b", "organizer_a1", "propaganda_a1", "secretary_a1",
    ]  # fmt: skip
    group = plan(branch, kind=MeetingKind.GROUP)
    assert group.org == branch.group and group.branch == branch.org
    assert expected(group) == ["m_a1c", "member_a1", "member_a1b", "secretary_a1"]
    chosen = plan(branch, attendee_ids=[branch.full[2].user.pk])
    assert expected(chosen) == ["m_a1c", "member_a1", "member_a1b", "secretary_a1"]


def test_everyone_expected_is_notified(branch):
    meeting = plan(branch, starts=local(2026, 3, 10, 15, 0))
    told = notices(meeting)
    assert told.count() == 6
    notice = told.get(user=branch.probationary.user)
    assert (notice.kind, notice.url) == ("meeting.planned", f"/meetings/{meeting.pk}/")
    assert notice.title == "会议通知：支部党员大会「学习贯彻党章专题会议」"
    assert "时间：2026年03月10日 15:00—16:30" in notice.body
    assert "地点：社区党群服务中心二楼会议室" in notice.body


def test_notices_are_emailed_to_those_with_an_address(branch, django_capture_on_commit_callbacks):
    User.objects.filter(pk=branch.recorder_a.pk).update(email="zhang@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        meeting = plan(branch)
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]
    assert mail.outbox[0].subject == "【先锋】会议通知：支部党员大会「学习贯彻党章专题会议」"
    assert "张东街 同志" in mail.outbox[0].body
    sent = notices(meeting).get(user=branch.recorder_a)
    assert list(sent.deliveries.values_list("channel", "state")) == [("email", "sent")]
    # Running the job again sends nothing twice.
    assert deliveries_send() == 0
    assert len(mail.outbox) == 1


def test_no_email_for_who_turned_meeting_notices_off(branch, django_capture_on_commit_callbacks):
    User.objects.filter(pk=branch.recorder_a.pk).update(email="zhang@example.cn")
    Prefs.objects.create(user=branch.recorder_a, channels={"meeting.planned": []})
    with django_capture_on_commit_callbacks(execute=True):
        meeting = plan(branch)
    assert mail.outbox == []
    assert notices(meeting).filter(user=branch.recorder_a).count() == 1  # in the app


def test_a_meeting_for_another_branch_is_refused(branch):
    county = branch.county
    for who in (county.secretary_b1, branch.propagandist, county.county_admin, branch.recorder_a):
        with pytest.raises(PermissionDenied, match="您不能为该组织安排会议"):
            plan(branch, actor=who)
    assert not Meeting.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditLog.objects.filter(action="meeting.planned").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": MeetingKind.GROUP, "org": "branch"}, "党小组会应由党小组召开"),
        ({"kind": MeetingKind.ASSEMBLY, "org": "group"}, "支部党员大会应由党支部召开"),
        ({"host": "recorder_a"}, "主持人、记录人A、记录人B应为三位不同的同志"),
        ({"recorder_b": "outsider"}, "应为本支部党员或上级党组织的同志"),
        ({"minutes": -10}, "结束时间应晚于开始时间"),
        ({"minutes": 13 * 60}, "会议时长不能超过 12 小时"),
        ({"topic": "  "}, "请填写会议主题"),
        ({"kind": MeetingKind.LECTURE, "speaker_name": ""}, "党课请填写主讲人"),
    ],
)
def test_bad_plans_are_refused(branch, change, message):
    kwargs = dict(change)
    if kwargs.get("org") == "branch":
        kwargs["org"] = branch.org
    elif kwargs.get("org") == "group":
        kwargs["org"] = branch.group
    for role in ("host", "recorder_b"):
        if kwargs.get(role) == "recorder_a":
            kwargs[role] = branch.recorder_a
        elif kwargs.get(role) == "outsider":
            kwargs[role] = branch.county.member_b1.user
    with pytest.raises(Refused, match=message):
        plan(branch, **kwargs)
    assert not Meeting.objects.exists()


def test_a_lecture_links_a_lesson_the_planner_can_see(branch):
    own = published_lesson(org=branch.org, author=branch.recorder_a, title="矿灯下的初心")
    other = published_lesson(
        org=branch.county.branch_b1, author=branch.county.member_b1.user, title="柳湾村的课"
    )
    meeting = plan(
        branch, kind=MeetingKind.LECTURE, speaker=branch.recorder_a, lesson=own, topic="党课"
    )
    assert (meeting.lesson, meeting.speaker_name) == (own, "张东街")
    with pytest.raises(Refused, match="找不到该微党课"):
        plan(branch, kind=MeetingKind.LECTURE, lesson=other, topic="党课二")
    # Other kinds carry no speaker or lesson.
    meeting = plan(branch, lesson=own, speaker_name="外请专家")
    assert (meeting.lesson, meeting.speaker_name) == (None, "")


def test_changing_time_or_place_tells_everyone(branch):
    meeting = plan(branch, starts=local(2026, 3, 10))
    data = services.MeetingData(
        kind=meeting.kind,
        topic=meeting.topic,
        starts_at=local(2026, 3, 12, 9),
        ends_at=local(2026, 3, 12, 11),
        place=meeting.place,
        host=meeting.host,
        recorder_a=meeting.recorder_a,
        recorder_b=meeting.recorder_b,
    )
    services.meeting_update(actor=branch.organizer, meeting=meeting, data=data)
    meeting.refresh_from_db()
    assert (meeting.month, meeting.starts_at) == (3, local(2026, 3, 12, 9))
    changed = notices(meeting, kind="meeting.changed")
    assert changed.count() == 6
    assert "2026年03月12日 09:00—11:00" in changed.first().body
    data.kind = MeetingKind.LECTURE
    with pytest.raises(Refused, match="会议类型不能修改"):
        services.meeting_update(actor=branch.organizer, meeting=meeting, data=data)


def test_cancelling_needs_a_reason_and_tells_everyone(branch):
    meeting = plan(branch)
    with pytest.raises(Refused, match="请填写取消原因"):
        services.meeting_cancel(actor=branch.secretary, meeting=meeting, reason=" ")
    with pytest.raises(PermissionDenied):
        services.meeting_cancel(actor=branch.recorder_a, meeting=meeting, reason="有事")
    services.meeting_cancel(actor=branch.secretary, meeting=meeting, reason="上级会议冲突")
    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancel_reason) == ("cancelled", "上级会议冲突")
    assert notices(meeting, kind="meeting.cancelled").count() == 6


def test_attendees_change(branch):
    meeting = plan(branch)
    county = branch.county
    with pytest.raises(Refused, match="主持人和记录人不能移出应到名单"):
        services.attendees_change(
            actor=branch.secretary, meeting=meeting, remove=[branch.recorder_a.pk]
        )
    with pytest.raises(Refused, match="应为本支部党员或上级党组织的同志"):
        services.attendees_change(
            actor=branch.secretary, meeting=meeting, add=[county.member_b1.user.pk]
        )
    # A town official (a role above the branch) may attend as a guest.
    size = services.attendees_change(
        actor=branch.secretary,
        meeting=meeting,
        add=[county.town_a_admin.pk],
        remove=[branch.probationary.user.pk],
    )
    assert size == 6
    assert "town_admin" in expected(meeting) and "m_a1p" not in expected(meeting)
    assert notices(meeting, user=county.town_a_admin).count() == 1
    with pytest.raises(PermissionDenied):
        services.attendees_change(actor=branch.recorder_a, meeting=meeting, add=[])


def test_leave_is_requested_and_decided_by_the_secretary(branch):
    meeting = plan(branch)
    before = meeting.starts_at - datetime.timedelta(days=1)
    member = branch.full[2].user
    leave = services.leave_request(user=member, meeting=meeting, reason="外出务工", now=before)
    assert leave.status == "pending"
    asked = notices(meeting).get(kind="meeting.leave_request")
    assert (asked.user, asked.title) == (
        branch.secretary,
        "请假申请：钱正式 申请不参加「学习贯彻党章专题会议」",
    )
    for who in (branch.organizer, branch.propagandist, branch.recorder_b, member):
        with pytest.raises(PermissionDenied, match="只有支部书记可以审批请假"):
            services.leave_decide(actor=who, leave=leave, approve=True)
    assert LeaveRequest.objects.get(pk=leave.pk).status == "pending"
    services.leave_decide(actor=branch.secretary, leave=leave, approve=False, note="会议重要")
    assert statuses(meeting)["m_a1c"] == "expected"
    with pytest.raises(Refused, match="该请假申请已审批"):
        services.leave_decide(actor=branch.secretary, leave=leave, approve=True)
    again = services.leave_request(user=member, meeting=meeting, reason="家中有事", now=before)
    assert (again.pk, again.status, again.reason) == (leave.pk, "pending", "家中有事")
    services.leave_decide(actor=branch.secretary, leave=again, approve=True)
    row = Attendance.objects.get(meeting=meeting, user=member)
    assert (row.status, row.source, row.reason) == ("leave", "leave", "家中有事")
    assert notices(meeting, user=member, kind="meeting.leave").count() == 2
    with pytest.raises(Refused, match="您的请假已获批准"):
        services.leave_request(user=member, meeting=meeting, reason="再请一次", now=before)


def test_leave_refusals(branch):
    meeting = plan(branch)
    start = meeting.starts_at
    with pytest.raises(Refused, match="您不在本次会议的应到人员名单中"):
        services.leave_request(
            user=branch.county.member_b1.user, meeting=meeting, reason="有事", now=start
        )
    with pytest.raises(Refused, match="请写明请假事由"):
        services.leave_request(user=branch.recorder_a, meeting=meeting, reason=" ", now=start)
    with pytest.raises(Refused, match="不能再请假"):
        services.leave_request(
            user=branch.recorder_a,
            meeting=meeting,
            reason="有事",
            now=meeting.ends_at + datetime.timedelta(minutes=1),
        )
    from tests.meetings.conftest import sign_in

    sign_in(meeting, branch.recorder_a)
    with pytest.raises(Refused, match="您已签到，不能再请假"):
        services.leave_request(user=branch.recorder_a, meeting=meeting, reason="有事", now=start)
    assert not LeaveRequest.objects.exists()


def test_attendance_recorded_afterwards_is_marked(branch):
    meeting = plan(branch)
    after = meeting.ends_at + datetime.timedelta(hours=2)
    with pytest.raises(Refused, match="补录须写明原因"):
        services.attendance_record(
            actor=branch.recorder_b, meeting=meeting, user_id=branch.full[3].user.pk,
            status="present", reason="", now=after,
        )  # fmt: skip
    with pytest.raises(Refused, match="会议尚未开始"):
        services.attendance_record(
            actor=branch.recorder_b, meeting=meeting, user_id=branch.full[3].user.pk,
            status="present", reason="手机没电",
            now=meeting.starts_at - datetime.timedelta(hours=1),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.attendance_record(
            actor=branch.full[2].user, meeting=meeting, user_id=branch.full[3].user.pk,
            status="present", reason="手机没电", now=after,
        )  # fmt: skip
    with pytest.raises(PermissionDenied, match="请假只能由支部书记批准或补录"):
        services.attendance_record(
            actor=branch.recorder_b, meeting=meeting, user_id=branch.full[3].user.pk,
            status="leave", reason="事先口头请假", now=after,
        )  # fmt: skip
    row = services.attendance_record(
        actor=branch.recorder_b,
        meeting=meeting,
        user_id=branch.full[3].user.pk,
        status="late",
        reason="手机没电，未能扫码",
        now=after,
    )
    assert (row.status, row.source, row.reason, row.recorded_by) == (
        "late",
        "manual",
        "手机没电，未能扫码",
        branch.recorder_b,
    )
    # Someone who came though not on the list is added as they are recorded.
    guest = services.attendance_record(
        actor=branch.secretary,
        meeting=meeting,
        user_id=branch.county.town_a_admin.pk,
        status="present",
        reason="镇党委派员指导",
        now=after,
    )
    assert guest.source == "manual"
    assert Attendance.objects.filter(meeting=meeting).count() == 7
    audit = AuditLog.objects.filter(action="meeting.attendance_record").order_by("pk").first()
    assert audit.data == {
        "user": branch.full[3].user.pk,
        "from": "expected",
        "to": "late",
        "reason": "手机没电，未能扫码",
    }
