"""Reminders to secretaries a week before a period ends, once per branch, kind and period."""

from __future__ import annotations

import datetime

import pytest

from tests.meetings.conftest import held_and_approved, local, notices
from xianfeng.common import periodic
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.models import ReminderSent

pytestmark = pytest.mark.django_db


def test_reminders_a_week_before_the_quarter_ends(branch):
    county = branch.county
    held_and_approved(branch, kind=MeetingKind.THEME_DAY, starts=local(2026, 3, 5))
    assert services.reminders_send(today=datetime.date(2026, 3, 24)) == 0  # 8 days before
    sent = services.reminders_send(today=datetime.date(2026, 3, 25))
    # A1's secretary and B1's secretary; A2 has nobody to tell.
    assert sent == 2
    a1 = notices().get(user=county.secretary_a1, kind="meeting.reminder")
    assert a1.title == "三会一课提醒：东街社区党支部本期还有 4 项未完成"
    assert a1.url == "/meetings/compliance/A1/"
    assert a1.body.splitlines() == [
        "尚未召开或记录尚未审核：",
        "支部党员大会（2026年第一季度，3月31日截止）",
        "支委会（2026年3月，3月31日截止）",
        "党小组会（2026年3月，3月31日截止）",
        "党课（2026年第一季度，3月31日截止）",
    ]
    b1 = notices().get(user=county.secretary_b1, kind="meeting.reminder")
    assert b1.title == "三会一课提醒：柳湾村党支部本期还有 3 项未完成"
    assert set(ReminderSent.objects.values_list("period_key", flat=True)) == {"2026-Q1", "2026-03"}
    # The next day: nothing new.
    assert services.reminders_send(today=datetime.date(2026, 3, 26)) == 0
    assert notices(kind="meeting.reminder").count() == 2


def test_no_reminder_for_what_is_done_and_organizer_stands_in(branch):
    county = branch.county
    from tests.factories import UserFactory, grant
    from xianfeng.orgs.enums import RoleKind

    organizer = UserFactory(username="organizer_a2", name="西街组织委员")
    grant(organizer, county.branch_a2, RoleKind.ORGANIZER)
    sent = services.reminders_send(today=datetime.date(2026, 12, 28))
    a2 = notices().get(user=organizer, kind="meeting.reminder")
    # December: the month, the fourth quarter, the second half (none) and the year.
    assert "组织生活会（2026年全年，12月31日截止）" in a2.body
    assert "民主评议党员（2026年全年，12月31日截止）" in a2.body
    assert "主题党日（2026年12月，12月31日截止）" in a2.body
    assert sent == 3


def test_the_periodic_job_is_registered_and_runs(branch):
    jobs = {job.name: job for job in periodic.jobs()}
    assert jobs["meetings.remind"].every == datetime.timedelta(hours=6)
    result = jobs["meetings.remind"].task.enqueue()
    assert isinstance(result.return_value, int)


def test_the_command_sends_them_too(branch):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("meetings_remind", "--date", "2026-03-25", stdout=out)
    assert out.getvalue() == "sent 2 reminder notices\n"
