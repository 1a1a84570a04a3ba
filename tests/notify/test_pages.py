"""The inbox, the badge, the home panel, the settings page and the org policy page: a
person sees and marks only their own, and the pages use a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.notify.conftest import SECRET
from xianfeng.audit.models import AuditLog
from xianfeng.notify.enums import Allow
from xianfeng.notify.models import Notification, OrgPolicy, Prefs
from xianfeng.notify.services import notify
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def _aged(title: str, minutes_ago: int) -> None:
    Notification.objects.filter(title=title).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )


# --- the inbox ---------------------------------------------------------------------------------


def test_inbox_shows_only_the_persons_own(client, people):
    notify(users=[people.zhang], title="会议通知：支部党员大会", url="/meetings/1/")
    notify(users=[people.li], title=SECRET, body="复核材料见附件", url="/meetings/2/")
    client.force_login(people.zhang)
    for url in (reverse("notify:inbox"), reverse("common:home")):
        html = client.get(url).content.decode()
        assert "会议通知：支部党员大会" in html, url
        assert SECRET not in html and "复核材料见附件" not in html and "/meetings/2/" not in html
    client.force_login(people.li)
    assert SECRET in client.get(reverse("notify:inbox")).content.decode()


def test_inbox_needs_a_login(client, people):
    notify(users=[people.li], title=SECRET)
    response = client.get(reverse("notify:inbox"))
    assert response.status_code == 302 and SECRET not in response.content.decode()


def test_inbox_filters_unread_and_by_app(client, people):
    notify(users=[people.zhang], title="会议通知", kind="meeting.planned")
    notify(users=[people.zhang], title="获奖通知", kind="contest.award")
    notify(users=[people.zhang], title="已读的会议变更", kind="meeting.changed")
    Notification.objects.filter(title="已读的会议变更").update(read_at=timezone.now())
    client.force_login(people.zhang)
    url = reverse("notify:inbox")

    def titles(**params):
        html = client.get(url, params).content.decode()
        return [t for t in ("会议通知", "获奖通知", "已读的会议变更") if f">{t}<" in html]

    assert titles() == ["会议通知", "获奖通知", "已读的会议变更"]
    assert titles(unread="1") == ["会议通知", "获奖通知"]
    assert titles(kind="meeting.") == ["会议通知", "已读的会议变更"]
    assert titles(kind="meeting.", unread="1") == ["会议通知"]
    assert titles(kind="contest.award") == ["获奖通知"]


def test_mark_all_read_from_the_inbox(client, people):
    notify(users=[people.zhang, people.li], title="三会一课提醒")
    client.force_login(people.zhang)
    response = client.post(reverse("notify:mark_read"))
    assert response["Location"] == reverse("notify:inbox")
    assert Notification.objects.get(user=people.zhang).read_at is not None
    assert Notification.objects.get(user=people.li).read_at is None
    # Read ones leave the home panel but stay in the inbox.
    assert "三会一课提醒" not in client.get(reverse("common:home")).content.decode()
    assert "三会一课提醒" in client.get(reverse("notify:inbox")).content.decode()


def test_mark_one_read_with_htmx_and_never_someone_elses(client, people):
    notify(users=[people.zhang], title="会议通知")
    notify(users=[people.li], title=SECRET)
    mine = Notification.objects.get(user=people.zhang)
    theirs = Notification.objects.get(user=people.li)
    client.force_login(people.zhang)
    response = client.post(reverse("notify:mark_one_read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert f'id="n-{mine.pk}"' in html and "会议通知" in html and "标为已读" not in html
    mine.refresh_from_db()
    assert mine.read_at is not None
    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = client.post(reverse("notify:mark_one_read", args=[theirs.pk]), **headers)
        assert SECRET not in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_home_has_one_panel_unread_newest_first(client, people):
    for i, title in enumerate(["最早的通知", "中间的通知", "最新的通知", "已读的通知"]):
        notify(users=[people.zhang], title=title, kind="meeting.planned")
        _aged(title, 10 - i)
    Notification.objects.filter(title="已读的通知").update(read_at=timezone.now())
    client.force_login(people.zhang)
    html = client.get(reverse("common:home")).content.decode()
    assert html.count("新通知") == 1
    assert "已读的通知" not in html
    assert html.index("最新的通知") < html.index("中间的通知") < html.index("最早的通知")


def test_the_badge_counts_the_persons_unread(client, people):
    client.force_login(people.zhang)
    html = client.get(reverse("notify:settings")).content.decode()
    assert '<a class="bell" href="/notifications/">通知</a>' in html
    for i in range(3):
        notify(users=[people.zhang], title=f"通知{i}")
    notify(users=[people.li], title=SECRET)
    html = client.get(reverse("notify:settings")).content.decode()
    assert (
        '<a class="bell" href="/notifications/" aria-label="通知，3 条未读">通知'
        '<span class="badge">3</span></a>'
    ) in html
    Notification.objects.filter(user=people.zhang).update(read_at=timezone.now())
    notify(users=[people.zhang], title="再来一条")
    assert '<span class="badge">1</span>' in client.get(reverse("notify:settings")).content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_inbox_query_count(client, people, django_assert_num_queries, n):
    for i in range(n):
        notify(users=[people.zhang, people.li], title=f"通知{i}", url=f"/meetings/{i}/")
    client.force_login(people.zhang)
    # session, user, roles (nav), the member record (nav: a resident sees no 三会一课 or
    # 竞赛 tab), count, page, the unread badge
    with django_assert_num_queries(7):
        html = client.get(reverse("notify:inbox")).content.decode()
    assert html.count('class="title"') == n
    assert f'<span class="badge">{n}</span>' in html


# session, user, roles; the other apps' panels for a person of no org (lessons 3,
# contests 2, meetings 3, community 5: wishes 3, activities this week and sign-ups 2);
# notify's panel is one query, however many notifications; the unread badge
HOME_QUERIES = 18


@pytest.mark.parametrize("n", [1, 3])
def test_home_panel_query_count(client, people, django_assert_num_queries, n):
    for i in range(n):
        notify(users=[people.zhang, people.li], title=f"通知{i}")
    client.force_login(people.zhang)
    with django_assert_num_queries(HOME_QUERIES):
        html = client.get(reverse("common:home")).content.decode()
    assert sum(html.count(f"通知{i}<") for i in range(n)) == n


# --- the person's settings ------------------------------------------------------------------


def test_settings_page_lists_kinds_by_app_with_the_channels_allowed(client, county):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON)
    OrgPolicy.objects.create(org=county.town_a, wechat=Allow.OFF)
    a1 = county.member_a1.user
    client.force_login(a1)
    html = client.get(reverse("notify:settings")).content.decode()
    for heading in ("三会一课", "竞赛评比", "账号"):
        assert f'<h3 class="kind-group">{heading}</h3>' in html
    assert "<legend>会议通知</legend>" in html
    assert '账号安全 <span class="tag tag-urgent">紧急，不受免打扰限制</span>' in html
    assert 'name="kind:meeting.planned" value="sms"' in html
    assert 'value="wechat"' not in html  # the town turned 公众号 off
    assert "邮件：请先填写邮箱" in html
    assert "钉钉群：所在组织未设置钉钉群机器人" in html
    assert a1.phone not in html and a1.masked_phone in html


def test_settings_page_saves_channels_quiet_hours_digest_and_email(client, county):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON)
    a1 = county.member_a1.user
    client.force_login(a1)
    url = reverse("notify:settings")
    response = client.post(
        url,
        {
            "email": "a1@example.cn",
            "kind:meeting.planned": ["sms", "email"],
            "kind:contest.award": ["email"],
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "digest": "on",
            "digest_hour": "20",
        },
    )
    assert response["Location"] == url
    prefs = Prefs.objects.get(user=a1)
    assert prefs.channels["meeting.planned"] == ["email", "sms"]
    assert prefs.channels["contest.award"] == ["email"]
    assert prefs.channels["meeting.leave"] == []  # left unticked
    assert (prefs.quiet_start, prefs.quiet_end) == (datetime.time(22), datetime.time(7))
    assert (prefs.digest, prefs.digest_hour) == (True, 20)
    assert User.objects.get(pk=a1.pk).email == "a1@example.cn"
    html = client.get(url).content.decode()
    assert 'value="a1@example.cn"' in html and 'value="22:00"' in html
    assert AuditLog.objects.filter(action="notify.prefs", actor=a1).count() == 1
    assert AuditLog.objects.filter(action="user.set_email", actor=a1).count() == 1


def test_settings_page_refuses_a_digest_inside_quiet_hours(client, county):
    a1 = county.member_a1.user
    client.force_login(a1)
    response = client.post(
        reverse("notify:settings"),
        {
            "email": "a1@example.cn",
            "quiet_start": "21:00",
            "quiet_end": "07:00",
            "digest": "on",
            "digest_hour": "22",
        },
    )
    assert "每日汇总的时间在免打扰时段内，请另选时间" in response.content.decode()
    assert not Prefs.objects.exists()
    assert User.objects.get(pk=a1.pk).email == ""  # nothing saved, the address neither


def test_settings_page_refuses_a_bad_address(client, people):
    client.force_login(people.zhang)
    response = client.post(reverse("notify:settings"), {"email": "not-an-email"})
    assert "输入一个有效的 Email 地址。" in response.content.decode()
    assert User.objects.get(pk=people.zhang.pk).email == ""


# --- the org's policy -------------------------------------------------------------------------


def test_org_policy_page_for_org_admins_only(client, county):
    url = reverse("notify:org_policy", args=["TA"])
    for who in (county.secretary_a1, county.member_a1.user, county.town_a_admin):
        client.force_login(who)
        status = client.get(url).status_code
        assert status == (200 if who == county.town_a_admin else 404), who.username
    client.force_login(county.town_a_admin)
    other_town = reverse("notify:org_policy", args=["TB"])
    assert client.get(other_town).status_code == 404
    response = client.post(other_town, {"sms": "on", "action": "save"})
    assert response.status_code == 404
    assert not OrgPolicy.objects.exists()


def test_org_policy_saves_channels_and_robot_keys_from_the_address(client, county):
    client.force_login(county.town_a_admin)
    url = reverse("notify:org_policy", args=["TA"])
    html = client.get(url).content.decode()
    assert "同上级（允许）" in html and "同上级（不允许）" in html  # e-mail yes, SMS no
    response = client.post(
        url,
        {
            "email": "",
            "sms": "on",
            "wechat": "off",
            "wecom": "",
            "dingtalk": "",
            "dingtalk_token": "https://oapi.dingtalk.com/robot/send?access_token=abcDEF1234567890",
            "dingtalk_secret": "SECabcdef123456",
            "wecom_key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx",
            "action": "save",
        },
    )
    assert response["Location"] == url
    policy = OrgPolicy.objects.get(org=county.town_a)
    assert (policy.sms, policy.wechat, policy.email) == ("on", "off", "")
    assert policy.dingtalk_token == "abcDEF1234567890"
    assert policy.dingtalk_secret == "SECabcdef123456"
    assert policy.wecom_key == "693a91f6-7xxx"
    html = client.get(url).content.decode()
    assert "abcDEF1234567890" not in html and "SECabcdef123456" not in html
    assert "已设置（…7890），已加签" in html
    # An empty key field keeps the robot; "remove" clears it.
    client.post(url, {"sms": "on", "wechat": "off", "action": "save"})
    assert OrgPolicy.objects.get(org=county.town_a).dingtalk_token == "abcDEF1234567890"
    client.post(url, {"sms": "on", "clear_dingtalk": "on", "action": "save"})
    policy = OrgPolicy.objects.get(org=county.town_a)
    assert (policy.dingtalk_token, policy.dingtalk_secret, policy.wecom_key) == (
        "",
        "",
        "693a91f6-7xxx",
    )


def test_org_policy_refuses_a_robot_address_without_its_key(client, county):
    client.force_login(county.town_a_admin)
    url = reverse("notify:org_policy", args=["TA"])
    response = client.post(
        url, {"wecom_key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "action": "save"}
    )
    assert "企业微信群机器人地址中没有 key" in response.content.decode()
    assert not OrgPolicy.objects.exists()


def test_a_robot_test_message_reports_the_providers_answer(client, county, provider):
    from tests.notify.conftest import WECOM_PATH

    OrgPolicy.objects.create(org=county.town_a, wecom_key="wecom-town-a-0001")
    provider.reply(WECOM_PATH, (200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    client.force_login(county.town_a_admin)
    url = reverse("notify:org_policy", args=["TA"])
    response = client.post(url, {"action": "test_wecom"}, follow=True)
    assert "企业微信返回 93000：invalid webhook url" in response.content.decode()
    response = client.post(url, {"action": "test_wecom"}, follow=True)
    assert "测试消息已发往城关镇党委的企业微信群" in response.content.decode()
    assert provider.posts(WECOM_PATH)[-1].body == {
        "msgtype": "text",
        "text": {"content": "【先锋】测试消息\n城关镇党委的通知机器人已接通（镇管理员 发送）。"},
    }
