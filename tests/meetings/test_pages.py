"""The pages' forms call the services: plan, leave, 补录, minutes, approval, rules."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.meetings.conftest import plan, write_minutes
from xianfeng.meetings.models import Attendance, LeaveRequest, Meeting, MeetingRule
from xianfeng.notify.services import notify

pytestmark = pytest.mark.django_db


def test_plan_page(client, branch):
    client.force_login(branch.secretary)
    page = client.get(reverse("meetings:plan")).content.decode()
    assert 'type="datetime-local"' in page and "东街组织委员" in page
    response = client.post(
        reverse("meetings:plan"),
        {
            "org": "A1",
            "kind": "lecture",
            "topic": "党课：红船精神",
            "starts_at": "2026-12-01T15:00",
            "ends_at": "2026-12-01T16:00",
            "place": "党员活动室",
            "host": branch.secretary.pk,
            "recorder_a": branch.recorder_a.pk,
            "recorder_b": branch.recorder_b.pk,
            "speaker_name": "县委党校王老师",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert (meeting.kind, meeting.speaker_name, meeting.month) == ("lecture", "县委党校王老师", 12)
    assert timezone.localtime(meeting.starts_at).hour == 15
    refused = client.post(
        reverse("meetings:plan"),
        {
            "org": "A1",
            "kind": "assembly",
            "topic": "x",
            "starts_at": "2026-12-01T15:00",
            "ends_at": "2026-12-01T16:00",
            "place": "p",
            "host": branch.recorder_a.pk,
            "recorder_a": branch.recorder_a.pk,
            "recorder_b": branch.recorder_b.pk,
        },
    ).content.decode()
    assert "主持人、记录人A、记录人B应为三位不同的同志" in refused
    assert client.get(reverse("meetings:plan") + "?org=B1").status_code == 404
    client.force_login(branch.full[2].user)
    assert client.get(reverse("meetings:plan")).status_code == 403


def test_leave_and_decision_pages(client, branch):
    meeting = plan(branch, starts=timezone.now() + datetime.timedelta(days=1))
    member = branch.full[2].user
    client.force_login(member)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'name="reason"' in html and "请假" in html
    client.post(reverse("meetings:leave", args=[meeting.pk]), {"reason": "出差"})
    leave = LeaveRequest.objects.get()
    client.force_login(branch.secretary)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "请假申请" in html and "出差" in html
    client.post(
        reverse("meetings:leave_decide", args=[meeting.pk, leave.pk]), {"decision": "approve"}
    )
    assert Attendance.objects.get(meeting=meeting, user=member).status == "leave"


def test_minutes_pages_follow_the_ab_rule(client, branch):
    meeting = plan(branch, starts=timezone.now() - datetime.timedelta(hours=2), minutes=60)
    url = reverse("meetings:minutes", args=[meeting.pk])
    client.force_login(branch.recorder_b)
    assert 'id="minutes-form"' not in client.get(url).content.decode()
    assert client.post(url, {"agenda": "x"}).status_code == 403
    client.force_login(branch.recorder_a)
    assert 'id="minutes-form"' in client.get(url).content.decode()
    client.post(url, {"agenda": "议程", "resolutions": "决议", "then": "submit"})
    assert Meeting.objects.get(pk=meeting.pk).state == "submitted"
    client.force_login(branch.recorder_b)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "审核通过" in html
    client.post(reverse("meetings:action", args=[meeting.pk, "approve"]))
    assert Meeting.objects.get(pk=meeting.pk).state == "approved"
    client.force_login(branch.secretary)
    client.post(reverse("meetings:action", args=[meeting.pk, "archive"]))
    assert Meeting.objects.get(pk=meeting.pk).state == "archived"
    amend = reverse("meetings:amend", args=[meeting.pk])
    page = client.get(amend).content.decode()
    assert "修订理由" in page
    client.post(
        amend,
        {"topic": meeting.topic, "place": meeting.place, "agenda": "议程（修订）",
         "resolutions": "决议", "note": "补充议程"},
    )  # fmt: skip
    assert meeting.amendments.get().after == "议程（修订）"


def test_record_page(client, branch):
    meeting = plan(branch, starts=timezone.now() - datetime.timedelta(hours=2), minutes=60)
    client.force_login(branch.recorder_b)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "补录原因" in html
    client.post(
        reverse("meetings:record", args=[meeting.pk]),
        {"user": branch.full[3].user.pk, "status": "present", "reason": "手机没电"},
    )
    row = Attendance.objects.get(meeting=meeting, user=branch.full[3].user)
    assert (row.status, row.source, row.reason) == ("present", "manual", "手机没电")


def test_rules_page(client, branch):
    client.force_login(branch.county.county_admin)
    url = reverse("meetings:rules", args=["TA"])
    assert "默认（三会一课规定）" in client.get(url).content.decode()
    client.post(url, {"assembly": "month", "theme_day": ""})
    assert list(MeetingRule.objects.values_list("org__code", "kind", "period")) == [
        ("TA", "assembly", "month")
    ]
    assert "城关镇党委" in client.get(reverse("meetings:rules", args=["A1"])).content.decode()
    client.force_login(branch.secretary)
    assert client.get(url).status_code == 404


def test_attendees_page(client, branch):
    meeting = plan(branch)
    client.force_login(branch.secretary)
    url = reverse("meetings:attendees", args=[meeting.pk])
    html = client.get(url).content.decode()
    assert "周预备" in html
    keep = [branch.secretary.pk, branch.recorder_a.pk, branch.recorder_b.pk, branch.full[2].user.pk]
    client.post(url, {"people": [str(pk) for pk in keep]})
    assert set(meeting.attendances.values_list("user_id", flat=True)) == set(keep)


def test_overview_and_branch_pages(client, branch):
    meeting = plan(branch, starts=timezone.now() - datetime.timedelta(hours=3), minutes=60)
    write_minutes(meeting, branch.recorder_a)
    client.force_login(branch.county.county_admin)
    html = client.get(reverse("meetings:overview")).content.decode()
    assert 'id="heatmap"' in html and "东街社区党支部" in html and "柳湾村党支部" in html
    assert "城关镇党委" in html  # the drill-down links
    html = client.get(
        reverse("meetings:overview"), {"sort": "failed", "kind": "assembly"}
    ).content.decode()
    assert html.count('<td class="org">') == 3
    html = client.get(reverse("meetings:branch", args=["A1"])).content.decode()
    assert "下载年度台账" in html and meeting.topic in html and "待审核" in html
    assert client.get(reverse("meetings:branch", args=["TA"])).status_code == 404


def test_home_shows_meeting_notices_in_the_one_notifications_panel(client, branch):
    soon = timezone.now() + datetime.timedelta(days=2)
    meeting = plan(branch, topic="近期党员大会", starts=soon)
    contest_news = "《矿灯下的初心》在一人一课第一轮晋级"
    notify(users=[branch.recorder_a], title=contest_news, kind="contest.result")
    client.force_login(branch.recorder_a)
    html = client.get(reverse("common:home")).content.decode()
    # One notifications panel with both apps' news, newest first; the meetings panel
    # lists the meeting, not its notice again.
    assert html.count("新通知") == 1
    notice = "会议通知：支部党员大会「近期党员大会」"
    assert html.count(notice) == 1
    assert html.index(contest_news) < html.index(notice)
    assert f'href="{reverse("meetings:detail", args=[meeting.pk])}">{notice}</a>' in html
    assert html.count(f'href="{reverse("meetings:detail", args=[meeting.pk])}"') == 2
