"""Each channel against a local fake of its provider: real mail through an SMTP server,
the exact JSON the SMS platform, 公众号, 企业微信 and 钉钉 receive, and 钉钉's signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from tests.notify.conftest import (
    DINGTALK_PATH,
    SMS_PATH,
    WECHAT_SEND_PATH,
    WECHAT_TOKEN_PATH,
    WECOM_PATH,
)
from xianfeng.notify.enums import Allow
from xianfeng.notify.models import Delivery, Notification, OrgPolicy, Prefs
from xianfeng.notify.services import deliveries_send, notify
from xianfeng.notify.timing import zone
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db

TITLE = "会议通知：支部党员大会「学习党章」"
BODY = "时间：3月10日 15:00\n地点：社区党群服务中心"
LINK = "https://xf.example.cn/meetings/1/"


def tell(users, kind="meeting.planned", **extra):
    return notify(users=users, title=TITLE, body=BODY, url="/meetings/1/", kind=kind, **extra)


def states():
    return sorted(
        Delivery.objects.values_list("notification__user__username", "channel", "state", "error")
    )


# --- e-mail through a real SMTP server ----------------------------------------------------


def test_email_goes_through_smtp(county, smtp):
    a1 = county.member_a1.user
    User.objects.filter(pk=a1.pk).update(email="a1@example.cn")
    tell([a1])
    assert deliveries_send() == 1
    [got] = smtp.received
    assert (got.sender, got.recipients) == ("noreply@xf.example.cn", ["a1@example.cn"])
    # Django folds a long Chinese subject onto the next line; the unfolded value starts
    # with that fold's space, which mail clients drop.
    assert got.message["Subject"].strip() == f"【先锋】{TITLE}"
    assert got.message["To"] == "a1@example.cn"
    assert got.message.get_content().replace("\r\n", "\n") == (
        f"张东街 同志：\n\n{BODY}\n\n详情：{LINK}\n\n—— 先锋党员教育平台\n"
    )
    row = Delivery.objects.get()
    assert (row.state, row.external_id) == ("sent", got.message["Message-ID"])


def test_a_refused_mailbox_fails_for_good_with_the_servers_words(county, smtp):
    a1 = county.member_a1.user
    User.objects.filter(pk=a1.pk).update(email="full@example.cn")
    smtp.refuse.add("full@example.cn")
    tell([a1])
    assert deliveries_send() == 0
    assert states() == [("member_a1", "email", "failed", "邮件被拒收：550 5.2.2 Mailbox full")]
    assert smtp.received == []


def test_one_smtp_connection_serves_a_whole_run(county, smtp):
    members = [county.member_a1, county.member_a2, county.member_b1]
    for member in members:
        User.objects.filter(pk=member.user_id).update(email=f"{member.user.username}@example.cn")
    smtp.refuse.add("member_a2@example.cn")
    tell([m.user for m in members])
    assert deliveries_send() == 2
    assert smtp.connections == 1
    assert sorted(r.recipients[0] for r in smtp.received) == [
        "member_a1@example.cn",
        "member_b1@example.cn",
    ]
    assert states() == [
        ("member_a1", "email", "sent", ""),
        ("member_a2", "email", "failed", "邮件被拒收：550 5.2.2 Mailbox full"),
        ("member_b1", "email", "sent", ""),
    ]


# --- SMS through a generic HTTP JSON provider ---------------------------------------------


def test_sms_posts_the_documented_json(county, provider):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON, email=Allow.OFF)
    a1 = county.member_a1.user
    provider.reply(SMS_PATH, (200, {"id": "sms-0001"}))
    tell([a1])
    assert deliveries_send() == 1
    [post] = provider.posts(SMS_PATH)
    row = Delivery.objects.get()
    assert post.headers["authorization"] == "Bearer sms-key-123"
    assert post.headers["content-type"] == "application/json; charset=utf-8"
    assert post.body == {
        "to": a1.phone,
        "sign": "先锋",
        "text": f"{TITLE}：时间：3月10日 15:00 {LINK}",
        "ref": f"xf-{row.pk}",
    }
    assert (row.state, row.external_id, row.attempts) == ("sent", "sms-0001", 1)


# --- 钉钉 and 企业微信 group robots -------------------------------------------------------------


def test_dingtalk_posts_once_for_the_group_signed(county, provider):
    OrgPolicy.objects.create(
        org=county.town_a,
        email=Allow.OFF,
        dingtalk_token="dingTOKENtownA0001",
        dingtalk_secret="SECtownAsecret0001",
    )
    a1, a2, b1 = county.member_a1.user, county.member_a2.user, county.member_b1.user
    before = int(time.time() * 1000)
    tell([a1, a2, b1])
    assert deliveries_send() == 2  # 王柳湾's town has no robot
    after = int(time.time() * 1000)
    [post] = provider.posts(DINGTALK_PATH)
    stamp = int(post.query["timestamp"])
    assert before <= stamp <= after
    expected = base64.b64encode(
        hmac.new(
            b"SECtownAsecret0001", f"{stamp}\nSECtownAsecret0001".encode(), hashlib.sha256
        ).digest()
    ).decode()
    assert post.query == {
        "access_token": "dingTOKENtownA0001",
        "timestamp": str(stamp),
        "sign": expected,
    }
    assert post.body == {
        "msgtype": "text",
        "text": {"content": f"【先锋】{TITLE}\n{BODY}\n{LINK}\n@{a1.phone} @{a2.phone}"},
        "at": {"atMobiles": [a1.phone, a2.phone], "isAtAll": False},
    }
    assert states() == [
        ("member_a1", "dingtalk", "sent", ""),
        ("member_a2", "dingtalk", "sent", ""),
    ]


def test_dingtalk_refusing_the_signature_is_a_failure_not_a_success(county, provider):
    OrgPolicy.objects.create(
        org=county.branch_a1, email=Allow.OFF, dingtalk_token="dingTOKENa1xx0001"
    )
    provider.reply(DINGTALK_PATH, (200, {"errcode": 310000, "errmsg": "sign not match"}))
    tell([county.member_a1.user])
    assert deliveries_send() == 0
    row = Delivery.objects.get()
    assert (row.state, row.error, row.attempts) == ("queued", "钉钉返回 310000：sign not match", 1)
    assert "timestamp" not in provider.posts(DINGTALK_PATH)[0].query  # no secret: no signing


def test_wecom_posts_once_mentioning_by_phone(county, provider):
    OrgPolicy.objects.create(org=county.county, email=Allow.OFF, wecom_key="wecom-county-key-01")
    a1, b1 = county.member_a1.user, county.member_b1.user
    tell([a1, b1])
    assert deliveries_send() == 2
    [post] = provider.posts(WECOM_PATH)
    assert post.query == {"key": "wecom-county-key-01"}
    assert post.body == {
        "msgtype": "text",
        "text": {
            "content": f"【先锋】{TITLE}\n{BODY}\n{LINK}",
            "mentioned_mobile_list": [a1.phone, b1.phone],
        },
    }


def test_robot_posts_of_different_notices_in_one_batch_stay_apart(county, provider):
    from xianfeng.notify.services import batch_start

    OrgPolicy.objects.create(org=county.county, email=Allow.OFF, wecom_key="wecom-county-key-01")
    batch = batch_start(kind="contest.result", title="第一轮结果")
    prefs = {"contest.result": ["wecom"]}
    for member in (county.member_a1, county.member_a2):
        Prefs.objects.create(user=member.user, channels=prefs)
    notify(users=[county.member_a1.user], title="《甲》晋级", kind="contest.result", batch=batch)
    notify(users=[county.member_a2.user], title="《乙》未晋级", kind="contest.result", batch=batch)
    assert deliveries_send() == 2
    contents = sorted(p.body["text"]["content"] for p in provider.posts(WECOM_PATH))
    assert contents == ["【先锋】《乙》未晋级", "【先锋】《甲》晋级"]


# --- 公众号 template messages ----------------------------------------------------------------


def test_wechat_fetches_the_token_once_and_sends_the_template(county, provider):
    OrgPolicy.objects.create(org=county.county, email=Allow.OFF)
    a1 = county.member_a1.user
    Prefs.objects.create(user=a1, wechat_openid="oWx-zhang-0001")
    provider.reply(WECHAT_TOKEN_PATH, (200, {"access_token": "TOKEN-1", "expires_in": 7200}))
    provider.reply(
        WECHAT_SEND_PATH,
        (200, {"errcode": 0, "errmsg": "ok", "msgid": 2002}),
        (200, {"errcode": 0, "errmsg": "ok", "msgid": 2003}),
    )
    tell([a1])
    deliveries_send()
    tell([a1])
    deliveries_send()
    [token] = provider.posts(WECHAT_TOKEN_PATH)
    assert token.body == {
        "grant_type": "client_credential",
        "appid": "wx-app-1",
        "secret": "wx-secret-1",
        "force_refresh": False,
    }
    first, second = provider.posts(WECHAT_SEND_PATH)
    assert first.query == second.query == {"access_token": "TOKEN-1"}
    created = Notification.objects.order_by("pk").first().created_at.astimezone(zone())
    assert first.body == {
        "touser": "oWx-zhang-0001",
        "template_id": "TPL-MEETING",
        "data": {
            "thing1": {"value": TITLE[:20]},
            "time2": {"value": f"{created:%Y年%m月%d日 %H:%M}"},
            "thing3": {"value": "时间：3月10日 15:00"},
        },
        "url": LINK,
    }
    assert sorted(Delivery.objects.values_list("external_id", flat=True)) == ["2002", "2003"]


def test_wechat_refetches_an_expired_token(county, provider):
    OrgPolicy.objects.create(org=county.county, email=Allow.OFF)
    a1 = county.member_a1.user
    Prefs.objects.create(user=a1, wechat_openid="oWx-zhang-0001")
    provider.reply(
        WECHAT_TOKEN_PATH,
        (200, {"access_token": "OLD", "expires_in": 7200}),
        (200, {"access_token": "NEW", "expires_in": 7200}),
    )
    provider.reply(
        WECHAT_SEND_PATH,
        (200, {"errcode": 40001, "errmsg": "invalid credential"}),
        (200, {"errcode": 0, "errmsg": "ok", "msgid": 7}),
    )
    tell([a1])
    assert deliveries_send() == 1
    assert [p.body["force_refresh"] for p in provider.posts(WECHAT_TOKEN_PATH)] == [False, True]
    assert [p.query["access_token"] for p in provider.posts(WECHAT_SEND_PATH)] == ["OLD", "NEW"]


def test_wechat_unfollowed_fails_for_good(county, provider):
    OrgPolicy.objects.create(org=county.county, email=Allow.OFF)
    a1 = county.member_a1.user
    Prefs.objects.create(user=a1, wechat_openid="oWx-zhang-0001")
    provider.reply(WECHAT_TOKEN_PATH, (200, {"access_token": "T", "expires_in": 7200}))
    provider.reply(WECHAT_SEND_PATH, (200, {"errcode": 43004, "errmsg": "require subscribe"}))
    tell([a1])
    deliveries_send()
    assert states() == [("member_a1", "wechat", "failed", "公众号返回 43004：对方未关注公众号")]
