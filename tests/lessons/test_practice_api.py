"""The practice in the API: 点课, rotas, 展播 channels, tours and a lesson's speakers,
scoped like their pages (another town's member and anyone not signed in see nothing),
with query counts on the lists."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import published_lesson
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import LessonRequestVote, ShowcaseItem
from xianfeng.lessons.practice import channels, services, speakers, tours

pytestmark = pytest.mark.django_db
API = "/api/v1/lessons"
TODAY = timezone.localdate()


def ask(county, topic="讲讲纪律处分条例"):
    return services.lesson_request_create(
        actor=county.member_a1.user, org=county.branch_a1, topic=topic, reason="想弄明白"
    )


def rota_of(county):
    rota = services.rota_create(
        actor=county.secretary_a1, org=county.branch_a1, year=TODAY.year, title="十分钟微课堂"
    )
    services.rota_slot_add(
        actor=county.secretary_a1,
        rota=rota,
        speaker=county.member_a1,
        starts_on=TODAY,
        ends_on=TODAY,
        category="model",
        topic="我的入党故事",
    )
    return rota


def tour_of(county):
    tour = tours.tour_create(
        actor=county.town_a_admin, org=county.town_a, title="城关镇巡讲", speaker=county.member_a1
    )
    tours.tour_stop_add(
        actor=county.town_a_admin,
        tour=tour,
        held_on=TODAY,
        venue="东街社区党群服务中心",
        host_org=county.branch_a1,
    )
    return tour


def test_requests_list_and_second_once(client, county):
    request = ask(county)
    client.force_login(county.member_a1.user)
    rows = client.get(f"{API}/requests").json()
    assert [(r["topic"], r["vote_count"], r["seconded"]) for r in rows] == [
        ("讲讲纪律处分条例", 0, False)
    ]
    # member_a1 asked it: seconding one's own is refused with a Chinese message.
    response = client.post(f"{API}/requests/{request.pk}/second")
    assert response.status_code == 400 and response.json()["detail"] == "不能为自己的点课附议"
    client.force_login(county.secretary_a1)
    assert client.post(f"{API}/requests/{request.pk}/second").json() == {
        "counted": True,
        "vote_count": 1,
    }
    assert client.post(f"{API}/requests/{request.pk}/second").json() == {
        "counted": False,
        "vote_count": 1,
    }
    assert client.get(f"{API}/requests/{request.pk}").json()["seconded"] is True
    assert LessonRequestVote.objects.count() == 1


def test_another_towns_member_sees_no_request_rota_tour_or_channel(client, county):
    request = ask(county)
    rota = rota_of(county)
    tour = tour_of(county)
    show = lesson_services.showcase_for_org(
        actor=county.town_a_admin, org=county.town_a, title="城关镇展播"
    )
    client.force_login(county.member_b1.user)
    assert client.get(f"{API}/requests").json() == []
    assert client.get(f"{API}/rotas").json() == []
    assert client.get(f"{API}/tours").json() == []
    assert client.get(f"{API}/showcases").json() == []
    for url in (
        f"{API}/requests/{request.pk}",
        f"{API}/rotas/{rota.pk}",
        f"{API}/tours/{tour.pk}",
        f"{API}/showcases/{show.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "城关" not in response.content.decode() and "东街" not in response.content.decode()
    assert client.post(f"{API}/requests/{request.pk}/second").status_code == 404
    response = client.put(
        f"{API}/showcases/{show.pk}/order", {"lesson_ids": []}, content_type="application/json"
    )
    assert response.status_code == 404
    assert LessonRequestVote.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    ["/requests", "/rotas", "/tours", "/showcases", "/requests/1", "/rotas/1", "/tours/1"],
)
def test_anonymous_gets_401(client, county, url):
    ask(county)
    rota_of(county)
    tour_of(county)
    assert client.get(f"{API}{url}").status_code == 401


def test_rota_and_tour_detail_for_the_branch(client, county):
    rota = rota_of(county)
    tour = tour_of(county)
    client.force_login(county.member_a1.user)
    body = client.get(f"{API}/rotas/{rota.pk}").json()
    assert body["title"] == "十分钟微课堂"
    assert [(s["speaker"], s["category"], s["status"]) for s in body["slots"]] == [
        ("张东街", "model", "upcoming")
    ]
    # The speaker sees their own tour.
    body = client.get(f"{API}/tours/{tour.pk}").json()
    assert (body["speaker"], [s["venue"] for s in body["stops"]]) == (
        "张东街",
        ["东街社区党群服务中心"],
    )


def test_channel_order_through_the_api(client, county):
    show = lesson_services.showcase_for_org(
        actor=county.county_admin, org=county.county, title="七一展播"
    )
    a, b = (
        published_lesson(
            org=county.county, author=county.county_admin, title=f"课{i}", audience=county.county
        )
        for i in range(2)
    )
    for lesson in (a, b):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    url = f"{API}/showcases/{show.pk}/order"
    client.force_login(county.member_a1.user)
    assert client.get(f"{API}/showcases").json()[0]["lesson_count"] == 2
    response = client.put(url, {"lesson_ids": [b.pk]}, content_type="application/json")
    assert response.status_code == 403
    client.force_login(county.county_admin)
    response = client.put(url, {"lesson_ids": [b.pk]}, content_type="application/json")
    assert response.json() == {"lesson_ids": [b.pk, a.pk]}
    assert list(
        ShowcaseItem.objects.filter(showcase=show)
        .order_by("position")
        .values_list("lesson_id", flat=True)
    ) == [b.pk, a.pk]


def test_speakers_through_the_api(client, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lesson = published_lesson(
            org=county.branch_a1, author=county.member_a1.user, speaker_name="张东街"
        )
    speakers.lesson_speaker_add(
        actor=county.secretary_a1, lesson=lesson, member=county.member_a2, category="veteran"
    )
    client.force_login(county.member_a1.user)
    assert client.get(f"{API}/{lesson.pk}/speakers").json() == {
        "speaker": "张东街",
        "category": "member",
        "co_speakers": [
            {
                "member_id": county.member_a2.pk,
                "name": "李西街",
                "org": "西街社区党支部",
                "category": "veteran",
            }
        ],
    }
    client.force_login(county.member_b1.user)
    assert client.get(f"{API}/{lesson.pk}/speakers").status_code == 404


# session, user, member, roles (the person's reach), the list (no query per row).
LIST_QUERIES = {"/requests": 5, "/rotas": 5, "/tours": 4, "/showcases": 5}


@pytest.mark.parametrize("path", sorted(LIST_QUERIES))
@pytest.mark.parametrize("n", [1, 3])
def test_list_query_counts(client, county, django_assert_num_queries, n, path):
    for i in range(n):
        ask(county, topic=f"课题{i}")
        services.rota_create(
            actor=county.secretary_a1, org=county.branch_a1, year=TODAY.year, title=f"安排{i}"
        )
        tours.tour_create(
            actor=county.town_a_admin, org=county.town_a, title=f"巡讲{i}", speaker=county.member_a1
        )
        lesson_services.showcase_for_org(
            actor=county.county_admin, org=county.county, title=f"展播{i}"
        )
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(LIST_QUERIES[path]):
        assert len(client.get(f"{API}{path}").json()) == n, path


def test_rota_slot_dates_are_dates(client, county):
    rota = rota_of(county)
    client.force_login(county.secretary_a1)
    slot = client.get(f"{API}/rotas/{rota.pk}").json()["slots"][0]
    assert datetime.date.fromisoformat(slot["starts_on"]) == TODAY
