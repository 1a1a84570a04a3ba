"""点课: ask, second once per person, take, give; who sees what; query counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.urls import reverse

from tests.factories import MemberFactory, published_lesson
from xianfeng.common.errors import Refused
from xianfeng.lessons.practice import services
from xianfeng.lessons.practice.enums import RequestState
from xianfeng.lessons.practice.models import LessonRequest, LessonRequestVote
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db


def ask(county, topic="讲讲新修订的纪律处分条例", org=None):
    return services.lesson_request_create(
        actor=county.member_a1.user,
        org=org or county.branch_a1,
        topic=topic,
        reason="村里几位老党员想弄明白哪些行为算违纪",
    )


def test_member_asks_their_branch_or_an_org_above(county):
    assert [o.code for o in services.request_orgs(county.member_a1.user)] == ["A1", "TA", "C"]
    town = ask(county, org=county.town_a)
    assert (town.org, town.state, town.vote_count) == (county.town_a, "open", 0)


def test_asking_another_branch_is_refused_and_nothing_is_written(county):
    with pytest.raises(PermissionDenied):
        ask(county, org=county.branch_b1)
    assert LessonRequest.objects.count() == 0


def test_blank_or_long_topic_is_refused_in_chinese(county):
    with pytest.raises(Refused) as blank:
        ask(county, topic=" \u200b ")
    assert blank.value.message == "请写下想听的课题"
    with pytest.raises(Refused) as long:
        ask(county, topic="课" * 61)
    assert long.value.message == "课题最多 60 个字"
    assert LessonRequest.objects.count() == 0


def test_the_same_ask_twice_is_one_request(county):
    assert ask(county).pk == ask(county).pk
    assert LessonRequest.objects.count() == 1


def test_seconds_count_once_per_person(county):
    request = ask(county)
    neighbour = MemberFactory(org=county.branch_a1).user
    assert services.lesson_request_second(actor=neighbour, request=request) is True
    assert services.lesson_request_second(actor=neighbour, request=request) is False
    assert services.lesson_request_second(actor=county.secretary_a1, request=request) is True
    request.refresh_from_db()
    assert request.vote_count == 2
    assert LessonRequestVote.objects.filter(request=request).count() == 2


def test_the_requester_cannot_second_their_own(county):
    request = ask(county)
    with pytest.raises(Refused):
        services.lesson_request_second(actor=county.member_a1.user, request=request)
    assert LessonRequest.objects.get(pk=request.pk).vote_count == 0


def test_another_branch_cannot_second_a_branch_request(county):
    request = ask(county)
    with pytest.raises(PermissionDenied):
        services.lesson_request_second(actor=county.member_b1.user, request=request)
    with pytest.raises(PermissionDenied):
        services.lesson_request_second(actor=county.member_a2.user, request=request)
    assert LessonRequest.objects.get(pk=request.pk).vote_count == 0


def test_a_town_request_is_seconded_across_the_town(county):
    request = ask(county, org=county.town_a)
    assert services.lesson_request_second(actor=county.member_a2.user, request=request)
    with pytest.raises(PermissionDenied):
        services.lesson_request_second(actor=county.member_b1.user, request=request)
    assert LessonRequest.objects.get(pk=request.pk).vote_count == 1


def test_the_vote_constraint_is_in_the_database(county):
    request = ask(county)
    LessonRequestVote.objects.create(request=request, user=county.secretary_a1)
    with pytest.raises(IntegrityError):
        LessonRequestVote.objects.create(request=request, user=county.secretary_a1)


def test_unsecond_gives_the_vote_back_once(county):
    request = ask(county)
    services.lesson_request_second(actor=county.secretary_a1, request=request)
    assert services.lesson_request_unsecond(actor=county.secretary_a1, request=request) is True
    assert services.lesson_request_unsecond(actor=county.secretary_a1, request=request) is False
    assert LessonRequest.objects.get(pk=request.pk).vote_count == 0


def test_take_and_give_tell_the_requester_and_the_seconders(county):
    request = ask(county)
    neighbour = MemberFactory(org=county.branch_a1).user
    services.lesson_request_second(actor=neighbour, request=request)
    services.lesson_request_take(actor=county.secretary_a1, request=request)
    request.refresh_from_db()
    assert (request.state, request.taken_by) == ("taken", county.secretary_a1)
    assert list(
        Notification.objects.filter(user=county.member_a1.user).values_list("title", flat=True)
    ) == ["您点的课「讲讲新修订的纪律处分条例」已由东街书记认领"]
    lesson = published_lesson(
        org=county.branch_a1, author=county.secretary_a1, title="纪律处分条例里的六项纪律"
    )
    services.lesson_request_give(actor=county.secretary_a1, request=request, lesson=lesson)
    request.refresh_from_db()
    assert (request.state, request.lesson_id) == ("given", lesson.pk)
    told = Notification.objects.filter(title__contains="开讲了").values_list("user_id", flat=True)
    assert sorted(told) == sorted([county.member_a1.user_id, neighbour.pk])


def test_giving_is_for_the_taker_or_an_officer(county):
    request = ask(county)
    services.lesson_request_take(actor=county.member_a1.user, request=request)
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    stranger = MemberFactory(org=county.branch_a1).user
    with pytest.raises(PermissionDenied):
        services.lesson_request_give(actor=stranger, request=request, lesson=lesson)
    request.refresh_from_db()
    assert (request.state, request.lesson_id) == ("taken", None)


def test_a_lesson_the_giver_cannot_see_is_refused(county):
    request = ask(county)
    services.lesson_request_take(actor=county.secretary_a1, request=request)
    other = published_lesson(org=county.branch_b1, author=county.member_b1.user)
    with pytest.raises(Refused):
        services.lesson_request_give(actor=county.secretary_a1, request=request, lesson=other)
    assert LessonRequest.objects.get(pk=request.pk).state == RequestState.TAKEN


def test_close_is_for_the_requester_or_an_officer(county):
    request = ask(county)
    with pytest.raises(PermissionDenied):
        services.lesson_request_close(actor=county.member_a2.user, request=request)
    assert LessonRequest.objects.get(pk=request.pk).state == "open"
    services.lesson_request_close(actor=county.secretary_a1, request=request)
    assert LessonRequest.objects.get(pk=request.pk).state == "closed"
    with pytest.raises(Refused):
        services.lesson_request_second(
            actor=county.secretary_a1, request=LessonRequest.objects.get(pk=request.pk)
        )


def test_release_opens_it_again(county):
    request = ask(county)
    services.lesson_request_take(
        actor=county.member_a2.user, request=ask(county, org=county.town_a)
    )
    services.lesson_request_take(actor=county.secretary_a1, request=request)
    services.lesson_request_release(actor=county.secretary_a1, request=request)
    request.refresh_from_db()
    assert (request.state, request.taken_by_id) == ("open", None)


# --- pages -------------------------------------------------------------------------------


def test_list_is_ordered_by_votes(client, county):
    few = ask(county, topic="少人附议的课题")
    many = ask(county, topic="多人附议的课题")
    for _ in range(2):
        services.lesson_request_second(actor=MemberFactory(org=county.branch_a1).user, request=many)
    services.lesson_request_second(actor=county.secretary_a1, request=few)
    client.force_login(county.secretary_a1)
    html = client.get(reverse("lessons:requests")).content.decode()
    assert html.index("多人附议的课题") < html.index("少人附议的课题")


def test_second_through_the_page_twice_counts_once(client, county):
    request = ask(county)
    client.force_login(county.secretary_a1)
    url = reverse("lessons:request_action", args=[request.pk, "second"])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert LessonRequest.objects.get(pk=request.pk).vote_count == 1


def test_member_asks_through_the_page(client, county):
    client.force_login(county.member_a1.user)
    response = client.post(
        reverse("lessons:requests"), {"topic": "  乡村振兴里的党员作用 ", "reason": "", "org": "TA"}
    )
    request = LessonRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/lessons/requests/{request.pk}/"
    assert (request.topic, request.org.code) == ("乡村振兴里的党员作用", "TA")


def test_page_refuses_another_branch_org(client, county):
    client.force_login(county.member_a1.user)
    response = client.post(reverse("lessons:requests"), {"topic": "课题", "org": "B1"})
    assert response.status_code == 200
    assert LessonRequest.objects.count() == 0


@pytest.mark.parametrize("who", ["member_b1", "secretary_b1", "member_a2"])
def test_a_branch_request_is_a_404_outside_the_branch(client, county, who):
    request = ask(county)
    user = getattr(county, who)
    client.force_login(getattr(user, "user", user))
    assert client.get(reverse("lessons:request", args=[request.pk])).status_code == 404
    url = reverse("lessons:request_action", args=[request.pk, "second"])
    assert client.post(url).status_code == 404
    assert "讲讲新修订" not in client.get(reverse("lessons:requests")).content.decode()
    assert LessonRequest.objects.get(pk=request.pk).vote_count == 0


def test_anonymous_is_sent_to_login(client, county):
    request = ask(county)
    response = client.get(reverse("lessons:request", args=[request.pk]))
    assert response.status_code == 302 and "/login" in response.url
    response = client.post(reverse("lessons:request_action", args=[request.pk, "second"]))
    assert response.status_code == 302
    assert LessonRequest.objects.get(pk=request.pk).vote_count == 0


def test_the_town_admin_sees_a_branch_request_below(client, county):
    request = ask(county)
    client.force_login(county.town_a_admin)
    assert client.get(reverse("lessons:request", args=[request.pk])).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_request_list_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        r = ask(county, topic=f"课题{i}")
        services.lesson_request_second(actor=county.secretary_a1, request=r)
    client.force_login(county.member_a2.user)
    # session, user, member (+org), request orgs, roles, the list, the unread badge
    with django_assert_num_queries(7):
        html = client.get(reverse("lessons:requests")).content.decode()
    assert html.count('class="request-item"') == 0  # member_a2 is in another branch
    client.force_login(county.secretary_a1)
    # an officer without a member record: no request orgs to offer
    with django_assert_num_queries(6):
        html = client.get(reverse("lessons:requests")).content.decode()
    assert html.count('class="request-item"') == n
