"""Minutes under the AB rule, the state machine, amendments and photos."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from PIL import Image

from tests.meetings.conftest import local, plan, sign_in, statuses, write_minutes
from xianfeng.common.errors import Refused
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingState
from xianfeng.meetings.models import Amendment, Attachment, Meeting, Minutes

pytestmark = pytest.mark.django_db

TEXT = services.MinutesData(agenda="议程", discussion="讨论", resolutions="决议")


def state(meeting):
    return Meeting.objects.get(pk=meeting.pk).state


def test_a_writes_b_approves(branch):
    meeting = plan(branch)
    sign_in(meeting, branch.recorder_a)
    sign_in(meeting, branch.recorder_b)
    write_minutes(meeting, branch.recorder_a)
    assert state(meeting) == MeetingState.SUBMITTED
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.written_by == branch.recorder_a
    services.minutes_approve(actor=branch.recorder_b, meeting=meeting)
    minutes.refresh_from_db()
    assert state(meeting) == MeetingState.APPROVED
    assert minutes.approved_by == branch.recorder_b
    # Who never signed in is recorded absent once B signs off, except the host (who
    # evidently attended), recorded present as a visible 补录.
    got = statuses(meeting)
    assert (got["member_a1"], got["member_a1b"], got["m_a1c"], got["m_a1p"]) == (
        "present",
        "present",
        "absent",
        "absent",
    )
    host = meeting.attendances.get(user=branch.secretary)
    assert (host.status, host.source, host.reason, host.recorded_by) == (
        "present",
        "manual",
        "主持会议，未扫码签到",
        branch.recorder_b,
    )


def test_only_b_approves(branch):
    meeting = plan(branch)
    write_minutes(meeting, branch.recorder_a)
    county = branch.county
    for who in (branch.recorder_a, branch.secretary, branch.organizer, county.county_admin):
        with pytest.raises(PermissionDenied, match="只有记录人B可以审核会议记录"):
            services.minutes_approve(actor=who, meeting=meeting)
        with pytest.raises(PermissionDenied):
            services.minutes_return(actor=who, meeting=meeting, note="请补充")
    assert state(meeting) == MeetingState.SUBMITTED
    assert Minutes.objects.get(meeting=meeting).approved_by is None


def test_b_does_not_write_while_a_is_not_recorded_absent(branch):
    meeting = plan(branch)
    with pytest.raises(PermissionDenied, match="A 被记为缺席或请假后，才由记录人B代为记录"):
        services.minutes_save(
            actor=branch.recorder_b, meeting=meeting, data=TEXT, now=meeting.ends_at
        )
    with pytest.raises(PermissionDenied, match="只有记录人可以填写会议记录"):
        services.minutes_save(
            actor=branch.secretary, meeting=meeting, data=TEXT, now=meeting.ends_at
        )
    assert not Minutes.objects.filter(meeting=meeting).exists()
    assert state(meeting) == MeetingState.PLANNED


def test_b_stands_in_for_an_absent_a_and_the_host_approves(branch):
    meeting = plan(branch)
    services.attendance_record(
        actor=branch.secretary,
        meeting=meeting,
        user_id=branch.recorder_a.pk,
        status="absent",
        reason="临时出差，未到会",
        now=meeting.ends_at,
    )
    with pytest.raises(PermissionDenied):
        services.minutes_save(
            actor=branch.recorder_a, meeting=meeting, data=TEXT, now=meeting.ends_at
        )
    write_minutes(meeting, branch.recorder_b)
    assert state(meeting) == MeetingState.SUBMITTED
    with pytest.raises(PermissionDenied, match="应由会议主持人审核"):
        services.minutes_approve(actor=branch.recorder_b, meeting=meeting)
    assert state(meeting) == MeetingState.SUBMITTED
    services.minutes_approve(actor=branch.secretary, meeting=meeting)  # the host
    assert state(meeting) == MeetingState.APPROVED


def test_a_on_approved_leave_counts_as_absent(branch):
    meeting = plan(branch)
    leave = services.leave_request(
        user=branch.recorder_a, meeting=meeting, reason="住院", now=meeting.starts_at
    )
    services.leave_decide(actor=branch.secretary, leave=leave, approve=True)
    write_minutes(meeting, branch.recorder_b)
    assert Minutes.objects.get(meeting=meeting).written_by == branch.recorder_b


def test_b_returns_and_a_resubmits(branch):
    meeting = plan(branch)
    write_minutes(meeting, branch.recorder_a)
    services.minutes_return(actor=branch.recorder_b, meeting=meeting, note="请补充讨论发言")
    assert state(meeting) == MeetingState.HELD
    assert Minutes.objects.get(meeting=meeting).returned_note == "请补充讨论发言"
    with pytest.raises(Refused, match="尚未提交审核"):
        services.minutes_approve(actor=branch.recorder_b, meeting=meeting)
    write_minutes(meeting, branch.recorder_a)
    assert Minutes.objects.get(meeting=meeting).returned_note == ""
    services.minutes_approve(actor=branch.recorder_b, meeting=meeting)
    assert state(meeting) == MeetingState.APPROVED


def test_no_minutes_before_the_start_nor_without_an_agenda(branch):
    meeting = plan(branch)
    with pytest.raises(Refused, match="会议尚未开始"):
        services.minutes_save(
            actor=branch.recorder_a,
            meeting=meeting,
            data=TEXT,
            now=meeting.starts_at.replace(hour=9),
        )
    services.minutes_save(
        actor=branch.recorder_a,
        meeting=meeting,
        data=services.MinutesData(discussion="只有讨论"),
        now=meeting.ends_at,
    )
    assert state(meeting) == MeetingState.HELD  # the record began: the meeting was held
    with pytest.raises(Refused, match="请先填写会议议程"):
        services.minutes_submit(actor=branch.recorder_a, meeting=meeting)
    assert state(meeting) == MeetingState.HELD


def approved(branch):
    meeting = plan(branch)
    write_minutes(meeting, branch.recorder_a)
    services.minutes_approve(actor=branch.recorder_b, meeting=meeting)
    return Meeting.objects.get(pk=meeting.pk)


def test_approved_and_archived_minutes_are_never_silently_edited(branch):
    meeting = approved(branch)
    before = Minutes.objects.get(meeting=meeting)
    with pytest.raises(Refused, match="请使用“修订”并写明理由"):
        services.minutes_save(actor=branch.recorder_a, meeting=meeting, data=TEXT)
    with pytest.raises(PermissionDenied):
        services.meeting_archive(actor=branch.recorder_b, meeting=meeting)
    services.meeting_archive(actor=branch.secretary, meeting=meeting)
    assert state(meeting) == MeetingState.ARCHIVED
    with pytest.raises(Refused, match="请使用“修订”并写明理由"):
        services.minutes_save(actor=branch.recorder_a, meeting=meeting, data=TEXT)
    with pytest.raises(Refused, match="出勤不能再补录"):
        services.attendance_record(
            actor=branch.secretary,
            meeting=meeting,
            user_id=branch.recorder_a.pk,
            status="present",
            reason="补签",
        )
    after = Minutes.objects.get(meeting=meeting)
    assert (after.agenda, after.discussion, after.resolutions) == (
        before.agenda,
        before.discussion,
        before.resolutions,
    )


def test_an_amendment_keeps_the_old_text_and_the_reason(client, branch):
    meeting = approved(branch)
    services.meeting_archive(actor=branch.secretary, meeting=meeting)
    with pytest.raises(Refused, match="请写明修订理由"):
        services.meeting_amend(
            actor=branch.recorder_a, meeting=meeting, changes={"resolutions": "新决议"}, note=""
        )
    with pytest.raises(Refused, match="没有修改任何内容"):
        services.meeting_amend(
            actor=branch.recorder_a,
            meeting=meeting,
            changes={"resolutions": "同意列为发展对象"},
            note="核对原件",
        )
    with pytest.raises(PermissionDenied):
        services.meeting_amend(
            actor=branch.full[2].user,
            meeting=meeting,
            changes={"resolutions": "x"},
            note="我想改一下决议",
        )
    made = services.meeting_amend(
        actor=branch.recorder_a,
        meeting=meeting,
        changes={"resolutions": "同意将钱正式同志列为发展对象", "place": "村委会"},
        note="与纸质记录核对，补全姓名",
    )
    assert [(a.field, a.before, a.after) for a in made] == [
        ("place", "社区党群服务中心二楼会议室", "村委会"),
        ("resolutions", "同意列为发展对象", "同意将钱正式同志列为发展对象"),
    ]
    assert Amendment.objects.filter(meeting=meeting).count() == 2
    assert Minutes.objects.get(meeting=meeting).resolutions == "同意将钱正式同志列为发展对象"
    assert state(meeting) == MeetingState.ARCHIVED
    client.force_login(branch.secretary)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "修订记录" in html and "与纸质记录核对，补全姓名" in html
    assert "<del>同意列为发展对象</del>" in html


def test_amendments_are_for_approved_minutes_only(branch):
    meeting = plan(branch)
    write_minutes(meeting, branch.recorder_a, submit=False)
    with pytest.raises(Refused, match="尚未审核，请直接修改"):
        services.meeting_amend(
            actor=branch.recorder_a, meeting=meeting, changes={"agenda": "x"}, note="修订一下"
        )


def jpeg(width, height, *, orientation=None):
    image = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    image.save(out, format="JPEG", exif=exif.tobytes())
    out.seek(0)
    return out


def test_photos_are_turned_upright_and_shrunk(branch, private_storage_in_tmp):
    meeting = plan(branch, starts=local(2026, 3, 10))
    services.meeting_mark_held(actor=branch.secretary, meeting=meeting, now=meeting.ends_at)
    # A portrait phone photo stored landscape with an EXIF rotation of 90°.
    photo = services.attachment_add(
        actor=branch.recorder_a,
        meeting=meeting,
        kind="photo",
        handle=jpeg(4000, 3000, orientation=6),
        size=500_000,
        name="IMG_0001.JPG",
    )
    assert (photo.width, photo.height) == (1200, 1600)
    with photo.image.open("rb") as handle:
        stored = Image.open(handle)
        assert stored.size == (1200, 1600)
        assert stored.getexif().get(0x010F) is None  # camera data dropped
    with photo.thumb.open("rb") as handle:
        assert max(Image.open(handle).size) == 480
    sheet = services.attachment_add(
        actor=branch.recorder_b,
        meeting=meeting,
        kind="sheet",
        handle=jpeg(5000, 3500),
        size=600_000,
        name="签到表.jpg",
    )
    assert (sheet.width, sheet.height) == (2400, 1680)
    with pytest.raises(Refused, match="无法识别的图片"):
        services.attachment_add(
            actor=branch.recorder_a,
            meeting=meeting,
            kind="photo",
            handle=io.BytesIO(b"%PDF-1.4 not a picture"),
            size=22,
        )
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            actor=branch.full[2].user,
            meeting=meeting,
            kind="photo",
            handle=jpeg(100, 100),
            size=1000,
        )
    assert Attachment.objects.filter(meeting=meeting).count() == 2
    assert sorted(p.name for p in private_storage_in_tmp.rglob("*.jpg")) == sorted(
        [
            photo.image.name.rsplit("/", 1)[1],
            photo.thumb.name.rsplit("/", 1)[1],
            sheet.image.name.rsplit("/", 1)[1],
            sheet.thumb.name.rsplit("/", 1)[1],
        ]
    )
    services.attachment_delete(actor=branch.recorder_a, attachment=photo)
    assert Attachment.objects.filter(meeting=meeting).count() == 1


def test_the_state_machine_refuses_skips(branch):
    meeting = plan(branch)
    with pytest.raises(PermissionDenied):
        services.meeting_archive(actor=branch.recorder_a, meeting=meeting)
    with pytest.raises(Refused, match="不能从“已安排”变为“已归档”"):
        services.meeting_archive(actor=branch.secretary, meeting=meeting)
    with pytest.raises(Refused, match="会议尚未开始"):
        services.meeting_mark_held(
            actor=branch.secretary, meeting=meeting, now=meeting.starts_at.replace(hour=8)
        )
    services.meeting_mark_held(actor=branch.recorder_b, meeting=meeting, now=meeting.starts_at)
    with pytest.raises(Refused, match="不能从“已召开”变为“已取消”"):
        services.meeting_cancel(actor=branch.secretary, meeting=meeting, reason="取消")
    assert state(meeting) == MeetingState.HELD
