"""/api/v1/notifications/: the person's own list, marking read, the e-mail address."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.notify.conftest import SECRET
from xianfeng.notify.models import Notification, Prefs
from xianfeng.notify.services import notify

pytestmark = pytest.mark.django_db


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
    notify(users=[people.zhang], title="第二条", body="内容", kind="meeting.planned")
    response = client.get("/api/v1/notifications/", **bearer(client, "zhang"))
    assert response.status_code == 200
    data = response.json()
    assert [(n["title"], n["body"], n["kind"], n["url"], n["read"]) for n in data] == [
        ("第二条", "内容", "meeting.planned", "", False),
        ("第一条", "", "contest.result", "/contests/1/", False),
    ]
    assert SECRET not in response.content.decode()


def test_mark_read_by_ids_and_all(client, people):
    notify(users=[people.zhang], title="第一条")
    notify(users=[people.zhang], title="第二条")
    notify(users=[people.li], title=SECRET)
    auth = bearer(client, "zhang")
    first = Notification.objects.get(title="第一条")
    theirs = Notification.objects.get(title=SECRET)
    response = client.post(
        "/api/v1/notifications/read",
        {"ids": [first.pk, theirs.pk]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 204
    unread = client.get("/api/v1/notifications/", {"unread": "true"}, **auth).json()
    assert [n["title"] for n in unread] == ["第二条"]
    # Another person's id is ignored: theirs stays unread.
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    response = client.post(
        "/api/v1/notifications/read", {}, content_type="application/json", **auth
    )
    assert response.status_code == 204
    assert client.get("/api/v1/notifications/", {"unread": "true"}, **auth).json() == []
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_prefs_through_the_api(client, people, settings):
    settings.EMAIL_ENABLED = True
    auth = bearer(client, "zhang")
    url = "/api/v1/notifications/prefs"
    assert client.get(url, **auth).json() == {"email": "", "email_enabled": True}
    bad = client.put(url, {"email": "not-an-email"}, content_type="application/json", **auth)
    assert (bad.status_code, bad.json()) == (400, {"detail": "邮箱格式不正确", "field": "email"})
    assert not Prefs.objects.exists()
    ok = client.put(url, {"email": "zhang@example.cn"}, content_type="application/json", **auth)
    assert ok.status_code == 204
    assert client.get(url, **auth).json() == {"email": "zhang@example.cn", "email_enabled": True}


def test_the_api_needs_a_login(client, people):
    notify(users=[people.li], title=SECRET)
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 401 and SECRET not in response.content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_api_list_query_count(client, people, django_assert_num_queries, n):
    for i in range(n):
        notify(users=[people.zhang, people.li], title=f"通知{i}")
    client.force_login(people.zhang)
    # session, user, the notifications
    with django_assert_num_queries(3):
        data = client.get("/api/v1/notifications/").json()
    assert [d["title"] for d in data] == [f"通知{i}" for i in reversed(range(n))]
