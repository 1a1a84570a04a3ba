"""现场竞答: the host's screen asks one question at a time, two phones answer within the
limit (the faster right answer scores more), nothing tells the answer before the host
reveals it, one answer per phone and question, the leaderboard is cached between polls,
and nobody outside the room's org reaches it."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.common.errors import Refused
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Question, QuizRoom, RoomAnswer
from xianfeng.study.selectors import rooms as sel
from xianfeng.study.services import rooms as services

pytestmark = pytest.mark.django_db

EXPLAIN = "现场解析标记"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def room(county):
    for stem, kind, options, answer in (
        ("党的一大在哪里召开？", "single", ["上海", "北京", "广州"], ["A"]),
        ("遵义会议在1935年召开。", "judge", [], ["T"]),
        ("“三会一课”中的“一课”指哪些？", "multiple", ["党课", "团课", "理论课"], ["A", "C"]),
        ("党的根本宗旨是全心全意为____服务。", "blank", [], ["人民", "人民群众"]),
    ):
        Question.objects.create(
            org=county.county,
            kind=kind,
            stem=stem,
            options=options,
            answer=answer,
            explanation=EXPLAIN,
            fingerprint=fingerprint(kind, stem),
        )
    return services.room_create(
        actor=county.town_a_admin,
        org=county.town_a,
        title="主题党日竞答",
        count=2,
        seconds=20,
        kinds=["single", "judge"],
    )


def test_too_many_questions_are_refused(county, room):
    with pytest.raises(Refused, match="只有 2 道"):
        services.room_create(
            actor=county.town_a_admin,
            org=county.town_a,
            title="再来",
            count=3,
            seconds=20,
            kinds=["single", "judge"],
        )
    assert {i["kind"] for i in room.paper} == {"single", "judge"}
    with pytest.raises(Refused, match="只有 4 道"):
        services.room_create(
            actor=county.town_a_admin, org=county.town_a, title="再来", count=5, seconds=20
        )
    with pytest.raises(Refused, match="题型不对"):
        services.room_create(
            actor=county.town_a_admin,
            org=county.town_a,
            title="再来",
            count=1,
            seconds=20,
            kinds=["essay"],
        )


def test_a_room_asks_every_kind_the_bank_has(county, room):
    every = services.room_create(
        actor=county.town_a_admin, org=county.town_a, title="四种题", count=4, seconds=20
    )
    assert sorted(i["kind"] for i in every.paper) == ["blank", "judge", "multiple", "single"]


def _asking(county, kind):
    """A one-question room of `kind`, asked (the longest limit: a loaded machine must not
    run out the clock between two requests)."""
    made = services.room_create(
        actor=county.town_a_admin,
        org=county.town_a,
        title=f"{kind}现场",
        count=1,
        seconds=120,
        kinds=[kind],
    )
    return services.room_advance(actor=county.town_a_admin, room=made)


def test_multiple_choice_scores_all_or_nothing(county, room):
    asked = _asking(county, "multiple")
    item = asked.paper[0]
    key = item["key"]
    assert len(key) == 2
    at = asked.asked_at + datetime.timedelta(seconds=4)
    with pytest.raises(Refused, match="请至少选择一个答案"):
        services.room_answer(
            user=county.member_a1.user, org=None, room=asked, position=0, response=[], now=at
        )
    half = services.room_answer(
        user=county.member_a1.user, org=None, room=asked, position=0, response=key[:1], now=at
    )
    extra = [letter for letter in "ABC" if letter not in key]
    too_many = services.room_answer(
        user=county.member_a2.user,
        org=None,
        room=asked,
        position=0,
        response=key + extra,
        now=at,
    )
    # Ticked in any order, lower case: the same answer.
    whole = services.room_answer(
        user=county.secretary_a1,
        org=None,
        room=asked,
        position=0,
        response=[k.lower() for k in reversed(key)],
        now=at,
    )
    assert (half.correct, half.points) == (False, 0)
    assert (too_many.correct, too_many.points) == (False, 0)
    assert (whole.correct, whole.points, whole.response) == (True, 500 + 483, key)
    with pytest.raises(Refused, match="请从 A–C 中选择"):
        services.room_answer(
            user=county.member_b1.user, org=None, room=asked, position=0, response=["D"], now=at
        )


def test_blank_answers_compare_like_quizzes(county, room):
    asked = _asking(county, "blank")
    at = asked.asked_at + datetime.timedelta(seconds=10)
    with pytest.raises(Refused, match="请填写答案"):
        services.room_answer(
            user=county.member_a1.user, org=None, room=asked, position=0, response=["  "], now=at
        )
    full_width = services.room_answer(
        user=county.member_a1.user,
        org=None,
        room=asked,
        position=0,
        response=[" 人民 群众 "],
        now=at,
    )
    other = services.room_answer(
        user=county.member_a2.user, org=None, room=asked, position=0, response=["人民"], now=at
    )
    wrong = services.room_answer(
        user=county.secretary_a1, org=None, room=asked, position=0, response=["党员"], now=at
    )
    assert (full_width.correct, full_width.points) == (True, 500 + 458)
    assert (other.correct, wrong.correct, wrong.points) == (True, False, 0)
    with pytest.raises(Refused, match="最多 100 个字"):
        services.room_answer(
            user=county.member_b1.user,
            org=None,
            room=asked,
            position=0,
            response=["字" * 101],
            now=at,
        )


def test_phones_tick_and_type_and_the_poll_leaves_a_form_alone(client, county, room):
    multiple = _asking(county, "multiple")
    blank = _asking(county, "blank")
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:room_play", args=[multiple.pk])).content.decode()
    assert html.count('type="checkbox" name="answer"') == 3 and "多选题" in html
    assert "正确答案" not in html and EXPLAIN not in html
    html = client.get(reverse("study:room_play", args=[blank.pk])).content.decode()
    assert 'type="text" name="answer"' in html and "填空题" in html
    assert "人民群众" not in html and "正确答案" not in html
    version = "asking.0.0.1"
    state = reverse("study:room_play_state", args=[blank.pk])
    assert client.get(state, {"v": version}).status_code == 204
    assert client.get(state, {"v": "waiting.-1.0.0"}).status_code == 200
    empty = client.post(
        reverse("study:room_answer", args=[blank.pk]),
        {"position": 0, "answer": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "请填写答案" in empty.content.decode()
    sent = client.post(
        reverse("study:room_answer", args=[blank.pk]),
        {"position": 0, "answer": "人民"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "我的答案：人民" in sent and "已提交，等待公布答案" in sent
    # Answered: the poll shows the phone again (no form to keep).
    assert client.get(state, {"v": "asking.0.1.1"}).status_code == 200
    ticked = client.post(
        reverse("study:room_answer", args=[multiple.pk]),
        {"position": 0, "answer": multiple.paper[0]["key"]},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f"我的答案：{''.join(multiple.paper[0]['key'])}" in ticked
    assert RoomAnswer.objects.get(room=multiple).correct is True
    host = client.__class__()
    host.force_login(county.town_a_admin)
    screen = host.get(reverse("study:room_host_state", args=[blank.pk])).content.decode()
    assert "请在手机上填写答案" in screen and "人民群众" not in screen
    services.room_advance(actor=county.town_a_admin, room=blank)
    screen = host.get(reverse("study:room_host_state", args=[blank.pk])).content.decode()
    assert "正确答案" in screen and "人民 或 人民群众" in screen
    phone = client.get(state, {"v": "asking.0.1.1"}).content.decode()
    assert "答对 +" in phone


def test_host_and_two_phones_play_a_room(client, county, room):
    host, fast, slow = county.town_a_admin, county.member_a1.user, county.member_a2.user
    client.force_login(host)
    screen = client.get(reverse("study:room_host", args=[room.pk])).content.decode()
    assert "出题" in screen
    client.post(reverse("study:room_advance", args=[room.pk]), {"state": "waiting", "current": -1})
    # A double tap on the host's button moves the room one step.
    client.post(reverse("study:room_advance", args=[room.pk]), {"state": "waiting", "current": -1})
    room.refresh_from_db()
    assert (room.state, room.current) == ("asking", 0)
    item = room.paper[0]
    key = item["key"][0]
    wrong = (
        "F" if key == "T" else ("T" if item["kind"] == "judge" else ("B" if key == "A" else "A"))
    )
    host_html = client.get(reverse("study:room_host_state", args=[room.pk])).content.decode()
    phone = client.__class__()
    phone.force_login(fast)
    phone_html = phone.get(reverse("study:room_play_state", args=[room.pk])).content.decode()
    for html in (host_html, phone_html):
        assert item["stem"] in html
        assert "正确答案" not in html and EXPLAIN not in html
    asked = room.asked_at
    a = services.room_answer(
        user=fast,
        org=county.branch_a1,
        room=room,
        position=0,
        response=[key],
        now=asked + datetime.timedelta(seconds=2),
    )
    b = services.room_answer(
        user=slow,
        org=county.branch_a2,
        room=room,
        position=0,
        response=[key],
        now=asked + datetime.timedelta(seconds=15),
    )
    assert (a.correct, a.points) == (True, 500 + 450)
    assert (b.correct, b.points) == (True, 500 + 125)
    with pytest.raises(Refused, match="已经答过"):
        services.room_answer(user=fast, org=None, room=room, position=0, response=[wrong])
    assert RoomAnswer.objects.filter(user=fast).count() == 1
    client.post(reverse("study:room_advance", args=[room.pk]), {"state": "asking", "current": 0})
    room.refresh_from_db()
    assert room.state == "revealed"
    revealed = phone.get(reverse("study:room_play_state", args=[room.pk])).content.decode()
    assert "正确答案" in revealed and "答对 +950" in revealed
    cache.clear()
    board = sel.board(room)
    assert [(r["user_id"], r["total"]) for r in board] == [(fast.pk, 950), (slow.pk, 625)]
    client.post(reverse("study:room_advance", args=[room.pk]), {"state": "revealed", "current": 0})
    room.refresh_from_db()
    # The phone answers the second question through the page; late answers are refused.
    answer = phone.post(
        reverse("study:room_answer", args=[room.pk]),
        {"position": 1, "answer": room.paper[1]["key"]},
        HTTP_HX_REQUEST="true",
    )
    assert "已提交，等待公布答案" in answer.content.decode()
    with pytest.raises(Refused, match="时间到了"):
        services.room_answer(
            user=slow,
            org=None,
            room=room,
            position=1,
            response=room.paper[1]["key"],
            now=room.asked_at + datetime.timedelta(seconds=30),
        )
    with pytest.raises(Refused, match="停止作答"):
        services.room_answer(user=slow, org=None, room=room, position=0, response=[key])
    client.post(reverse("study:room_advance", args=[room.pk]), {"state": "asking", "current": 1})
    client.post(reverse("study:room_advance", args=[room.pk]), {"state": "revealed", "current": 1})
    room.refresh_from_db()
    assert room.state == "finished"


def test_the_board_is_one_query_then_cached(county, room):
    room = services.room_advance(actor=county.town_a_admin, room=room)
    services.room_answer(
        user=county.member_a1.user,
        org=county.branch_a1,
        room=room,
        position=0,
        response=room.paper[0]["key"],
    )
    room = services.room_advance(actor=county.town_a_admin, room=room)  # reveal
    # The embedded setup's cache is the database cache (Redis in production): whatever
    # the cache costs, the answers are read once and then served from it.
    with CaptureQueriesContext(connection) as first_run:
        first = sel.board(room)
    with CaptureQueriesContext(connection) as second_run:
        assert sel.board(room) == first
    reads = [q["sql"] for q in first_run.captured_queries if "study_roomanswer" in q["sql"]]
    assert len(reads) == 1
    assert not [q for q in second_run.captured_queries if "study_roomanswer" in q["sql"]]
    assert first[0]["user_id"] == county.member_a1.user.pk


def test_outsiders_never_reach_a_room(client, county, room):
    client.force_login(county.member_b1.user)  # 河口镇: not this town's room
    for name in ("room_play", "room_play_state", "room_host", "room_host_state"):
        assert client.get(reverse(f"study:{name}", args=[room.pk])).status_code == 404
    assert (
        client.post(reverse("study:room_answer", args=[room.pk]), {"position": 0}).status_code
        == 404
    )
    client.force_login(county.member_a1.user)  # a player cannot run the screen
    assert client.get(reverse("study:room_host", args=[room.pk])).status_code == 404
    assert client.post(reverse("study:room_advance", args=[room.pk])).status_code == 404
    room.refresh_from_db()
    assert room.state == "waiting"
    assert "主题党日竞答" not in client.__class__().get(reverse("study:rooms")).content.decode()
    client.logout()
    response = client.get(reverse("study:room_play", args=[room.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not RoomAnswer.objects.exists()


def test_a_member_cannot_create_a_room(client, county, room):
    client.force_login(county.member_a1.user)
    response = client.post(
        reverse("study:rooms"),
        {"org": county.branch_a1.pk, "title": "x", "count": 1, "seconds": 20},
    )
    assert response.status_code == 403
    assert QuizRoom.objects.count() == 1


@pytest.mark.parametrize("n", [1, 3])
def test_room_list_query_count(client, county, room, django_assert_num_queries, n):
    for _ in range(n - 1):
        services.room_create(
            actor=county.town_a_admin, org=county.town_a, title="又一场", count=1, seconds=20
        )
    client.force_login(county.member_a1.user)
    client.get(reverse("study:rooms"))
    with django_assert_num_queries(5):  # the open ones and the last finished
        html = client.get(reverse("study:rooms")).content.decode()
    assert html.count('class="quiz-row"') == n


def test_the_board_adds_points_only_at_the_reveal(client, county, room):
    """While a question is asked the big screen's leaderboard must not move: a name rising
    tells the room who answered right before the host reveals the answer."""
    host, fast, slow = county.town_a_admin, county.member_a1.user, county.member_a2.user
    room = services.room_advance(actor=host, room=room)
    item = room.paper[0]
    key = item["key"]
    if item["kind"] == "judge":
        wrong = ["F"] if key == ["T"] else ["T"]
    else:
        wrong = ["B"] if key == ["A"] else ["A"]
    at = room.asked_at + datetime.timedelta(seconds=2)
    services.room_answer(
        user=fast, org=county.branch_a1, room=room, position=0, response=key, now=at
    )
    services.room_answer(
        user=slow, org=county.branch_a2, room=room, position=0, response=wrong, now=at
    )
    client.force_login(host)
    state = reverse("study:room_host_state", args=[room.pk])
    asking = client.get(state).content.decode()
    assert "已有 2 人作答" in asking
    assert "还没有人作答" in asking and "950" not in asking
    assert fast.name not in asking and slow.name not in asking
    assert sel.board(room) == []
    room = services.room_advance(actor=host, room=room)  # reveal; the cache is not cleared
    revealed = client.get(state).content.decode()
    assert "950" in revealed and fast.name in revealed
    assert [(r["user_id"], r["total"], r["right"]) for r in sel.board(room)] == [
        (fast.pk, 950, 1),
        (slow.pk, 0, 0),
    ]
    # The next question: the first one's points stay, the second's wait for its reveal.
    room = services.room_advance(actor=host, room=room)
    services.room_answer(
        user=slow,
        org=county.branch_a2,
        room=room,
        position=1,
        response=room.paper[1]["key"],
        now=room.asked_at + datetime.timedelta(seconds=1),
    )
    assert [(r["user_id"], r["total"]) for r in sel.board(room)] == [(fast.pk, 950), (slow.pk, 0)]
    assert sel.my_total(slow, room) == 0
    room = services.room_advance(actor=host, room=room)
    assert [(r["user_id"], r["total"]) for r in sel.board(room)] == [(slow.pk, 975), (fast.pk, 950)]
