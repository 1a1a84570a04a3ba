"""The live JSON API (/api/v1/live): my lives on air and coming, one live, its feed,
comments (the word list applied as on the page), likes, the host's pin and remove; the
answers match the published schema; outsiders 404."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import SensitiveWordFactory
from xianfeng.live import services
from xianfeng.live.models import LiveComment, LiveLike

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _schedule(county, title, minutes):
    return services.live_schedule(
        actor=county.town_a_admin,
        org=county.town_a,
        audience=county.town_a,
        title=title,
        speaker=county.member_a1.user,
        scheduled_at=timezone.now() + datetime.timedelta(minutes=minutes),
    )


@pytest.fixture
def on_air(county):
    live = _schedule(county, "七一党课直播", 5)
    services.live_run_open(actor=county.member_a1.user, live=live)
    live.refresh_from_db()
    return live


def _schema_keys(schema, name):
    return set(schema["components"]["schemas"][name]["properties"])


def test_the_live_operations_are_in_the_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/live"]) == {"get"}
    assert set(paths["/api/v1/live/{live_id}"]) == {"get"}
    assert set(paths["/api/v1/live/{live_id}/feed"]) == {"get"}
    assert set(paths["/api/v1/live/{live_id}/comments"]) == {"post"}
    assert set(paths["/api/v1/live/{live_id}/like"]) == {"post"}
    assert set(paths["/api/v1/live/{live_id}/comments/{comment_id}/{action}"]) == {"post"}
    assert set(paths["/api/v1/live/{live_id}/comments"]["post"]["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "404",
        "422",
    }


def test_a_member_follows_a_live_with_a_token_only(county, token_client, on_air, client):
    schema = client.get("/api/v1/openapi.json").json()
    coming = _schedule(county, "下周的直播", 60 * 24 * 7)
    viewer = token_client("member_a2")
    listed = viewer.call("get", "/api/v1/live")
    assert [(x["id"], x["state"]) for x in listed] == [
        (on_air.pk, "live"),
        (coming.pk, "scheduled"),
    ]
    assert set(listed[0]) == _schema_keys(schema, "LiveOut")
    assert listed[0]["url"] == f"http://testserver/live/{on_air.pk}/"
    assert listed[0]["playlist"] == f"http://testserver/live/{on_air.pk}/playlist.m3u8"
    assert listed[1]["playlist"] is None and listed[1]["starts_in"] > 0

    one = viewer.call("get", f"/api/v1/live/{on_air.pk}")
    assert set(one) == _schema_keys(schema, "LiveDetailOut")
    assert (one["is_host"], one["is_speaker"], one["audience"]) == (False, False, "城关镇党委")

    made = viewer.call(
        "post", f"/api/v1/live/{on_air.pk}/comments", {"text": " 讲得真好 "}, status=201
    )
    assert (made["held"], made["text"]) == (False, "讲得真好")
    liked = viewer.call("post", f"/api/v1/live/{on_air.pk}/like")
    again = viewer.call("post", f"/api/v1/live/{on_air.pk}/like")
    assert (liked, again) == ({"likes": 1, "new": True}, {"likes": 1, "new": False})
    assert LiveLike.objects.filter(live=on_air).count() == 1

    # Another viewer's poll sees the comment, through the same feed as the page.
    other = token_client("member_a1")
    feed = other.call("get", f"/api/v1/live/{on_air.pk}/feed?after=0")
    assert set(feed) == _schema_keys(schema, "FeedOut")
    assert [(c["name"], c["text"]) for c in feed["comments"]] == [("李西街", "讲得真好")]
    assert feed["likes"] == 1
    later = other.call("get", f"/api/v1/live/{on_air.pk}/feed?after={made['id']}")
    assert later["comments"] == []


def test_a_listed_word_holds_the_comment_as_on_the_page(county, token_client, on_air):
    SensitiveWordFactory(word="赌博")
    author = token_client("member_a2")
    made = author.call(
        "post", f"/api/v1/live/{on_air.pk}/comments", {"text": "谁来讲讲赌博"}, status=201
    )
    assert made["held"] is True
    mine = author.call("get", f"/api/v1/live/{on_air.pk}/feed")
    assert (mine["comments"], [h["text"] for h in mine["held"]]) == ([], ["谁来讲讲赌博"])
    theirs = token_client("member_a1").call("get", f"/api/v1/live/{on_air.pk}/feed")
    assert (theirs["comments"], theirs["held"]) == ([], [])


def test_the_host_pins_and_removes_and_a_viewer_cannot(county, token_client, on_air):
    viewer = token_client("member_a2")
    made = viewer.call("post", f"/api/v1/live/{on_air.pk}/comments", {"text": "好"}, status=201)
    url = f"/api/v1/live/{on_air.pk}/comments/{made['id']}"
    viewer.call("post", f"{url}/pin", status=403)
    assert LiveComment.objects.get(pk=made["id"]).pinned is False
    host = token_client("member_a1")  # the speaker
    host.call("post", f"{url}/pin", status=204)
    assert LiveComment.objects.get(pk=made["id"]).pinned is True
    host.call("post", f"{url}/shout", status=404)
    host.call("post", f"{url}/remove", status=204)
    gone = LiveComment.objects.get(pk=made["id"])
    assert (gone.removed, gone.pinned) == (True, False)


def test_outsiders_get_404_and_nothing_changes(county, token_client, on_air):
    outsider = token_client("member_b1")
    assert outsider.call("get", "/api/v1/live") == []
    outsider.call("get", f"/api/v1/live/{on_air.pk}", status=404)
    outsider.call("get", f"/api/v1/live/{on_air.pk}/feed", status=404)
    outsider.call("post", f"/api/v1/live/{on_air.pk}/comments", {"text": "好"}, status=404)
    outsider.call("post", f"/api/v1/live/{on_air.pk}/like", status=404)
    assert (LiveComment.objects.count(), LiveLike.objects.count()) == (0, 0)


def test_a_comment_before_the_live_is_refused(county, token_client):
    coming = _schedule(county, "下周的直播", 60)
    body = token_client("member_a2").call(
        "post", f"/api/v1/live/{coming.pk}/comments", {"text": "好"}, status=400
    )
    assert body["detail"] == "直播未开始或已结束"
    assert LiveComment.objects.count() == 0
