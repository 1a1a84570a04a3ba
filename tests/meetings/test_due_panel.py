"""The secretary's home lists what is due this period, each one tap from its action:
meetings to hold (未开 this period, 逾期 before), minutes to approve, leave to decide. Only
for their own branch; a member sees none of it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.meetings.conftest import plan, write_minutes
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind

pytestmark = pytest.mark.django_db


def _panel(html: str) -> str:
    if 'id="meeting-tasks"' not in html:
        return ""
    start = html.index('id="meeting-tasks"')
    return html[start : html.index("</section>", start)]


def test_secretary_home_lists_meetings_to_hold_with_a_plan_link(client, branch):
    client.force_login(branch.secretary)
    panel = _panel(client.get(reverse("common:home")).content.decode())
    today = timezone.localdate()
    # Nothing held this year: this month's 支委会 and 主题党日 are due now.
    assert "本期未开</span> 支委会" in panel and "本期未开</span> 主题党日" in panel
    assert f'href="{reverse("meetings:plan")}?kind={MeetingKind.COMMITTEE}"' in panel
    if today.month > 1:  # and the months before are overdue
        assert "逾期" in panel


def test_meeting_held_this_month_leaves_the_list(client, branch):
    now = timezone.now()
    meeting = plan(
        branch, kind=MeetingKind.COMMITTEE, starts=now - datetime.timedelta(hours=3), minutes=60
    )
    write_minutes(meeting, branch.recorder_a)
    client.force_login(branch.secretary)
    panel = _panel(client.get(reverse("common:home")).content.decode())
    # Held and waiting for approval: no longer "to hold" this period.
    assert "本期未开</span> 支委会" not in panel
    assert "本期未开</span> 主题党日" in panel


def test_recorder_b_sees_minutes_to_approve_with_a_link(client, branch):
    meeting = plan(branch, starts=timezone.now() - datetime.timedelta(hours=3), minutes=60)
    write_minutes(meeting, branch.recorder_a)
    client.force_login(branch.recorder_b)
    panel = _panel(client.get(reverse("common:home")).content.decode())
    assert f"审核记录：{meeting.topic}" in panel
    assert f'href="{reverse("meetings:minutes", args=[meeting.pk])}">去审核' in panel


def test_leave_to_decide_links_to_the_meeting(client, branch, county):
    meeting = plan(branch, starts=timezone.now() + datetime.timedelta(days=2))
    services.leave_request(user=branch.full[2].user, meeting=meeting, reason="出差在外")
    client.force_login(branch.secretary)
    panel = _panel(client.get(reverse("common:home")).content.decode())
    assert f"请假：钱正式 · {meeting.topic}" in panel
    assert f'href="{reverse("meetings:detail", args=[meeting.pk])}#leaves">去审批' in panel
    # Another branch's secretary sees none of it.
    client.force_login(county.secretary_b1)
    other = _panel(client.get(reverse("common:home")).content.decode())
    assert "钱正式" not in other and meeting.topic not in other


def test_member_without_roles_has_no_tasks_panel(client, branch):
    client.force_login(branch.full[3].user)
    assert _panel(client.get(reverse("common:home")).content.decode()) == ""


def test_secretary_of_another_branch_sees_only_their_branch(client, branch, county):
    client.force_login(county.secretary_b1)
    panel = _panel(client.get(reverse("common:home")).content.decode())
    assert re.findall(r"东街", panel) == []


def _home_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("common:home")).status_code == 200
    return len(ctx.captured_queries)


def test_secretary_home_queries_do_not_grow_with_the_items(client, branch):
    client.force_login(branch.secretary)
    soon = timezone.now() + datetime.timedelta(days=2)
    first = plan(branch, starts=soon)
    services.leave_request(user=branch.full[2].user, meeting=first, reason="出差在外")
    _home_queries(client)  # warm the per-process caches
    one = _home_queries(client)
    for i, member in enumerate([*branch.full[3:4], branch.probationary]):
        meeting = plan(branch, starts=soon + datetime.timedelta(hours=i + 1), topic=f"会议{i}")
        services.leave_request(user=member.user, meeting=meeting, reason="值班")
    html = client.get(reverse("common:home")).content.decode()
    assert _panel(html).count("去审批") == 3
    assert _home_queries(client) == one
