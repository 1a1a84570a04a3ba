"""现场竞答 on a village site's TV (common/screens.py): the TV of a site lists and runs its own
org's rooms with the remote's OK key, shows nothing of the answer before the reveal, moves
one step for a double press, and never reaches another org's room."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.cache import cache

from xianfeng.audit.models import AuditLog
from xianfeng.remote import services
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Question
from xianfeng.study.services import rooms as room_services

pytestmark = pytest.mark.django_db

EXPLAIN = "大屏解析标记"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bank(county):
    for stem, answer in (("遵义会议在1935年召开。", ["T"]), ("党的一大在北京召开。", ["F"])):
        Question.objects.create(
            org=county.county,
            kind="judge",
            stem=stem,
            options=[],
            answer=answer,
            explanation=EXPLAIN,
            fingerprint=fingerprint("judge", stem),
        )


def _room(actor, org, title="村里的主题党日竞答"):
    return room_services.room_create(actor=actor, org=org, title=title, count=2, seconds=120)


def _tv(client, site):
    _, key = services.device_token_issue(actor=None, site=site, label="村委会电视盒")

    def call(method, path, body=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1/remote/tv{path}", **kwargs)

    return call


def test_the_tv_lists_and_runs_its_own_org_s_room(client, county, sites2, bank):
    mine = _room(county.secretary_a1, county.branch_a1)
    town = _room(county.town_a_admin, county.town_a, title="全镇竞答")  # every village plays it
    _room(county.secretary_b1, county.branch_b1, title="柳湾竞答")
    tv = _tv(client, sites2.a)
    home = tv("get", "").json()
    assert home["screens"] == [
        {
            "kind": "study.room",
            "id": mine.pk,
            "title": "村里的主题党日竞答",
            "subtitle": f"现场竞答 · 共 2 题 · 房间号 {mine.code}",
        },
        {
            "kind": "study.room",
            "id": town.pk,
            "title": "全镇竞答",
            "subtitle": f"现场竞答 · 城关镇党委主持，本屏只看 · 共 2 题 · 房间号 {town.code}",
        },
    ]
    path = f"/screens/study.room/{mine.pk}"
    waiting = tv("get", path).json()
    assert (waiting["state"], waiting["next_step"], waiting["question"]) == (
        "waiting",
        "出题",
        None,
    )
    asked = tv("post", f"{path}/advance", {"step": "waiting.-1"}).json()
    # A double press (or the host's phone at the same moment) moves it once.
    again = tv("post", f"{path}/advance", {"step": "waiting.-1"}).json()
    assert (asked["state"], asked["current"], asked["next_step"]) == ("asking", 0, "公布答案")
    assert (again["state"], again["current"]) == ("asking", 0)
    mine.refresh_from_db()
    item = mine.paper[0]
    assert asked["question"]["stem"] == item["stem"]
    assert asked["question"]["choices"] == [
        {"letter": "T", "text": "对"},
        {"letter": "F", "text": "错"},
    ]
    assert 118 <= asked["seconds_left"] <= 120
    room_services.room_answer(
        user=county.member_a1.user,
        org=county.branch_a1,
        room=mine,
        position=0,
        response=item["key"],
        now=mine.asked_at + datetime.timedelta(seconds=12),
    )
    during = tv("get", path)
    text = during.content.decode()
    # Nothing tells the answer before the reveal: no key, no explanation, no points.
    data = during.json()
    assert data["question"]["key_text"] is None and data["question"]["explanation"] is None
    assert EXPLAIN not in text and county.member_a1.user.name not in text
    assert (data["answered"], data["board"]) == (1, [])
    revealed = tv("post", f"{path}/advance", {"step": "asking.0"}).json()
    assert revealed["state"] == "revealed" and revealed["next_step"] == "下一题"
    assert revealed["question"]["key_text"] == ("对" if item["key"] == ["T"] else "错")
    assert revealed["question"]["explanation"] == EXPLAIN
    assert revealed["board"] == [
        {"rank": 1, "name": "张东街", "org": "东街社区党支部", "right": 1, "points": 950}
    ]
    log = AuditLog.objects.filter(action="room.revealed").get()
    assert log.actor is None and log.data["screen"] == "东街社区远程教育站点（村委会电视盒）"
    tv("post", f"{path}/advance", {"step": "revealed.0"})
    last = tv("post", f"{path}/advance", {"step": "asking.1"}).json()
    assert last["next_step"] == "结束竞答"
    done = tv("post", f"{path}/advance", {"step": "revealed.1"}).json()
    assert (done["state"], done["next_step"]) == ("finished", "")
    # The finished room leaves the TV's tiles; its final board can still be shown.
    assert [t["id"] for t in tv("get", "").json()["screens"]] == [town.pk]
    assert tv("get", path).json()["board"][0]["points"] == 950
    refused = tv("post", f"{path}/advance", {"step": "finished.1"})
    assert refused.status_code == 400 and refused.json()["detail"] == "竞答已经结束"


def test_another_site_s_tv_never_reaches_the_room(client, county, sites2, bank):
    room = _room(county.secretary_a1, county.branch_a1)
    town = _room(county.town_a_admin, county.town_a, title="全镇竞答")
    tv_b = _tv(client, sites2.b)
    tv_a = _tv(client, sites2.a)
    for target in (room, town):
        path = f"/screens/study.room/{target.pk}"
        assert tv_b("get", path).status_code == 404
        assert tv_b("post", f"{path}/advance", {"step": "waiting.-1"}).status_code == 404
    # The village's TV does not run the town's room either (each village would press OK).
    assert (
        tv_a("post", f"/screens/study.room/{town.pk}/advance", {"step": "waiting.-1"}).status_code
        == 404
    )
    room.refresh_from_db()
    town.refresh_from_db()
    assert (room.state, town.state) == ("waiting", "waiting")
    assert tv_a("get", f"/screens/nothing.here/{room.pk}").status_code == 404
    assert client.get(f"/api/v1/remote/tv/screens/study.room/{room.pk}").status_code == 401
    bad = tv_a("post", f"/screens/study.room/{room.pk}/advance", {"step": "later"})
    assert bad.status_code == 400 and bad.json()["detail"] == "操作已过期，请再按一次确定"
    room.refresh_from_db()
    assert room.state == "waiting"


def test_the_village_tv_shows_a_room_of_an_org_above_read_only(client, county, sites2, bank):
    """The town's room, which the village's members play on their phones, shows on the
    village's TV as the town's host runs it; OK moves nothing (each village would move it
    for all). A sibling town's room, or another village's, stays a 404."""
    town = _room(county.town_a_admin, county.town_a, title="全镇竞答")
    whole = _room(county.county_admin, county.county, title="全县竞答")
    sibling = _room(county.county_admin, county.town_b, title="河口镇竞答")
    village_b = _room(county.secretary_b1, county.branch_b1, title="柳湾竞答")
    tv = _tv(client, sites2.a)
    assert [t["id"] for t in tv("get", "").json()["screens"]] == [whole.pk, town.pk]
    path = f"/screens/study.room/{town.pk}"
    waiting = tv("get", path).json()
    assert (waiting["state"], waiting["next_step"], waiting["read_only"]) == ("waiting", "", True)
    assert waiting["org"] == "城关镇党委"
    town = room_services.room_advance(actor=county.town_a_admin, room=town)  # the town's host
    room_services.room_answer(
        user=county.member_a1.user,
        org=county.branch_a1,
        room=town,
        position=0,
        response=town.paper[0]["key"],
        now=town.asked_at + datetime.timedelta(seconds=12),
    )
    asked = tv("get", path)
    data = asked.json()
    assert (data["state"], data["answered"], data["next_step"]) == ("asking", 1, "")
    assert data["question"]["stem"] == town.paper[0]["stem"]
    assert data["question"]["key_text"] is None and EXPLAIN not in asked.content.decode()
    assert tv("post", f"{path}/advance", {"step": "asking.0"}).status_code == 404
    town.refresh_from_db()
    assert (town.state, town.current) == ("asking", 0)
    room_services.room_advance(actor=county.town_a_admin, room=town)
    revealed = tv("get", path).json()
    assert revealed["state"] == "revealed" and revealed["board"][0]["name"] == "张东街"
    assert tv("get", f"/screens/study.room/{whole.pk}").json()["read_only"] is True
    # Leaks: a sibling town's room and another village's never reach this TV.
    for other in (sibling, village_b):
        other_path = f"/screens/study.room/{other.pk}"
        assert tv("get", other_path).status_code == 404
        assert tv("post", f"{other_path}/advance", {"step": "waiting.-1"}).status_code == 404
    sibling.refresh_from_db()
    village_b.refresh_from_db()
    assert (sibling.state, village_b.state) == ("waiting", "waiting")
    # Own room: still run with OK, and not read-only.
    mine = _room(county.secretary_a1, county.branch_a1)
    own = tv("get", f"/screens/study.room/{mine.pk}").json()
    assert (own["read_only"], own["next_step"]) == (False, "出题")
