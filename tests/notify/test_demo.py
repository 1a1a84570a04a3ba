"""The demo county's notices: several channels, one refused SMS, console deliveries."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.utils import timezone

from xianfeng.notify import demo
from xianfeng.notify.models import Batch, Delivery, OrgPolicy
from xianfeng.notify.selectors import batch_reach
from xianfeng.notify.services import deliveries_send
from xianfeng.people import demo as people_demo
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def test_demo_notices_go_out_on_several_channels_one_refused(client, caplog):
    from xianfeng.contests import demo as contests_demo

    people_demo.seed_county(members=300)
    contest = contests_demo.seed_contest()
    report = demo.seed_notifications(contest)
    announcement = Batch.objects.get(title=f"{contest.title}开始报名")
    assert not Delivery.objects.filter(notification__batch=announcement).exists()
    assert OrgPolicy.objects.get(org__code=people_demo.ROOT).sms == "on"
    assert OrgPolicy.objects.get(org__code=people_demo.TOWN_1).dingtalk_token
    assert User.objects.get(username="member").email == "zhangxiaohong@example.cn"
    meeting = Batch.objects.get(kind="meeting.planned")
    refused = Delivery.objects.get(state="failed")
    assert (refused.channel, refused.error) == ("sms", demo.REFUSED)
    caplog.set_level(logging.INFO, logger="xianfeng.notify")
    # What the worker does after `make run` starts it: the next morning at 10:00 local, past
    # every quiet hour and digest, whatever the hour the test runs at (it used to pass 10:00
    # UTC of the day, which is before the notices were written when the suite runs after 10).
    morning = timezone.localtime(meeting.created_at) + datetime.timedelta(days=1)
    deliveries_send(now=morning.replace(hour=10, minute=0))
    channels = set(Delivery.objects.filter(state="sent").values_list("channel", flat=True))
    assert channels == {"email", "sms", "dingtalk"}
    assert any(m.startswith("[钉钉群 → 城关镇党委 @") for m in caplog.messages)
    reach = batch_reach(meeting)
    assert reach.unreached == 0  # the refused member was @-mentioned in the 钉钉 group
    assert report.deliveries == Delivery.objects.count()
    client.force_login(User.objects.get(username="town_admin"))
    page = client.get(f"/notifications/sent/{meeting.pk}/").content.decode()
    assert f"<b>{refused.notification.user.name}</b> · 短信：{demo.REFUSED}" in page
    sms = Delivery.objects.filter(notification__batch=meeting, channel="sms", state="sent")
    assert sms.count() >= 5
    assert f"<tr><td>短信</td><td>{sms.count()}</td><td>0</td><td>1</td><td>0</td></tr>" in page
    assert report.notices >= 14
