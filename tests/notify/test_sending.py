"""notify(): in-app rows for everyone, a delivery row per channel the person gets for
the kind — what they chose × what their org allows × what can reach them — scheduled by
their quiet hours and digest."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from tests.notify.conftest import local
from xianfeng.notify import kinds
from xianfeng.notify.enums import Allow
from xianfeng.notify.models import Batch, Delivery, Notification, OrgPolicy, Prefs
from xianfeng.notify.services import batch_start, notify
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def rows():
    """(username, channel, digest, due_at) of every delivery row, sorted."""
    return sorted(
        (d.notification.user.username, d.channel, d.digest, d.due_at)
        for d in Delivery.objects.select_related("notification__user")
    )


def policy(org, **words):
    OrgPolicy.objects.update_or_create(org=org, defaults=words)


@pytest.fixture
def members(county):
    """Three members with e-mail addresses: 张东街 (A1) and 李西街 (A2) in town TA,
    王柳湾 (B1) in town TB."""
    for member, address in [
        (county.member_a1, "a1@example.cn"),
        (county.member_a2, "a2@example.cn"),
        (county.member_b1, "b1@example.cn"),
    ]:
        User.objects.filter(pk=member.user_id).update(email=address)
    return [county.member_a1.user, county.member_a2.user, county.member_b1.user]


def test_every_app_registers_its_kinds():
    keys = {k.key: (k.label, k.priority) for k in kinds.registered()}
    assert keys["meeting.planned"] == ("会议通知", "normal")
    assert keys["meeting.reminder"] == ("三会一课提醒", "normal")
    assert keys["contest.award"] == ("获奖通知", "normal")
    assert keys["account.security"] == ("账号安全", "high")
    groups = dict(kinds.by_app())
    assert [k.key for k in groups["账号"]] == ["account.security", "account.login"]
    assert [k.key for k in groups["竞赛评比"]] == ["contest.result", "contest.award"]
    assert len(groups["三会一课"]) == 8
    assert keys["meeting.rectification"] == ("整改提醒", "normal")
    assert kinds.get("account.security").urgent


def test_notify_dedupes_recipients(people):
    sent = notify(
        users=[people.zhang, people.li, people.zhang, None, people.li.pk],
        title="会议通知：支部党员大会",
        body="时间：3月10日 15:00",
        url="/meetings/1/",
        kind="meeting.planned",
    )
    assert sent.told == 2
    assert sent.batch is not None and sent.batch.recipients == 2
    told_once = ("会议通知：支部党员大会", "时间：3月10日 15:00", "/meetings/1/", "meeting.planned")
    assert [
        (n.user.username, n.title, n.body, n.url, n.kind, n.batch_id)
        for n in Notification.objects.order_by("user__username")
    ] == [("li", *told_once, sent.batch.pk), ("zhang", *told_once, sent.batch.pk)]
    assert Batch.objects.get().recipients == 2


def test_notify_nobody_writes_nothing(people):
    assert notify(users=[], title="无人").told == 0
    assert not Notification.objects.exists() and not Batch.objects.exists()


def test_an_unknown_kind_is_in_app_only(members):
    notify(users=members, title="新功能上线", kind="lab.experiment", now=local(10))
    assert Notification.objects.count() == 3
    assert rows() == []


def test_channels_follow_the_kind_and_what_can_reach_the_person(county, members):
    # Site defaults: e-mail, 公众号, and the robots; SMS costs money, so it is off.
    User.objects.filter(pk=members[1].pk).update(email="")
    Prefs.objects.create(user=members[2], wechat_openid="oWx-wang-001")
    notify(users=members, title="会议通知", kind="meeting.planned", now=local(10))
    at = local(10)
    assert rows() == [
        ("member_a1", "email", False, at),
        ("member_b1", "email", False, at),
        ("member_b1", "wechat", False, at),
    ]


def test_a_county_turns_sms_on_a_branch_turns_it_off_a_town_turns_email_off(county, members):
    policy(county.county, sms=Allow.ON)
    policy(county.branch_a2, sms=Allow.OFF)
    policy(county.town_b, email=Allow.OFF)
    notify(users=members, title="会议通知", kind="meeting.planned", now=local(10))
    at = local(10)
    assert rows() == [
        ("member_a1", "email", False, at),
        ("member_a1", "sms", False, at),
        ("member_a2", "email", False, at),
        ("member_b1", "sms", False, at),
    ]


def test_a_persons_choice_applies_within_what_the_org_allows(county, members):
    a1 = members[0]
    Prefs.objects.create(user=a1, channels={"meeting.planned": ["sms"]})
    notify(users=[a1], title="会议通知", kind="meeting.planned", now=local(10))
    assert rows() == []  # SMS chosen, but not allowed; e-mail allowed, but not chosen
    policy(county.town_a, sms=Allow.ON)
    notify(users=[a1], title="会议变更", kind="meeting.planned", now=local(11))
    assert rows() == [("member_a1", "sms", False, local(11))]
    # Another kind keeps its defaults.
    notify(users=[a1], title="请假已批准", kind="meeting.leave", now=local(12))
    assert rows() == [
        ("member_a1", "email", False, local(12)),
        ("member_a1", "sms", False, local(11)),
    ]


def test_group_robots_need_a_webhook_up_the_tree(county, members):
    policy(county.town_a, dingtalk_token="dingTOKENtownA0001", dingtalk_secret="SECtownA0001")
    policy(county.branch_b1, wecom_key="wecom-key-b1-0001", wecom=Allow.OFF)
    Prefs.objects.create(user=members[0], channels={"meeting.planned": ["dingtalk", "wecom"]})
    notify(users=members, title="会议通知", kind="meeting.planned", now=local(10))
    at = local(10)
    assert [r for r in rows() if r[1] != "email"] == [
        ("member_a1", "dingtalk", False, at),
        ("member_a2", "dingtalk", False, at),
        # 王柳湾's branch has a 企业微信 robot but turned 企业微信 off
    ]


def test_quiet_hours_and_the_digest_set_when_rows_go(county, members):
    a1, a2, _ = members
    Prefs.objects.create(user=a1, quiet_start=datetime.time(22), quiet_end=datetime.time(7))
    Prefs.objects.create(user=a2, digest=True, digest_hour=20)
    policy(county.town_a, dingtalk_token="dingTOKENtownA0001")
    notify(users=members, title="会议通知", kind="meeting.planned", now=local(22, 30))
    assert rows() == [
        ("member_a1", "dingtalk", False, local(7, 0, day=11)),
        ("member_a1", "email", False, local(7, 0, day=11)),
        # the robot posts with the notice; the digest is a personal message
        ("member_a2", "dingtalk", False, local(22, 30)),
        ("member_a2", "email", True, local(20, 0, day=11)),
        ("member_b1", "email", False, local(22, 30)),
    ]


def test_urgent_kinds_go_at_once_through_quiet_hours_and_digest(county, members):
    a1, a2, _ = members
    Prefs.objects.create(user=a1, quiet_start=datetime.time(22), quiet_end=datetime.time(7))
    Prefs.objects.create(user=a2, digest=True)
    notify(users=[a1, a2], title="您的密码已被重置", kind="account.security", now=local(23))
    assert rows() == [
        ("member_a1", "email", False, local(23)),
        ("member_a2", "email", False, local(23)),
    ]
    assert set(Notification.objects.values_list("priority", flat=True)) == {"high"}
    # A caller may raise one notice of a normal kind.
    Delivery.objects.all().delete()
    notify(users=[a1], title="会议改到今晚", kind="meeting.changed", priority="high", now=local(23))
    assert rows() == [("member_a1", "email", False, local(23))]


def test_rows_go_out_after_the_commit_only(members, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(users=members, title="会议通知：学习党章", kind="meeting.planned")
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a1@example.cn",
        "a2@example.cn",
        "b1@example.cn",
    ]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}


def test_nothing_is_enqueued_when_every_row_waits(members, django_capture_on_commit_callbacks):
    for user in members:
        Prefs.objects.create(user=user, digest=True)
    with django_capture_on_commit_callbacks() as callbacks:
        notify(users=members, title="会议通知", kind="meeting.planned")
    assert callbacks == []
    assert set(Delivery.objects.values_list("state", "digest")) == {("queued", True)}


def test_several_calls_join_one_batch(county, members):
    batch = batch_start(
        actor=county.county_admin,
        kind="contest.result",
        title="一人一课第一轮结果",
        org=county.county,
    )
    notify(users=members[:2], title="《甲》晋级", kind="contest.result", batch=batch)
    notify(users=members[2:], title="《乙》未晋级", kind="contest.result", batch=batch)
    batch.refresh_from_db()
    assert batch.recipients == 3
    assert Notification.objects.filter(batch=batch).count() == 3
    assert Batch.objects.count() == 1
