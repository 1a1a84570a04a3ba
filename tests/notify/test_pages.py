"""The inbox, the home panel and the settings page: a person sees only their own, and the
pages use a fixed number of queries whatever the number of notifications."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.notify.conftest import SECRET
from xianfeng.notify.models import Notification, Prefs
from xianfeng.notify.services import notify

pytestmark = pytest.mark.django_db


def _aged(title: str, minutes_ago: int) -> None:
    Notification.objects.filter(title=title).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )


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


def test_settings_page_keeps_the_email(client, people, settings):
    settings.EMAIL_ENABLED = False
    client.force_login(people.zhang)
    url = reverse("notify:settings")
    assert "本站尚未配置邮件服务器" in client.get(url).content.decode()
    response = client.post(url, {"email": "not-an-email"})
    assert "输入一个有效的 Email 地址。" in response.content.decode()
    assert not Prefs.objects.exists()
    response = client.post(url, {"email": "zhang@example.cn"})
    assert response["Location"] == url
    assert 'value="zhang@example.cn"' in client.get(url).content.decode()
    assert Prefs.objects.get(user=people.zhang).email == "zhang@example.cn"


@pytest.mark.parametrize("n", [1, 3])
def test_inbox_query_count(client, people, django_assert_num_queries, n):
    for i in range(n):
        notify(users=[people.zhang, people.li], title=f"通知{i}", url=f"/meetings/{i}/")
    client.force_login(people.zhang)
    # session, user, roles (nav), count, page
    with django_assert_num_queries(5):
        html = client.get(reverse("notify:inbox")).content.decode()
    assert html.count('class="title"') == n


# session, user, roles; the other apps' panels for a person of no org (lessons 3,
# contests 2, meetings 3); notify's panel is one query, however many notifications
HOME_QUERIES = 12


@pytest.mark.parametrize("n", [1, 3])
def test_home_panel_query_count(client, people, django_assert_num_queries, n):
    for i in range(n):
        notify(users=[people.zhang, people.li], title=f"通知{i}")
    client.force_login(people.zhang)
    with django_assert_num_queries(HOME_QUERIES):
        html = client.get(reverse("common:home")).content.decode()
    assert sum(html.count(f"通知{i}") for i in range(n)) == n
