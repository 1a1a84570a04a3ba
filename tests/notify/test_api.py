"""/api/v1/notifications/: the person's own inbox (paginated, filtered), the unread
count, marking read, channel preferences, and the reach of what they sent."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import PASSWORD
from tests.notify.conftest import SECRET
from xianfeng.notify.enums import Allow
from xianfeng.notify.models import Notification, OrgPolicy, Prefs
from xianfeng.notify.services import notify
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/"


def bearer(client, username):
    token = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_list_is_the_persons_own_newest_first(client, people):
    notify(users=[people.zhang], title="第一条", kind="contest.result", url="/contests/1/")
    notify(users=[people.li], title=SECRET, body="复核材料", url="/meetings/9/")
    notify(users=[people.zhang], title="第二条", body="内容", kind="account.security")
    response = client.get(URL, **bearer(client, "zhang"))
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["page"], data["pages"]) == (2, 1, 1)
    assert [
        (n["title"], n["body"], n["kind"], n["priority"], n["url"], n["read"])
        for n in data["results"]
    ] == [
        ("第二条", "内容", "account.security", "high", "", False),
        ("第一条", "", "contest.result", "normal", "/contests/1/", False),
    ]
    assert SECRET not in response.content.decode()


def test_list_pages_and_filters(client, people):
    for i in range(5):
        notify(users=[people.zhang], title=f"会议{i}", kind="meeting.planned")
    notify(users=[people.zhang], title="获奖", kind="contest.award")
    Notification.objects.filter(title="会议0").update(read_at="2026-03-10T10:00:00+08:00")
    auth = bearer(client, "zhang")
    page2 = client.get(URL, {"page": 2, "page_size": 2}, **auth).json()
    assert (page2["count"], page2["pages"]) == (6, 3)
    assert [n["title"] for n in page2["results"]] == ["会议3", "会议2"]
    unread_meetings = client.get(URL, {"unread": "true", "kind": "meeting."}, **auth).json()
    assert [n["title"] for n in unread_meetings["results"]] == ["会议4", "会议3", "会议2", "会议1"]
    awards = client.get(URL, {"kind": "contest.award"}, **auth).json()
    assert [n["title"] for n in awards["results"]] == ["获奖"]


def test_unread_count_and_mark_read_some_and_all(client, people):
    notify(users=[people.zhang], title="第一条")
    notify(users=[people.zhang], title="第二条")
    notify(users=[people.li], title=SECRET)
    auth = bearer(client, "zhang")
    first = Notification.objects.get(title="第一条")
    theirs = Notification.objects.get(title=SECRET)
    assert client.get(URL + "unread-count", **auth).json() == {"unread": 2}
    response = client.post(
        URL + "read", {"ids": [first.pk, theirs.pk]}, content_type="application/json", **auth
    )
    assert response.status_code == 204
    assert client.get(URL + "unread-count", **auth).json() == {"unread": 1}
    unread = client.get(URL, {"unread": "true"}, **auth).json()["results"]
    assert [n["title"] for n in unread] == ["第二条"]
    # Another person's id is ignored: theirs stays unread.
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    response = client.post(URL + "read", {}, content_type="application/json", **auth)
    assert response.status_code == 204
    assert client.get(URL + "unread-count", **auth).json() == {"unread": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_prefs_get_and_put(client, county):
    OrgPolicy.objects.create(org=county.county, sms=Allow.ON, wechat=Allow.OFF)
    a1 = county.member_a1.user
    a1.set_password(PASSWORD)
    a1.save()
    auth = bearer(client, "member_a1")
    url = URL + "prefs"
    got = client.get(url, **auth).json()
    assert {k: got[k] for k in ("email", "phone", "wechat_bound", "digest", "digest_hour")} == {
        "email": "",
        "phone": a1.masked_phone,
        "wechat_bound": False,
        "digest": False,
        "digest_hour": 20,
    }
    assert [(c["channel"], c["ready"], c["why"]) for c in got["channels"]] == [
        ("email", False, "请先填写邮箱"),
        ("sms", True, ""),
        ("wecom", False, "所在组织未设置企业微信群机器人"),
        ("dingtalk", False, "所在组织未设置钉钉群机器人"),
    ]
    planned = next(k for k in got["kinds"] if k["kind"] == "meeting.planned")
    assert planned == {
        "kind": "meeting.planned",
        "label": "会议通知",
        "group": "三会一课",
        "urgent": False,
        "channels": ["inapp", "dingtalk", "email", "sms", "wecom"],
    }
    bad = client.put(
        url, {"channels": {"meeting.planned": ["wechat"]}}, content_type="application/json", **auth
    )
    assert (bad.status_code, bad.json()) == (
        400,
        {"detail": "所在组织未开通微信公众号通知", "field": "channels"},
    )
    assert not Prefs.objects.exists()
    ok = client.put(
        url,
        {
            "email": "a1@example.cn",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "channels": {"meeting.planned": ["sms"]},
            "wechat_openid": "oWx-zhang-0001",
        },
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200
    data = ok.json()
    assert (data["email"], data["quiet_start"], data["quiet_end"], data["wechat_bound"]) == (
        "a1@example.cn",
        "22:00:00",
        "07:00:00",
        True,
    )
    planned = next(k for k in data["kinds"] if k["kind"] == "meeting.planned")
    assert planned["channels"] == ["inapp", "sms"]
    prefs = Prefs.objects.get(user=a1)
    # 公众号 is off for the org: the kind's default for it is kept, not dropped.
    assert prefs.channels == {"meeting.planned": ["sms", "wechat"]}
    # Leaving fields out keeps them.
    client.put(url, {"digest": True}, content_type="application/json", **auth)
    prefs.refresh_from_db()
    assert (prefs.digest, prefs.quiet_start is not None) == (True, True)
    assert User.objects.get(pk=a1.pk).email == "a1@example.cn"
    # A time with a zone is no wall-clock time: a clear 422, nothing stored.
    zoned = client.put(url, {"quiet_start": "08:50:58Z"}, content_type="application/json", **auth)
    assert zoned.status_code == 422 and "不带时区" in zoned.json()["detail"]
    prefs.refresh_from_db()
    assert prefs.quiet_start == datetime.time(22)


def test_the_api_needs_a_login(client, people):
    notify(users=[people.li], title=SECRET)
    for path in ("", "unread-count", "prefs"):
        response = client.get(URL + path)
        assert response.status_code == 401 and SECRET not in response.content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_api_list_query_count(client, people, django_assert_num_queries, n):
    for i in range(n):
        notify(users=[people.zhang, people.li], title=f"通知{i}")
    client.force_login(people.zhang)
    # session, user, count, page
    with django_assert_num_queries(4):
        data = client.get(URL).json()
    assert [d["title"] for d in data["results"]] == [f"通知{i}" for i in reversed(range(n))]
