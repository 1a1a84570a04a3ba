"""The delivery runner: console backends by default, each row sent once however often it
runs, quiet hours and digests held until their time, read ones skipped, failures retried
with back-off (1 min, 10 min, 1 h) and then kept as failed, visible in the reach."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.core import mail

from tests.notify.conftest import SMS_PATH, local
from xianfeng.notify.enums import Allow
from xianfeng.notify.models import Delivery, Notification, OrgPolicy, Prefs
from xianfeng.notify.selectors import batch_reach
from xianfeng.notify.services import deliveries_send, notifications_mark_read, notify
from xianfeng.notify.services.delivery import INTERRUPTED
from xianfeng.notify.tasks import send_batch, send_due_deliveries
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def a1(county):
    user = county.member_a1.user
    User.objects.filter(pk=user.pk).update(email="a1@example.cn")
    user.refresh_from_db()
    return user


def row():
    d = Delivery.objects.get()
    return (d.state, d.attempts, d.due_at, d.error)


def test_console_backends_print_to_the_log_and_count_as_sent(county, a1, caplog):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON, email=Allow.OFF)
    caplog.set_level(logging.INFO, logger="xianfeng.notify")
    notify(users=[a1], title="会议通知：学习党章", url="/meetings/1/", kind="meeting.planned")
    assert deliveries_send() == 1
    d = Delivery.objects.get()
    assert d.state == "sent" and d.external_id.startswith("console-")
    assert caplog.messages == [
        f"[短信 → {a1.phone}] 【先锋】会议通知：学习党章 | http://127.0.0.1:8000/meetings/1/"
    ]


def test_a_row_is_sent_once_however_often_the_job_runs(a1, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = notify(users=[a1], title="会议通知", kind="meeting.planned")
    assert len(mail.outbox) == 1
    assert sent.batch is not None
    send_batch.call(batch_id=sent.batch.pk)
    send_due_deliveries.call()
    assert deliveries_send() == 0
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().attempts == 1


def test_a_row_another_run_is_sending_is_left_alone(a1):
    notify(users=[a1], title="会议通知", kind="meeting.planned")
    Delivery.objects.update(state="sending")
    assert deliveries_send() == 0
    assert mail.outbox == []


def test_a_send_cut_off_midway_is_failed_not_repeated(a1):
    notify(users=[a1], title="会议通知", kind="meeting.planned", now=local(9))
    Delivery.objects.update(state="sending", updated_at=local(9))
    assert deliveries_send(now=local(9, 14)) == 0
    assert row()[0] == "sending"
    assert deliveries_send(now=local(9, 16)) == 0
    assert row() == ("failed", 0, local(9), INTERRUPTED)
    assert mail.outbox == []


def test_quiet_hours_hold_the_row_until_they_end(a1):
    Prefs.objects.create(user=a1, quiet_start=datetime.time(22), quiet_end=datetime.time(7))
    notify(users=[a1], title="会议通知", kind="meeting.planned", now=local(22))
    assert deliveries_send(now=local(22)) == 0
    assert deliveries_send(now=local(6, 59, day=11)) == 0
    assert mail.outbox == []
    assert deliveries_send(now=local(7, 0, day=11)) == 1
    assert [m.subject for m in mail.outbox] == ["【先锋】会议通知"]


def test_the_digest_collects_the_days_notices_once(a1):
    Prefs.objects.create(user=a1, digest=True, digest_hour=20)
    for title, at in [
        ("会议通知", local(9)),
        ("请假已批准", local(12)),
        ("记录待审", local(19, 59)),
    ]:
        notify(users=[a1], title=title, url="/meetings/1/", kind="meeting.planned", now=at)
    notify(users=[a1], title="明天的汇总", kind="meeting.planned", now=local(20))
    for title, minutes in [("会议通知", 0), ("请假已批准", 1), ("记录待审", 2)]:
        Notification.objects.filter(title=title).update(
            created_at=local(9) + datetime.timedelta(minutes=minutes)
        )
    assert deliveries_send(now=local(19, 59)) == 0
    assert deliveries_send(now=local(20)) == 3
    assert deliveries_send(now=local(20, 1)) == 0
    [digest] = mail.outbox
    assert digest.subject == "【先锋】今日通知汇总（3 条）"
    link = "http://127.0.0.1:8000/meetings/1/"
    assert digest.body == (
        "张东街 同志：\n\n"
        f"• 会议通知（03月10日 09:00）\n  {link}\n"
        f"• 请假已批准（03月10日 09:01）\n  {link}\n"
        f"• 记录待审（03月10日 09:02）\n  {link}\n\n"
        "详情：http://127.0.0.1:8000/notifications/\n\n—— 先锋党员教育平台"
    )
    assert len({d.external_id for d in Delivery.objects.filter(state="sent")}) == 1
    # The fourth came at 20:00: tomorrow's digest.
    assert deliveries_send(now=local(19, 59, day=11)) == 0
    assert deliveries_send(now=local(20, 0, day=11)) == 1
    assert mail.outbox[1].subject == "【先锋】今日通知汇总（1 条）"


def test_read_in_the_app_before_the_digest_is_not_sent(a1):
    Prefs.objects.create(user=a1, digest=True, digest_hour=20)
    notify(users=[a1], title="会议通知", kind="meeting.planned", now=local(9))
    notify(users=[a1], title="请假已批准", kind="meeting.leave", now=local(10))
    first = Notification.objects.get(title="会议通知")
    notifications_mark_read(user=a1, ids=[first.pk])
    assert Delivery.objects.get(notification=first).state == "read"
    assert deliveries_send(now=local(20)) == 1
    assert mail.outbox[0].subject == "【先锋】今日通知汇总（1 条）"
    assert "会议通知" not in mail.outbox[0].body


def test_read_between_queueing_and_sending_is_skipped_by_the_runner(a1):
    Prefs.objects.create(user=a1, quiet_start=datetime.time(22), quiet_end=datetime.time(7))
    notify(users=[a1], title="会议通知", kind="meeting.planned", now=local(23))
    # Read on another device, by a path that does not touch deliveries.
    Notification.objects.update(read_at=local(23, 5))
    assert deliveries_send(now=local(7, 0, day=11)) == 0
    assert row()[0] == "read"
    assert mail.outbox == []


def test_a_500_is_retried_with_back_off_then_sent(county, provider):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON, email=Allow.OFF)
    busy = (500, {"error": "busy"})
    provider.reply(SMS_PATH, busy, busy, busy, (200, {"id": "sms-9"}))
    a1 = county.member_a1.user
    sent = notify(users=[a1], title="会议通知", kind="meeting.planned", now=local(9))
    reason = "短信平台返回 500：busy"
    assert deliveries_send(now=local(9)) == 0
    assert row() == ("queued", 1, local(9, 1), reason)
    reach = batch_reach(sent.batch)
    assert (reach.pending, reach.unreached) == (1, 0)
    assert deliveries_send(now=local(9, 0) + MINUTE - datetime.timedelta(seconds=1)) == 0
    assert deliveries_send(now=local(9, 1)) == 0
    assert row() == ("queued", 2, local(9, 11), reason)
    assert deliveries_send(now=local(9, 11)) == 0
    assert row() == ("queued", 3, local(10, 11), reason)
    assert deliveries_send(now=local(10, 11)) == 1
    d = Delivery.objects.get()
    assert (d.state, d.attempts, d.error, d.external_id) == ("sent", 4, "", "sms-9")
    assert len(provider.posts(SMS_PATH)) == 4
    assert batch_reach(sent.batch).summary == "通知已发送 1 人"


def test_after_four_failures_the_row_is_failed_for_good(county, provider):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON, email=Allow.OFF)
    provider.reply(SMS_PATH, *[(503, "")] * 5)
    sent = notify(
        users=[county.member_a1.user], title="会议通知", kind="meeting.planned", now=local(9)
    )
    for at in (local(9), local(9, 1), local(9, 11), local(10, 11)):
        deliveries_send(now=at)
    assert row() == ("failed", 4, local(10, 11), "短信平台返回 503")
    assert deliveries_send(now=local(23)) == 0
    assert len(provider.posts(SMS_PATH)) == 4
    reach = batch_reach(sent.batch)
    assert reach.summary == "通知已发送 1 人，其中 1 人未能送达（短信失败 1 人）"


def test_a_retry_waits_out_quiet_hours(county, provider):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON, email=Allow.OFF)
    a1 = county.member_a1.user
    Prefs.objects.create(user=a1, quiet_start=datetime.time(22), quiet_end=datetime.time(7))
    provider.reply(SMS_PATH, (500, ""))
    notify(users=[a1], title="会议通知", kind="meeting.planned", now=local(21, 59))
    deliveries_send(now=local(21, 59))
    assert row()[:3] == ("queued", 1, local(7, 0, day=11))


def test_an_unreachable_provider_is_a_clear_reason(county, settings):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON, email=Allow.OFF)
    settings.NOTIFY_SMS_BACKEND = "http"
    settings.NOTIFY_SMS_URL = "http://127.0.0.1:9/sms"  # discard port: nothing listens
    notify(users=[county.member_a1.user], title="会议通知", kind="meeting.planned")
    deliveries_send()
    state, attempts, _, error = row()
    assert (state, attempts) == ("queued", 1)
    assert error.startswith("无法连接短信平台：")
