"""Comments, likes and viewers during a live: through the shared cache, the word list
applied before anyone else sees a comment, the host pins and removes."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, SensitiveWordFactory
from xianfeng.common.errors import Refused
from xianfeng.live import chat, services
from xianfeng.live.models import LiveComment, LiveLesson, LiveLike

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live(county):
    live = services.live_schedule(
        actor=county.town_a_admin,
        org=county.town_a,
        audience=county.town_a,
        title="七一党课直播",
        speaker=county.member_a1.user,
        scheduled_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    services.live_run_open(actor=county.member_a1.user, live=live)
    live.refresh_from_db()
    return live


def test_a_comment_appears_in_every_viewers_poll(client, county, live):
    client.force_login(county.member_a2.user)
    response = client.post(reverse("live:comment", args=[live.pk]), {"text": " 讲得真好 "})
    assert response.status_code == 201
    for viewer in (county.member_a1.user, county.town_a_admin):
        client.force_login(viewer)
        data = client.get(reverse("live:feed", args=[live.pk]), {"after": 0}).json()
        assert [(c["name"], c["text"]) for c in data["comments"]] == [("李西街", "讲得真好")]
    last = data["comments"][-1]["id"]
    data = client.get(reverse("live:feed", args=[live.pk]), {"after": last}).json()
    assert data["comments"] == []


def test_a_comment_with_a_listed_word_is_seen_by_its_author_only(client, county, live):
    SensitiveWordFactory(word="赌博")
    client.force_login(county.member_a2.user)
    response = client.post(reverse("live:comment", args=[live.pk]), {"text": "谁来讲讲赌博"})
    assert response.json()["held"] is True
    mine = client.get(reverse("live:feed", args=[live.pk])).json()
    assert (mine["comments"], [h["text"] for h in mine["held"]]) == ([], ["谁来讲讲赌博"])
    client.force_login(county.member_a1.user)
    theirs = client.get(reverse("live:feed", args=[live.pk])).json()
    assert (theirs["comments"], theirs["held"]) == ([], [])
    chat.comment_moderated(str(response.json()["id"]), True)
    again = client.get(reverse("live:feed", args=[live.pk])).json()
    assert [c["text"] for c in again["comments"]] == ["谁来讲讲赌博"]


def test_the_host_pins_and_removes(client, county, live):
    a = chat.comment_post(actor=county.member_a2.user, live=live, text="第一条")
    b = chat.comment_post(actor=county.member_a2.user, live=live, text="第二条")
    chat.comment_pin(actor=county.member_a1.user, comment=a)
    chat.comment_pin(actor=county.member_a1.user, comment=b)
    assert list(LiveComment.objects.filter(pinned=True).values_list("pk", flat=True)) == [b.pk]
    client.force_login(county.town_a_admin)
    url = reverse("live:comment_action", args=[live.pk, a.pk, "remove"])
    assert client.post(url).status_code == 200
    data = client.get(reverse("live:feed", args=[live.pk])).json()
    assert data["ids"] == [b.pk] and data["pinned"]["text"] == "第二条"


def test_a_viewer_cannot_pin_or_remove(client, county, live):
    a = chat.comment_post(actor=county.member_a2.user, live=live, text="第一条")
    with pytest.raises(PermissionDenied):
        chat.comment_remove(actor=county.member_a2.user, comment=a)
    client.force_login(county.member_a2.user)
    url = reverse("live:comment_action", args=[live.pk, a.pk, "pin"])
    assert client.post(url).status_code == 403
    assert LiveComment.objects.filter(pk=a.pk, pinned=False, removed=False).exists()


def test_likes_count_once_per_person(client, county, live):
    client.force_login(county.member_a2.user)
    url = reverse("live:like", args=[live.pk])
    assert client.post(url).json() == {"likes": 1}
    assert client.post(url).json() == {"likes": 1}
    assert LiveLike.objects.count() == 1 and LiveLesson.objects.get(pk=live.pk).like_count == 1


def test_viewers_are_counted_once_per_window(county, live):
    now = 1_800_000_000.0
    people = [
        county.member_a2.user,
        county.member_a1.user,
        MemberFactory(org=county.branch_a2).user,
    ]
    for person in people:
        chat.seen(live.pk, str(person.pk), now=now)
    assert chat.seen(live.pk, str(people[0].pk), now=now + 1) == 3
    # In the next window the count carries over until the polls come back.
    assert chat.seen(live.pk, str(people[0].pk), now=now + 30) == 3


def test_no_comments_before_or_after_the_live(county, live):
    services.live_end(actor=county.member_a1.user, live=live)
    live.refresh_from_db()
    with pytest.raises(Refused):
        chat.comment_post(actor=county.member_a2.user, live=live, text="还在吗")
    assert LiveComment.objects.count() == 0


@pytest.mark.parametrize("who", ["member_b1", "secretary_b1"])
def test_outsiders_get_404(client, county, live, who):
    user = getattr(county, who)
    client.force_login(getattr(user, "user", user))
    assert client.get(reverse("live:feed", args=[live.pk])).status_code == 404
    assert client.post(reverse("live:comment", args=[live.pk]), {"text": "你好"}).status_code == 404
    assert client.post(reverse("live:like", args=[live.pk])).status_code == 404
    assert (LiveComment.objects.count(), LiveLike.objects.count()) == (0, 0)


@pytest.mark.parametrize("n", [1, 3])
def test_a_poll_costs_no_query_per_comment(
    client, county, live, django_assert_num_queries, n, monkeypatch
):
    # Both polls in one viewer window (a window boundary between them adds cache writes).
    monkeypatch.setattr(chat.time, "time", lambda: 1_800_000_000.0)
    for i in range(n):
        chat.comment_post(actor=county.member_a2.user, live=live, text=f"评论{i}")
    client.force_login(county.member_a1.user)
    client.get(reverse("live:feed", args=[live.pk]))  # the cached list is built once
    # session, user, the live, the person's held comments (member and roles from the
    # identity memo), and eight cache
    # operations (comments list, viewer window add/count, both windows read at once) that
    # the test settings' database cache answers as queries (Redis in production): the same
    # for 1 and 3 comments
    with django_assert_num_queries(12):
        data = client.get(reverse("live:feed", args=[live.pk])).json()
    assert len(data["comments"]) == n
