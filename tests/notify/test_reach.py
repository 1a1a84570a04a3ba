"""A sender sees how a batch reached people — on the meeting's page after a notice, on the
contest's page after results, on the reach page and in the API — and nobody else does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.contests.conftest import advance_to_final, world  # noqa: F401 (fixture)
from tests.meetings.conftest import make_branch, plan
from tests.notify.conftest import SMS_PATH
from xianfeng.notify.enums import Allow
from xianfeng.notify.models import Batch, Delivery, Notification, OrgPolicy
from xianfeng.notify.selectors import Unreached, batch_reach
from xianfeng.notify.services import deliveries_send, notify
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def test_reach_counts_people_and_names_those_not_reached(county):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON)
    members = [county.member_a1.user, county.member_a2.user, county.member_b1.user]
    extra = [county.secretary_a1, county.resident]
    for user in members:
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.cn")
    sent = notify(users=members + extra, title="会议通知", kind="meeting.planned")
    assert sent.batch is not None
    a1, a2, b1 = members

    def mark(user, channel, state, error=""):
        Delivery.objects.filter(notification__user=user, channel=channel).update(
            state=state, error=error
        )

    mark(a1, "email", "sent")
    mark(a1, "sms", "failed", "短信平台返回 400：空号")  # reached by e-mail all the same
    mark(a2, "email", "failed", "邮件被拒收：550 5.2.2 Mailbox full")
    mark(a2, "sms", "failed", "短信平台返回 400：空号")
    mark(b1, "email", "queued")  # waiting for the end of quiet hours
    mark(b1, "sms", "failed", "短信平台返回 400：停机")
    # The secretary and the resident belong to no branch (the site's defaults: no SMS) and
    # gave no address: in the app only. The secretary has read it.
    assert not Delivery.objects.filter(notification__user__in=extra).exists()
    Notification.objects.filter(user=county.secretary_a1).update(read_at="2026-03-10T10:00+08:00")
    reach = batch_reach(sent.batch)
    assert (reach.total, reach.read, reach.reached, reach.pending, reach.unreached) == (
        5,
        1,
        2,
        1,
        1,
    )
    assert reach.failed_by_channel == {"邮件": 1, "短信": 1}
    assert reach.people == [
        Unreached("李西街", "邮件", "邮件被拒收：550 5.2.2 Mailbox full"),
        Unreached("李西街", "短信", "短信平台返回 400：空号"),
    ]
    assert reach.summary == (
        "通知已发送 5 人，其中 1 人未能送达（邮件失败 1 人，短信失败 1 人），"
        "1 人等待发送（免打扰时段、每日汇总或重试）"
    )


def test_the_meeting_page_tells_its_managers_who_was_not_reached(client, county, provider):
    branch = make_branch(county)
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON, email=Allow.OFF)
    provider.reply(SMS_PATH, (400, {"error": "空号"}))
    meeting = plan(branch)
    # SMS to the five members of the branch (the secretary belongs to none); one refused.
    assert deliveries_send() == 4
    failed = Delivery.objects.get(state="failed")
    name = failed.notification.user.name
    batch = Batch.objects.get()
    assert (batch.kind, batch.org, batch.about_type, batch.about_id) == (
        "meeting.planned",
        branch.org,
        "meetings.meeting",
        str(meeting.pk),
    )
    summary = "通知已发送 6 人，其中 1 人未能送达（短信失败 1 人）"
    client.force_login(branch.secretary)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert summary in html
    assert f'href="{reverse("notify:reach", args=[batch.pk])}"' in html
    page = client.get(reverse("notify:reach", args=[batch.pk])).content.decode()
    assert summary in page
    assert f"<li><b>{name}</b> · 短信：短信平台返回 400：空号</li>" in page
    # A member on the list sees the meeting, not who was reached.
    client.force_login(branch.recorder_b)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "通知已发送" not in html
    assert client.get(reverse("notify:reach", args=[batch.pk])).status_code == 404
    # Another branch's secretary: not even the page.
    client.force_login(county.secretary_b1)
    assert client.get(reverse("notify:reach", args=[batch.pk])).status_code == 404


def test_the_contest_page_tells_the_organiser_how_results_reached(client, county, world):  # noqa: F811
    advance_to_final(county, world)
    batch = Batch.objects.filter(kind="contest.result").latest("pk")
    assert (batch.title, batch.actor, batch.recipients) == (
        "青山县一人一课微党课大赛镇党委评选结果",
        county.county_admin,
        3,
    )
    url = reverse("contests:detail", args=[world.contest.pk])
    client.force_login(county.county_admin)
    assert "通知已发送 3 人 · " in client.get(url).content.decode()
    client.force_login(county.member_a1.user)
    assert "通知已发送" not in client.get(url).content.decode()


def test_reach_through_the_api_for_the_sender_only(client, county, world):  # noqa: F811
    advance_to_final(county, world)
    batch = Batch.objects.filter(kind="contest.result").latest("pk")
    client.force_login(county.county_admin)
    data = client.get(f"/api/v1/notifications/sent/{batch.pk}").json()
    assert data == {
        "id": batch.pk,
        "title": "青山县一人一课微党课大赛镇党委评选结果",
        "summary": "通知已发送 3 人",
        "total": 3,
        "read": 0,
        "reached": 0,
        "pending": 0,
        "unreached": 0,
        "failed_by_channel": {},
        "people": [],
    }
    client.force_login(county.member_a1.user)
    response = client.get(f"/api/v1/notifications/sent/{batch.pk}")
    assert response.status_code == 404
