"""notify(): one row per person, marking read, and e-mail after the commit (once each)."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.notify.conftest import LOCMEM, REFUSING, SECRET
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.notify.models import Notification, Prefs
from xianfeng.notify.services import (
    notification_emails_send,
    notifications_mark_read,
    notify,
    prefs_update,
)

pytestmark = pytest.mark.django_db


def test_notify_dedupes_recipients(people):
    told = notify(
        users=[people.zhang, people.li, people.zhang, None, people.li.pk],
        title="会议通知：支部党员大会",
        body="时间：3月10日 15:00",
        url="/meetings/1/",
        kind="meeting.planned",
    )
    assert told == 2
    rows = Notification.objects.order_by("user__username")
    told_once = ("会议通知：支部党员大会", "时间：3月10日 15:00", "/meetings/1/", "meeting.planned")
    assert [(n.user.username, n.title, n.body, n.url, n.kind) for n in rows] == [
        ("li", *told_once),
        ("zhang", *told_once),
    ]
    assert all(n.read_at is None and n.emailed_at is None for n in rows)


def test_notify_nobody_writes_nothing(people):
    assert notify(users=[], title="无人", email=True) == 0
    assert not Notification.objects.exists()


def test_mark_read_touches_only_the_persons_own(people):
    notify(users=[people.zhang], title="第一条")
    notify(users=[people.zhang], title="第二条")
    notify(users=[people.li], title=SECRET)
    first = Notification.objects.get(title="第一条")
    others = Notification.objects.get(title=SECRET)
    # Someone else's id in the list is ignored, not marked.
    assert notifications_mark_read(user=people.zhang, ids=[first.pk, others.pk]) == 1
    read = Notification.objects.filter(read_at__isnull=False)
    assert list(read.values_list("title", flat=True)) == ["第一条"]
    assert notifications_mark_read(user=people.zhang) == 1
    assert Notification.objects.get(pk=others.pk).read_at is None
    assert notifications_mark_read(user=people.zhang) == 0


def test_email_is_sent_once_after_the_commit(
    people, mail_server, django_capture_on_commit_callbacks
):
    Prefs.objects.create(user=people.zhang, email="zhang@example.cn")
    with django_capture_on_commit_callbacks() as callbacks:
        notify(
            users=[people.zhang, people.li],
            title="会议通知：支部党员大会「学习党章」",
            body="时间：3月10日 15:00",
            kind="meeting.planned",
            email=True,
        )
        # Nothing leaves before the transaction commits.
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]
    assert mail.outbox[0].subject == "【先锋】会议通知：支部党员大会「学习党章」"
    assert mail.outbox[0].body == "张东街 同志：\n\n时间：3月10日 15:00\n\n—— 先锋党员教育平台"
    sent = Notification.objects.get(user=people.zhang)
    assert sent.emailed_at is not None and sent.email_error == ""
    # li gave no address: told in the app only.
    assert Notification.objects.get(user=people.li).emailed_at is None
    # The job running again sends nothing twice.
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notification_emails_send(notification_ids=ids) == 0
    assert len(mail.outbox) == 1


def test_no_email_unless_asked_or_configured(
    people, settings, mail_server, django_capture_on_commit_callbacks
):
    Prefs.objects.create(user=people.zhang, email="zhang@example.cn")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(users=[people.zhang], title="竞赛结果")  # not asked
    assert (callbacks, mail.outbox) == ([], [])
    settings.EMAIL_ENABLED = False  # no XF_EMAIL_URL
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(users=[people.zhang], title="会议通知", email=True)
    assert (callbacks, mail.outbox) == ([], [])
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 0


def test_a_failed_email_is_recorded_and_sent_on_retry(
    people, mail_server, django_capture_on_commit_callbacks
):
    Prefs.objects.create(user=people.zhang, email="zhang@example.cn")
    mail_server.EMAIL_BACKEND = REFUSING
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[people.zhang], title="会议取消", email=True)
    row = Notification.objects.get()
    assert (row.emailed_at, row.email_error) == (None, "550 邮箱已满")
    assert mail.outbox == []
    # The server works again: a retry sends it and clears the error.
    mail_server.EMAIL_BACKEND = LOCMEM
    assert notification_emails_send(notification_ids=[row.pk]) == 1
    row.refresh_from_db()
    assert row.emailed_at is not None and row.email_error == ""
    assert [m.subject for m in mail.outbox] == ["【先锋】会议取消"]


def test_prefs_update_checks_the_address(people):
    with pytest.raises(Refused, match="邮箱格式不正确"):
        prefs_update(user=people.zhang, email="not-an-email")
    assert not Prefs.objects.exists()
    prefs_update(user=people.zhang, email="  zhang@example.cn ")
    assert Prefs.objects.get(user=people.zhang).email == "zhang@example.cn"
    prefs_update(user=people.zhang, email="")
    assert Prefs.objects.get(user=people.zhang).email == ""
    assert AuditLog.objects.filter(action="notify.prefs").count() == 2
