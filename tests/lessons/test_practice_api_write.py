"""Writes of the practice in the API: 点课 (ask, second, take, give, close), rotas and their
turns, a lesson's co-speakers and their order, tours, stops and the audience's opinions.
Scoped like the pages (another town's member: 404; a member without the rule: 403, with
nothing changed), and a create sent twice answers the first one's row."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, published_lesson
from xianfeng.lessons.practice import services, speakers, tours
from xianfeng.lessons.practice.models import (
    LessonRequest,
    LessonSpeaker,
    RotaSlot,
    SpeakerRota,
    Tour,
    TourFeedback,
    TourStop,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/lessons"
TODAY = timezone.localdate()
JSON = "application/json"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type=JSON)


# --- 点课 ----------------------------------------------------------------------------------


def test_request_asked_twice_is_one_request(client, county):
    client.force_login(county.member_a1.user)
    body = {"topic": "  讲讲 纪律处分条例 ", "reason": "想弄明白"}
    first = post(client, f"{API}/requests", body)
    again = post(client, f"{API}/requests", body)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["topic"] == "讲讲 纪律处分条例"
    assert first.json()["org"] == "东街社区党支部"
    assert LessonRequest.objects.count() == 1
    # To the town above: allowed; to another town: refused on the field.
    up = post(client, f"{API}/requests", {"topic": "乡村振兴", "org": "TA"})
    assert (up.status_code, up.json()["org"]) == (201, "城关镇党委")
    other = post(client, f"{API}/requests", {"topic": "乡村振兴", "org": "TB"})
    assert other.status_code == 400 and other.json()["field"] == "org"
    blank = post(client, f"{API}/requests", {"topic": "  "})
    assert blank.status_code == 400 and blank.json()["detail"] == "请写下想听的课题"


def test_request_create_needs_a_member(client, county):
    client.force_login(county.resident)
    response = post(client, f"{API}/requests", {"topic": "乡村振兴"})
    assert response.status_code == 403
    assert LessonRequest.objects.count() == 0


def test_request_take_give_and_close(client, county):
    asked = services.lesson_request_create(
        actor=county.member_a1.user, org=county.branch_a1, topic="讲讲纪律处分条例"
    )
    taker = MemberFactory(org=county.branch_a1)
    client.force_login(taker.user)
    assert post(client, f"{API}/requests/{asked.pk}/second").json()["vote_count"] == 1
    undone = client.delete(f"{API}/requests/{asked.pk}/second").json()
    assert undone == {"counted": True, "vote_count": 0}
    taken = post(client, f"{API}/requests/{asked.pk}/take")
    assert taken.status_code == 200
    assert (taken.json()["state"], taken.json()["taken_by"]) == ("taken", taker.user.name)
    assert post(client, f"{API}/requests/{asked.pk}/take").status_code == 200  # double tap

    # Another member of the branch sees it but may not give it back or close it.
    client.force_login(MemberFactory(org=county.branch_a1).user)
    assert post(client, f"{API}/requests/{asked.pk}/release").status_code == 403
    assert post(client, f"{API}/requests/{asked.pk}/close").status_code == 403
    assert LessonRequest.objects.get(pk=asked.pk).taken_by_id == taker.user.pk

    lesson = published_lesson(org=county.branch_a1, author=taker.user, title="纪律是条高压线")
    client.force_login(taker.user)
    bad = post(client, f"{API}/requests/{asked.pk}/give", {"lesson_id": 999999})
    assert bad.status_code == 400 and bad.json()["field"] == "lesson_id"
    given = post(client, f"{API}/requests/{asked.pk}/give", {"lesson_id": lesson.pk})
    assert (given.json()["state"], given.json()["lesson_id"]) == ("given", lesson.pk)
    # Given is final: the secretary closing it is refused (no such transition).
    client.force_login(county.secretary_a1)
    assert post(client, f"{API}/requests/{asked.pk}/close").status_code == 400
    assert LessonRequest.objects.get(pk=asked.pk).state == "given"

    declined = services.lesson_request_create(
        actor=county.member_a1.user, org=county.branch_a1, topic="不合适的课题"
    )
    client.force_login(county.secretary_a1)
    closed = post(client, f"{API}/requests/{declined.pk}/close")
    assert closed.json()["state"] == "closed"


def test_request_writes_from_another_town_are_404(client, county):
    asked = services.lesson_request_create(
        actor=county.member_a1.user, org=county.branch_a1, topic="讲讲纪律处分条例"
    )
    client.force_login(county.member_b1.user)
    for action in ("take", "release", "close"):
        assert post(client, f"{API}/requests/{asked.pk}/{action}").status_code == 404
    assert client.delete(f"{API}/requests/{asked.pk}/second").status_code == 404
    assert LessonRequest.objects.get(pk=asked.pk).state == "open"


# --- 轮番主讲 ---------------------------------------------------------------------------------


def test_rota_created_twice_is_one_and_its_turns_are_edited(client, county):
    client.force_login(county.secretary_a1)
    body = {"org": "A1", "year": TODAY.year, "title": "十分钟微课堂"}
    first = post(client, f"{API}/rotas", body)
    again = post(client, f"{API}/rotas", body)
    assert first.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert SpeakerRota.objects.count() == 1
    rota_id = first.json()["id"]

    renamed = client.patch(f"{API}/rotas/{rota_id}", {"title": "每月一讲"}, content_type=JSON)
    assert renamed.json()["title"] == "每月一讲"

    turn = {
        "speaker_id": county.member_a1.pk,
        "starts_on": f"{TODAY.year}-12-01",
        "ends_on": f"{TODAY.year}-12-31",
        "category": "model",
        "topic": "我的入党故事",
    }
    slot = post(client, f"{API}/rotas/{rota_id}/slots", turn)
    assert post(client, f"{API}/rotas/{rota_id}/slots", turn).json()["id"] == slot.json()["id"]
    assert slot.status_code == 201
    assert (slot.json()["speaker"], slot.json()["category"]) == ("张东街", "model")
    assert RotaSlot.objects.count() == 1
    slot_id = slot.json()["id"]

    changed = client.patch(
        f"{API}/rotas/{rota_id}/slots/{slot_id}",
        {"starts_on": f"{TODAY.year}-11-01", "topic": "身边的榜样"},
        content_type=JSON,
    )
    assert changed.status_code == 200
    assert (changed.json()["starts_on"], changed.json()["ends_on"], changed.json()["topic"]) == (
        f"{TODAY.year}-11-01",
        f"{TODAY.year}-12-31",
        "身边的榜样",
    )
    backwards = client.patch(
        f"{API}/rotas/{rota_id}/slots/{slot_id}",
        {"ends_on": f"{TODAY.year}-10-01"},
        content_type=JSON,
    )
    assert backwards.status_code == 400 and backwards.json()["field"] == "ends_on"
    outsider = post(
        client, f"{API}/rotas/{rota_id}/slots", {**turn, "speaker_id": county.member_b1.pk}
    )
    assert outsider.status_code == 400 and outsider.json()["field"] == "speaker_id"

    assert client.delete(f"{API}/rotas/{rota_id}/slots/{slot_id}").status_code == 204
    assert RotaSlot.objects.count() == 0


def test_rota_writes_scoped(client, county):
    rota = services.rota_create(
        actor=county.secretary_a1, org=county.branch_a1, year=TODAY.year, title="十分钟微课堂"
    )
    slot = services.rota_slot_add(
        actor=county.secretary_a1,
        rota=rota,
        speaker=county.member_a1,
        starts_on=datetime.date(TODAY.year, 12, 1),
        ends_on=datetime.date(TODAY.year, 12, 31),
    )
    turn = {
        "speaker_id": county.member_a1.pk,
        "starts_on": f"{TODAY.year}-06-01",
        "ends_on": f"{TODAY.year}-06-30",
    }
    # A member of the branch sees the rota but may not change it: 403, nothing changed.
    client.force_login(county.member_a1.user)
    create = post(client, f"{API}/rotas", {"org": "A1", "year": TODAY.year})
    assert create.status_code == 403
    assert (
        client.patch(f"{API}/rotas/{rota.pk}", {"title": "x"}, content_type=JSON).status_code == 403
    )
    assert post(client, f"{API}/rotas/{rota.pk}/slots", turn).status_code == 403
    assert (
        client.patch(
            f"{API}/rotas/{rota.pk}/slots/{slot.pk}", {"topic": "x"}, content_type=JSON
        ).status_code
        == 403
    )
    assert client.delete(f"{API}/rotas/{rota.pk}/slots/{slot.pk}").status_code == 403
    # Another town's secretary: the rota, its turns and the branch do not exist for them.
    client.force_login(county.secretary_b1)
    assert post(client, f"{API}/rotas", {"org": "A1", "year": TODAY.year}).status_code == 404
    assert (
        client.patch(f"{API}/rotas/{rota.pk}", {"title": "x"}, content_type=JSON).status_code == 404
    )
    assert post(client, f"{API}/rotas/{rota.pk}/slots", turn).status_code == 404
    assert client.delete(f"{API}/rotas/{rota.pk}/slots/{slot.pk}").status_code == 404
    assert SpeakerRota.objects.get().title == "十分钟微课堂"
    assert list(RotaSlot.objects.values_list("pk", "topic")) == [(slot.pk, "")]
    assert SpeakerRota.objects.count() == 1


# --- 联合主讲人 -------------------------------------------------------------------------------


def test_co_speakers_added_reordered_removed(client, county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="一加一")
    first = MemberFactory(org=county.branch_a1)
    second = MemberFactory(org=county.branch_a2)  # same town
    client.force_login(county.secretary_a1)
    url = f"{API}/{lesson.pk}/speakers"
    post(client, url, {"member_id": first.pk, "category": "model"})
    both = post(client, url, {"member_id": second.pk})
    again = post(client, url, {"member_id": second.pk})  # a double tap: still two
    assert both.status_code == 200 and again.json() == both.json()
    assert [s["member_id"] for s in both.json()["co_speakers"]] == [first.pk, second.pk]
    assert LessonSpeaker.objects.filter(lesson=lesson).count() == 2
    far = post(client, url, {"member_id": county.member_b1.pk})
    assert far.status_code == 400 and far.json()["field"] == "member_id"

    order = client.put(f"{url}/order", {"member_ids": [second.pk, first.pk]}, content_type=JSON)
    assert [s["member_id"] for s in order.json()["co_speakers"]] == [second.pk, first.pk]
    assert [s.member_id for s in speakers.lesson_co_speakers(lesson)] == [second.pk, first.pk]
    partial = client.put(f"{url}/order", {"member_ids": [second.pk]}, content_type=JSON)
    assert partial.status_code == 400 and partial.json()["field"] == "member_ids"

    category = client.put(f"{url}/category", {"category": "secretary"}, content_type=JSON)
    assert category.json()["category"] == "secretary"
    removed = client.delete(f"{url}/{second.pk}")
    assert [s["member_id"] for s in removed.json()["co_speakers"]] == [first.pk]
    assert client.delete(f"{url}/{second.pk}").status_code == 404


def test_co_speaker_writes_scoped(client, county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="一加一")
    partner = MemberFactory(org=county.branch_a1)
    speakers.lesson_speaker_add(actor=county.secretary_a1, lesson=lesson, member=partner)
    url = f"{API}/{lesson.pk}/speakers"
    # The author of a published lesson, a member of its branch: 403.
    client.force_login(county.member_a1.user)
    assert post(client, url, {"member_id": county.member_a1.pk}).status_code == 403
    assert client.delete(f"{url}/{partner.pk}").status_code == 403
    assert (
        client.put(f"{url}/order", {"member_ids": [partner.pk]}, content_type=JSON).status_code
        == 403
    )
    # Another town's secretary: 404.
    client.force_login(county.secretary_b1)
    assert post(client, url, {"member_id": partner.pk}).status_code == 404
    assert client.delete(f"{url}/{partner.pk}").status_code == 404
    assert list(LessonSpeaker.objects.values_list("member_id", flat=True)) == [partner.pk]


# --- 巡讲 ------------------------------------------------------------------------------------


def test_tour_created_twice_is_one_with_stops_and_opinions(client, county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="初心")
    client.force_login(county.town_a_admin)
    body = {
        "org": "TA",
        "title": "城关镇巡讲",
        "speaker_id": county.member_a1.pk,
        "lesson_id": lesson.pk,
    }
    first = post(client, f"{API}/tours", body)
    again = post(client, f"{API}/tours", body)
    assert first.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert Tour.objects.count() == 1
    tour_id = first.json()["id"]

    stop_body = {"held_on": TODAY.isoformat(), "venue": "东街社区党群服务中心", "host_org": "A1"}
    stop = post(client, f"{API}/tours/{tour_id}/stops", stop_body)
    assert post(client, f"{API}/tours/{tour_id}/stops", stop_body).json()["id"] == stop.json()["id"]
    assert (stop.status_code, stop.json()["host_org"]) == (201, "东街社区党支部")
    assert TourStop.objects.count() == 1
    stop_id = stop.json()["id"]
    far = post(client, f"{API}/tours/{tour_id}/stops", {**stop_body, "host_org": "B1"})
    assert far.status_code == 400 and far.json()["field"] == "host_org"
    held = post(client, f"{API}/tours/{tour_id}/stops/{stop_id}/held", {"audience_size": 40})
    assert (held.json()["held"], held.json()["audience_size"]) == (True, 40)

    # The audience, from the stop's QR code: once per person.
    key = TourStop.objects.get().feedback_key
    client.force_login(county.member_a2.user)
    url = f"{API}/tours/feedback/{key}"
    given = post(client, url, {"rating": 5, "opinion": "讲得生动"})
    twice = post(client, url, {"rating": 1, "opinion": "再来一次"})
    assert given.json() == {
        "created": True,
        "rating": 5,
        "opinion": "讲得生动",
        "status": "visible",
    }
    assert twice.json()["created"] is False and twice.json()["rating"] == 5
    assert post(client, f"{API}/tours/feedback/nokey", {"rating": 5}).status_code == 404
    assert TourFeedback.objects.count() == 1

    # The speaker reads the opinions; an audience member may not.
    opinions = f"{API}/tours/{tour_id}/stops/{stop_id}/opinions"
    client.force_login(county.member_a1.user)
    assert [o["opinion"] for o in client.get(opinions).json()] == ["讲得生动"]
    client.force_login(county.secretary_a1)  # host branch's officer: sees the tour
    assert client.get(opinions).status_code == 403


def test_tour_writes_scoped(client, county):
    tour = tours.tour_create(
        actor=county.town_a_admin, org=county.town_a, title="城关镇巡讲", speaker=county.member_a1
    )
    stop = tours.tour_stop_add(
        actor=county.town_a_admin,
        tour=tour,
        held_on=TODAY,
        venue="东街社区党群服务中心",
        host_org=county.branch_a1,
    )
    body = {"org": "TA", "title": "又一次巡讲", "speaker_id": county.member_a1.pk}
    stop_body = {"held_on": TODAY.isoformat(), "venue": "西街", "host_org": "A1"}
    # The host branch's secretary sees the tour but does not organise it: 403.
    client.force_login(county.secretary_a1)
    assert post(client, f"{API}/tours", body).status_code == 403
    assert post(client, f"{API}/tours/{tour.pk}/stops", stop_body).status_code == 403
    # A member of the town: 403 for a tour of the town; another town's secretary: 404.
    client.force_login(county.member_a2.user)
    assert post(client, f"{API}/tours", body).status_code == 403
    client.force_login(county.secretary_b1)
    assert post(client, f"{API}/tours", body).status_code == 404
    assert post(client, f"{API}/tours/{tour.pk}/stops", stop_body).status_code == 404
    held = post(client, f"{API}/tours/{tour.pk}/stops/{stop.pk}/held", {"audience_size": 9})
    assert held.status_code == 404
    assert client.get(f"{API}/tours/{tour.pk}/stops/{stop.pk}/opinions").status_code == 404
    assert Tour.objects.count() == 1 and TourStop.objects.count() == 1
    assert TourStop.objects.get().held_at is None


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/requests"),
        ("post", "/requests/1/take"),
        ("post", "/rotas"),
        ("post", "/rotas/1/slots"),
        ("post", "/1/speakers"),
        ("put", "/1/speakers/order"),
        ("post", "/tours"),
        ("post", "/tours/1/stops"),
        ("post", "/tours/feedback/abc"),
    ],
)
def test_anonymous_writes_get_401(client, county, method, url):
    response = getattr(client, method)(f"{API}{url}", {}, content_type=JSON)
    assert response.status_code == 401


@pytest.mark.parametrize("n", [1, 3])
def test_stop_opinions_query_count(client, county, django_assert_num_queries, n):
    tour = tours.tour_create(
        actor=county.town_a_admin, org=county.town_a, title="城关镇巡讲", speaker=county.member_a1
    )
    stop = tours.tour_stop_add(
        actor=county.town_a_admin, tour=tour, held_on=TODAY, venue="党校", host_org=county.branch_a1
    )
    for i in range(n):
        tours.tour_feedback_give(stop=stop, voter_key=f"voter{i:012d}", rating=4, opinion=f"好{i}")
    client.force_login(county.member_a1.user)  # the speaker
    # Measured: 6 at 1 and at 3 opinions, on SQLite and PostgreSQL (none per opinion).
    with django_assert_num_queries(6):
        rows = client.get(f"{API}/tours/{tour.pk}/stops/{stop.pk}/opinions").json()
    assert sorted(r["opinion"] for r in rows) == [f"好{i}" for i in range(n)]
