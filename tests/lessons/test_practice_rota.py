"""轮番主讲 and the record of lectures: fulfilled by a published lesson or an approved 党课,
missed turns visible, swaps by agreement, reminders once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import MeetingFactory, MemberFactory, published_lesson
from xianfeng.common.errors import Refused
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.practice import services
from xianfeng.lessons.practice.models import Lecture, RotaSlot
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
YEAR = TODAY.year


def rota_for(county):
    return services.rota_create(
        actor=county.secretary_a1, org=county.branch_a1, year=YEAR, title="十分钟微课堂"
    )


def slot(county, rota, member, starts, ends, **kw):
    return services.rota_slot_add(
        actor=county.secretary_a1, rota=rota, speaker=member, starts_on=starts, ends_on=ends, **kw
    )


def around_today(days_before=3, days_after=20):
    return TODAY - datetime.timedelta(days=days_before), TODAY + datetime.timedelta(days=days_after)


def lesson_by(county, member, title="我的入党故事", capture=None):
    """A lesson published by its speaker, with the events delivered after the commit."""
    with capture(execute=True):
        return published_lesson(
            org=member.org, author=member.user, title=title, speaker_name=member.user.name
        )


def test_a_rota_slot_is_fulfilled_by_a_published_lesson(county, django_capture_on_commit_callbacks):
    rota = rota_for(county)
    start, end = around_today()
    turn = slot(county, rota, county.member_a1, start, end)
    assert turn.status_on(TODAY) == "upcoming"
    lesson = lesson_by(county, county.member_a1, capture=django_capture_on_commit_callbacks)
    turn.refresh_from_db()
    assert turn.lecture is not None
    assert (turn.lecture.kind, turn.lecture.source_id, turn.lecture.given_on) == (
        "lesson",
        lesson.pk,
        TODAY,
    )
    assert turn.status_on(TODAY) == "done"


def test_a_withdrawn_lesson_opens_the_turn_again(county, django_capture_on_commit_callbacks):
    rota = rota_for(county)
    start, end = around_today()
    turn = slot(county, rota, county.member_a1, start, end)
    lesson = lesson_by(county, county.member_a1, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_services.lesson_withdraw(actor=lesson_services_publisher(), lesson=lesson)
    turn.refresh_from_db()
    assert (turn.lecture_id, Lecture.objects.count()) == (None, 0)


def lesson_services_publisher():
    from tests.factories import _publisher

    return _publisher()


def test_the_same_event_twice_records_one_lecture(county, django_capture_on_commit_callbacks):
    lesson = lesson_by(county, county.member_a1, capture=django_capture_on_commit_callbacks)
    again = services.lecture_from_lesson(lesson.pk)
    assert again is not None and Lecture.objects.filter(source_id=lesson.pk).count() == 1


def test_someone_elses_lesson_fulfils_nothing(county, django_capture_on_commit_callbacks):
    rota = rota_for(county)
    start, end = around_today()
    turn = slot(county, rota, county.member_a1, start, end)
    other = MemberFactory(org=county.branch_a1)
    lesson_by(county, other, capture=django_capture_on_commit_callbacks)
    turn.refresh_from_db()
    assert turn.lecture_id is None


def test_a_turn_past_its_end_without_a_lecture_is_missed_then_late(
    county, django_capture_on_commit_callbacks
):
    if TODAY.timetuple().tm_yday < 10:
        pytest.skip("needs ten days of this year behind today")
    rota = rota_for(county)
    past = slot(
        county,
        rota,
        county.member_a1,
        TODAY - datetime.timedelta(days=9),
        TODAY - datetime.timedelta(days=2),
    )
    assert past.status_on(TODAY) == "missed"
    lesson_by(county, county.member_a1, capture=django_capture_on_commit_callbacks)
    past.refresh_from_db()
    assert past.status_on(TODAY) == "late"


def test_a_lecture_before_the_turn_leaves_the_turn_to_come(
    county, django_capture_on_commit_callbacks
):
    if TODAY.month == 12 and TODAY.day > 20:
        pytest.skip("needs ten days of this year ahead of today")
    rota = rota_for(county)
    later = slot(
        county,
        rota,
        county.member_a1,
        TODAY + datetime.timedelta(days=3),
        TODAY + datetime.timedelta(days=9),
    )
    lesson_by(county, county.member_a1, capture=django_capture_on_commit_callbacks)
    later.refresh_from_db()
    assert (later.lecture_id, later.status_on(TODAY)) == (None, "upcoming")


def test_a_turn_added_after_the_lecture_is_fulfilled_at_once(
    county, django_capture_on_commit_callbacks
):
    lesson_by(county, county.member_a1, capture=django_capture_on_commit_callbacks)
    rota = rota_for(county)
    start, end = around_today()
    assert slot(county, rota, county.member_a1, start, end).status_on(TODAY) == "done"


def test_an_approved_lecture_meeting_records_its_speaker(
    county, django_capture_on_commit_callbacks
):
    from xianfeng.meetings import services as meeting_services

    speaker = county.member_a1.user
    meeting = MeetingFactory(
        org=county.branch_a1,
        kind="lecture",
        topic="学习新党章",
        speaker=speaker,
        speaker_name=speaker.name,
        submitted=True,
        starts_at=datetime.datetime(2026, 3, 10, 7, 0, tzinfo=datetime.UTC),
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.minutes_approve(
            actor=meeting.recorder_b, meeting=meeting, now=meeting.ends_at
        )
    lecture = Lecture.objects.get()
    assert (lecture.kind, lecture.source_id, lecture.member, lecture.title, lecture.given_on) == (
        "meeting",
        meeting.pk,
        county.member_a1,
        "学习新党章",
        D(2026, 3, 10),
    )


def test_the_speaker_must_be_of_the_branch_and_dates_in_the_year(county):
    rota = rota_for(county)
    with pytest.raises(Refused) as other:
        slot(county, rota, county.member_b1, D(YEAR, 5, 1), D(YEAR, 5, 31))
    assert other.value.message == "主讲人应为本支部党员"
    with pytest.raises(Refused) as year:
        slot(county, rota, county.member_a1, D(YEAR - 1, 12, 1), D(YEAR, 1, 31))
    assert year.value.message == f"日期应在 {YEAR} 年内"
    with pytest.raises(Refused):
        slot(county, rota, county.member_a1, D(YEAR, 5, 31), D(YEAR, 5, 1))
    assert RotaSlot.objects.count() == 0


def test_another_branch_secretary_cannot_edit_the_rota(county):
    rota = rota_for(county)
    with pytest.raises(PermissionDenied):
        services.rota_slot_add(
            actor=county.secretary_b1,
            rota=rota,
            speaker=county.member_a1,
            starts_on=D(YEAR, 5, 1),
            ends_on=D(YEAR, 5, 31),
        )
    with pytest.raises(PermissionDenied):
        services.rota_create(actor=county.secretary_b1, org=county.branch_a1, year=YEAR, title="x")
    assert RotaSlot.objects.count() == 0


def test_a_swap_needs_the_other_speakers_agreement(county):
    rota = rota_for(county)
    other_member = MemberFactory(org=county.branch_a1, user__name="赵第二")
    start, end = around_today(days_before=0, days_after=5)
    a = slot(county, rota, county.member_a1, start, end)
    b = slot(
        county,
        rota,
        other_member,
        end + datetime.timedelta(days=1),
        end + datetime.timedelta(days=10),
    )
    services.rota_swap_propose(actor=county.member_a1.user, slot=a, other=b)
    a.refresh_from_db()
    assert a.swap_with_id == b.pk
    assert Notification.objects.filter(user=other_member.user, kind="lessons.rota").count() == 1
    # The proposer cannot agree on the other's behalf.
    with pytest.raises(PermissionDenied):
        services.rota_swap_accept(actor=county.member_a1.user, slot=a)
    assert RotaSlot.objects.get(pk=a.pk).speaker_id == county.member_a1.pk
    services.rota_swap_accept(actor=other_member.user, slot=a)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.speaker_id, b.speaker_id, a.swap_with_id) == (
        other_member.pk,
        county.member_a1.pk,
        None,
    )


def test_reminders_go_once_per_turn(county):
    rota = rota_for(county)
    start, end = around_today(days_before=0, days_after=5)
    slot(county, rota, county.member_a1, start, end, topic="我身边的好党员")
    assert services.rota_remind_due(today=TODAY) == 1
    assert services.rota_remind_due(today=TODAY) == 0
    titles = list(
        Notification.objects.filter(user=county.member_a1.user).values_list("title", flat=True)
    )
    assert titles == [f"轮到您主讲了：{start:%m月%d日}至{end:%m月%d日}「我身边的好党员」"]


def test_a_turn_far_ahead_is_not_reminded_yet(county):
    rota = rota_for(county)
    start = TODAY + datetime.timedelta(days=8)
    if start.year != YEAR:
        pytest.skip("end of the year")
    slot(county, rota, county.member_a1, start, start)
    assert services.rota_remind_due(today=TODAY) == 0


# --- pages -------------------------------------------------------------------------------


def test_rota_page_shows_missed_and_done(client, county, django_capture_on_commit_callbacks):
    rota = rota_for(county)
    start, end = around_today()
    slot(county, rota, county.member_a1, start, end)
    lesson_by(county, county.member_a1, capture=django_capture_on_commit_callbacks)
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:rota", args=[rota.pk])).content.decode()
    assert 'class="slot slot-done"' in html and "《我的入党故事》" in html


@pytest.mark.parametrize("who", ["member_b1", "secretary_b1", "member_a2"])
def test_a_rota_is_a_404_outside_the_branch(client, county, who):
    rota = rota_for(county)
    turn = slot(county, rota, county.member_a1, D(YEAR, 12, 1), D(YEAR, 12, 31))
    user = getattr(county, who)
    client.force_login(getattr(user, "user", user))
    assert client.get(reverse("lessons:rota", args=[rota.pk])).status_code == 404
    url = reverse("lessons:slot_action", args=[turn.pk, "remove"])
    assert client.post(url).status_code == 404
    assert RotaSlot.objects.filter(pk=turn.pk).exists()
    assert "十分钟微课堂" not in client.get(reverse("lessons:rotas")).content.decode()


def test_anonymous_cannot_see_a_rota(client, county):
    rota = rota_for(county)
    response = client.get(reverse("lessons:rota", args=[rota.pk]))
    assert response.status_code == 302 and "/login" in response.url


def test_a_member_sees_but_cannot_edit(client, county):
    rota = rota_for(county)
    client.force_login(county.member_a1.user)
    assert client.get(reverse("lessons:rota", args=[rota.pk])).status_code == 200
    response = client.post(
        reverse("lessons:rota", args=[rota.pk]),
        {
            "speaker": county.member_a1.pk,
            "category": "member",
            "starts_on": f"{YEAR}-12-01",
            "ends_on": f"{YEAR}-12-31",
        },
    )
    assert response.status_code == 403 and RotaSlot.objects.count() == 0


def test_secretary_adds_a_slot_through_the_page(client, county):
    rota = rota_for(county)
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("lessons:rota", args=[rota.pk]),
        {
            "speaker": county.member_a1.pk,
            "category": "secretary",
            "starts_on": f"{YEAR}-12-01",
            "ends_on": f"{YEAR}-12-31",
            "topic": "年终党课",
        },
    )
    assert response.status_code == 302
    turn = RotaSlot.objects.get()
    assert (turn.category, turn.topic, turn.ends_on) == ("secretary", "年终党课", D(YEAR, 12, 31))


@pytest.mark.parametrize("n", [1, 3])
def test_rota_page_query_count(client, county, django_assert_num_queries, n):
    rota = rota_for(county)
    for i in range(n):
        m = MemberFactory(org=county.branch_a1)
        slot(county, rota, m, D(YEAR, 12, 1 + i), D(YEAR, 12, 20))
    client.force_login(county.secretary_a1)
    # session, user, member, roles, rota, slots, 书记 without a turn, the form's speakers,
    # unread badge
    with django_assert_num_queries(9):
        html = client.get(reverse("lessons:rota", args=[rota.pk])).content.decode()
    assert html.count('class="slot slot-') == n


@pytest.mark.parametrize("n", [1, 3])
def test_rotas_page_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        services.rota_create(
            actor=county.secretary_a1, org=county.branch_a1, year=YEAR, title=f"安排{i}"
        )
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(7):
        html = client.get(reverse("lessons:rotas")).content.decode()
    assert html.count("年 安排") == n


def test_the_organiser_is_warned_until_the_secretary_has_a_turn_this_year(client, county):
    secretary = MemberFactory(org=county.branch_a1, user=county.secretary_a1)
    rota = rota_for(county)
    slot(county, rota, county.member_a1, D(YEAR, 3, 1), D(YEAR, 3, 31))
    # Last year's turn is not this year's; another branch's 书记 is not this branch's.
    last_year = services.rota_create(
        actor=county.secretary_a1, org=county.branch_a1, year=YEAR - 1, title="去年的安排"
    )
    slot(county, last_year, secretary, D(YEAR - 1, 6, 1), D(YEAR - 1, 6, 30))
    warning = "rota-secretary-warning"
    client.force_login(county.secretary_a1)
    html = client.get(reverse("lessons:rota", args=[rota.pk])).content.decode()
    assert warning in html
    assert f"{YEAR}年的轮番主讲还没有给书记安排轮次：东街书记</p>" in html
    assert "柳湾书记" not in html
    # A member reading the rota is not the one to arrange it: no warning for them.
    client.force_login(county.member_a1.user)
    assert warning not in client.get(reverse("lessons:rota", args=[rota.pk])).content.decode()
    # A turn in another of this year's rotas of the branch counts too.
    other = services.rota_create(
        actor=county.secretary_a1, org=county.branch_a1, year=YEAR, title="七一党课"
    )
    slot(county, other, secretary, D(YEAR, 7, 1), D(YEAR, 7, 1), category="secretary")
    client.force_login(county.secretary_a1)
    assert warning not in client.get(reverse("lessons:rota", args=[rota.pk])).content.decode()
