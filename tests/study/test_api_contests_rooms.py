"""The JSON API of 知识竞赛 and 现场竞答: the same selectors as the pages (a miss is a 404
for outsiders), no key or right/wrong before the host reveals it, and lists whose query
count does not grow with their length."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import MemberFactory
from tests.study.test_competitions import _competition, _play
from tests.study.test_competitions import bank as bank
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Question, RoomAnswer
from xianfeng.study.services import rooms as room_services

pytestmark = pytest.mark.django_db

API = "/api/v1/study"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_contests_through_the_api(client, county, bank):
    competition = _competition(county, org=county.town_a, actor=county.town_a_admin)
    a1, a2 = county.member_a1.user, county.member_a2.user
    _play(a1, competition, 1)
    _play(a2, competition, 1)
    _play(a2, competition, 2)
    client.force_login(a1)
    listed = client.get(f"{API}/contests").json()
    assert [(c["id"], c["level_count"], c["my_passed"]) for c in listed] == [(competition.pk, 2, 1)]
    detail = client.get(f"{API}/contests/{competition.pk}").json()
    assert [(lv["level"], lv["unlocked"], lv["my_passed"]) for lv in detail["levels"]] == [
        (1, True, True),
        (2, True, False),
    ]
    assert detail["can_play"] is True and detail["my_passed"] == 1
    standing = client.get(f"{API}/contests/{competition.pk}/standing").json()
    assert (standing["levels_passed"], standing["rank"], standing["of"]) == (1, 2, 2)
    ranking = client.get(f"{API}/contests/{competition.pk}/ranking").json()
    assert [(r["rank"], r["name"], r["levels_passed"]) for r in ranking["people"]] == [
        (1, "李西街", 2),
        (2, "张东街", 1),
    ]
    assert {b["org"] for b in ranking["branches"]} == {"东街社区党支部", "西街社区党支部"}
    # Another town's member, and the anonymous: nothing.
    client.force_login(county.member_b1.user)
    assert client.get(f"{API}/contests").json() == []
    for tail in ("", "/standing", "/ranking"):
        response = client.get(f"{API}/contests/{competition.pk}{tail}")
        assert response.status_code == 404
        assert "李西街" not in response.content.decode()
    client.logout()
    assert client.get(f"{API}/contests/{competition.pk}/ranking").status_code == 401


@pytest.mark.parametrize("n", [1, 3])
def test_contest_lists_query_count(
    client, county, bank, django_assert_num_queries, django_assert_max_num_queries, n
):
    for _ in range(n):
        competition = _competition(county, org=county.county, actor=county.county_admin, levels=1)
    players = [MemberFactory(org=county.branch_a1).user for _ in range(n)]
    for user in players:
        _play(user, competition, 1)
    client.force_login(players[0])
    client.get(f"{API}/contests")  # warm the session and caches
    with django_assert_num_queries(3):
        assert len(client.get(f"{API}/contests").json()) == n
    # The session, the person, the competition, its level count, one query per ranking.
    with django_assert_max_num_queries(7):
        ranking = client.get(f"{API}/contests/{competition.pk}/ranking").json()
    assert len(ranking["people"]) == n


@pytest.fixture
def room(county):
    for stem, kind, options, answer in (
        ("党的一大在哪里召开？", "single", ["上海", "北京", "广州"], ["A"]),
        ("党的根本宗旨是全心全意为____服务。", "blank", [], ["人民"]),
    ):
        Question.objects.create(
            org=county.county,
            kind=kind,
            stem=stem,
            options=options,
            answer=answer,
            explanation="现场解析标记",
            fingerprint=fingerprint(kind, stem),
        )
    return room_services.room_create(
        actor=county.town_a_admin, org=county.town_a, title="主题党日竞答", count=2, seconds=120
    )


def test_a_phone_joins_by_code_and_answers_through_the_api(client, county, room):
    assert len(room.code) == 6 and room.code.isdigit()
    client.force_login(county.member_a1.user)
    joined = client.post(f"{API}/rooms/join", {"code": room.code}, content_type="application/json")
    assert joined.status_code == 200
    assert (joined.json()["id"], joined.json()["state"], joined.json()["question"]) == (
        room.pk,
        "waiting",
        None,
    )
    room = room_services.room_advance(actor=county.town_a_admin, room=room)
    item = room.paper[0]
    current = client.get(f"{API}/rooms/{room.pk}")
    body = current.content.decode()
    assert current.json()["question"]["stem"] == item["stem"]
    assert "现场解析标记" not in body and current.json()["key"] is None
    answered = client.post(
        f"{API}/rooms/{room.pk}/answers",
        {"position": 0, "response": item["key"]},
        content_type="application/json",
    ).json()
    # Right or wrong stays unsaid until the host reveals it.
    assert answered["mine"]["response"] == item["key"] and answered["mine"]["correct"] is None
    assert answered["my_total"] == 0
    again = client.post(
        f"{API}/rooms/{room.pk}/answers",
        {"position": 0, "response": item["key"]},
        content_type="application/json",
    )
    assert again.status_code == 400 and "已经答过" in again.json()["detail"]
    room = room_services.room_advance(actor=county.town_a_admin, room=room)
    revealed = client.get(f"{API}/rooms/{room.pk}").json()
    assert revealed["key"] == item["key"] and revealed["explanation"] == "现场解析标记"
    assert revealed["mine"]["correct"] is True and revealed["my_total"] > 500
    empty = client.post(
        f"{API}/rooms/{room.pk}/answers",
        {"position": 0, "response": []},
        content_type="application/json",
    )
    assert empty.status_code == 400
    bad = client.post(f"{API}/rooms/join", {"code": "12ab"}, content_type="application/json")
    assert bad.status_code == 422


def test_outsiders_never_reach_a_room_through_the_api(client, county, room):
    room = room_services.room_advance(actor=county.town_a_admin, room=room)
    client.force_login(county.member_b1.user)  # 河口镇: not this town's room
    joined = client.post(f"{API}/rooms/join", {"code": room.code}, content_type="application/json")
    assert joined.status_code == 404
    current = client.get(f"{API}/rooms/{room.pk}")
    assert current.status_code == 404 and room.paper[0]["stem"] not in current.content.decode()
    answer = client.post(
        f"{API}/rooms/{room.pk}/answers",
        {"position": 0, "response": ["A"]},
        content_type="application/json",
    )
    assert answer.status_code == 404
    client.logout()
    assert client.get(f"{API}/rooms/{room.pk}").status_code == 401
    assert not RoomAnswer.objects.exists()
    # A finished room's code no longer lets anyone in.
    client.force_login(county.member_a1.user)
    room.state = "finished"
    room.save(update_fields=["state"])
    joined = client.post(f"{API}/rooms/join", {"code": room.code}, content_type="application/json")
    assert joined.status_code == 404
