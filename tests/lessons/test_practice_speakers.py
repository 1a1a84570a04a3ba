"""Speakers of a lesson: categories, co-speakers (1+1) from the lesson's town, their
lectures counted in 每人至少讲过一次, the page's scoping and its query count."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.factories import MemberFactory, published_lesson, ready_video
from xianfeng.common.errors import Refused
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Lesson, LessonSpeaker
from xianfeng.lessons.practice import speakers
from xianfeng.lessons.practice.coverage import coverage_of, current_year
from xianfeng.lessons.practice.models import Lecture

pytestmark = pytest.mark.django_db


def draft_by(member, title="师徒同讲一堂课"):
    data = lesson_services.LessonData(title=title, speaker_name=member.user.name)
    return lesson_services.lesson_create(actor=member.user, org=member.org, data=data)


def published_by(member, capture, audience=None, title="师徒同讲一堂课"):
    with capture(execute=True):
        return published_lesson(
            org=member.org,
            author=member.user,
            title=title,
            speaker_name=member.user.name,
            audience=audience,
        )


def lectures_of(lesson):
    return sorted(
        Lecture.objects.filter(kind="lesson", source_id=lesson.pk).values_list(
            "member__user__name", flat=True
        )
    )


def test_a_co_speaker_of_a_draft_counts_once_the_lesson_is_published(
    county, django_capture_on_commit_callbacks
):
    lesson = draft_by(county.member_a1)
    speakers.lesson_speaker_add(
        actor=county.member_a1.user, lesson=lesson, member=county.member_a2, category="model"
    )
    assert Lecture.objects.count() == 0
    video = ready_video(county.member_a1.user, duration=300)
    Lesson.objects.filter(pk=lesson.pk).update(video=video)
    lesson.refresh_from_db()
    lesson_services.lesson_submit(actor=county.member_a1.user, lesson=lesson)
    lesson.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        lesson_services.lesson_publish(actor=county.secretary_a1, lesson=lesson)
    assert lectures_of(lesson) == ["张东街", "李西街"]
    row = coverage_of(county.town_a, current_year()).total
    assert (row.members, row.spoken, row.with_lesson) == (2, 2, 2)


def test_a_co_speaker_added_to_a_published_lesson_counts_at_once_and_goes_when_removed(
    county, django_capture_on_commit_callbacks
):
    lesson = published_by(county.member_a1, django_capture_on_commit_callbacks)
    assert lectures_of(lesson) == ["张东街"]
    speakers.lesson_speaker_add(actor=county.secretary_a1, lesson=lesson, member=county.member_a2)
    assert lectures_of(lesson) == ["张东街", "李西街"]
    assert speakers.lesson_speaker_remove(
        actor=county.secretary_a1, lesson=lesson, member_id=county.member_a2.pk
    )
    assert lectures_of(lesson) == ["张东街"]
    assert not LessonSpeaker.objects.exists()


def test_adding_twice_is_one_row_and_changes_the_category(county):
    lesson = draft_by(county.member_a1)
    for category in ("member", "veteran"):
        speakers.lesson_speaker_add(
            actor=county.member_a1.user, lesson=lesson, member=county.member_a2, category=category
        )
    assert list(LessonSpeaker.objects.values_list("member_id", "category")) == [
        (county.member_a2.pk, "veteran")
    ]


def test_a_member_of_another_town_is_refused(county):
    lesson = draft_by(county.member_a1)
    with pytest.raises(Refused) as refused:
        speakers.lesson_speaker_add(
            actor=county.member_a1.user, lesson=lesson, member=county.member_b1
        )
    assert refused.value.message == "联合主讲人应为城关镇党委的党员"
    assert not LessonSpeaker.objects.exists()


def test_the_main_speaker_cannot_also_be_a_co_speaker(county):
    lesson = draft_by(county.member_a1)
    with pytest.raises(Refused):
        speakers.lesson_speaker_add(
            actor=county.member_a1.user, lesson=lesson, member=county.member_a1
        )
    assert not LessonSpeaker.objects.exists()


def test_a_bad_category_is_refused_and_nothing_changes(county):
    lesson = draft_by(county.member_a1)
    with pytest.raises(Refused):
        speakers.lesson_speaker_category(actor=county.member_a1.user, lesson=lesson, category="x")
    with pytest.raises(Refused):
        speakers.lesson_speaker_add(
            actor=county.member_a1.user, lesson=lesson, member=county.member_a2, category="boss"
        )
    assert Lesson.objects.get(pk=lesson.pk).speaker_category == "member"
    assert not LessonSpeaker.objects.exists()


def test_at_most_four_co_speakers(county):
    lesson = draft_by(county.member_a1)
    for i in range(speakers.MAX_CO_SPEAKERS):
        member = MemberFactory(org=county.branch_a2, user__name=f"同讲{i}")
        speakers.lesson_speaker_add(actor=county.member_a1.user, lesson=lesson, member=member)
    with pytest.raises(Refused):
        speakers.lesson_speaker_add(
            actor=county.member_a1.user, lesson=lesson, member=county.member_a2
        )
    assert LessonSpeaker.objects.count() == speakers.MAX_CO_SPEAKERS


@pytest.mark.parametrize("who", ["member_a2", "secretary_b1", "town_a_admin_of_other"])
def test_others_cannot_set_speakers(county, who):
    lesson = draft_by(county.member_a1)
    actor = {
        "member_a2": county.member_a2.user,
        "secretary_b1": county.secretary_b1,
        "town_a_admin_of_other": county.propagandist_a1,
    }[who]
    if who == "town_a_admin_of_other":
        # An officer of the branch may; a member of the branch's neighbour may not.
        speakers.lesson_speaker_category(actor=actor, lesson=lesson, category="secretary")
        assert Lesson.objects.get(pk=lesson.pk).speaker_category == "secretary"
        return
    with pytest.raises(PermissionDenied):
        speakers.lesson_speaker_add(actor=actor, lesson=lesson, member=county.member_a2)
    with pytest.raises(PermissionDenied):
        speakers.lesson_speaker_category(actor=actor, lesson=lesson, category="secretary")
    assert not LessonSpeaker.objects.exists()
    assert Lesson.objects.get(pk=lesson.pk).speaker_category == "member"


def test_the_page_flow_adds_and_shows_on_the_lesson_page(client, county):
    lesson = draft_by(county.member_a1)
    client.force_login(county.member_a1.user)
    url = reverse("lessons:speakers", args=[lesson.pk])
    html = client.get(url, {"q": "李"}).content.decode()
    assert "李西街" in html and "王柳湾" not in html
    assert "王柳湾" not in client.get(url, {"q": "王"}).content.decode()
    client.post(url, {"action": "add", "member": county.member_a2.pk, "category": "member"})
    again = client.post(
        url, {"action": "add", "member": county.member_a2.pk, "category": "model"}, follow=True
    )
    assert "已添加联合主讲人李西街" in again.content.decode()
    client.post(url, {"action": "category", "category": "secretary"})
    assert LessonSpeaker.objects.filter(lesson=lesson).count() == 1
    page = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert "张东街（书记）" in page
    assert '<span class="co-speaker">李西街（先进典型）</span>' in page


def test_the_page_refuses_a_member_of_another_town_with_a_message(client, county):
    lesson = draft_by(county.member_a1)
    client.force_login(county.member_a1.user)
    url = reverse("lessons:speakers", args=[lesson.pk])
    response = client.post(url, {"action": "add", "member": county.member_b1.pk}, follow=True)
    assert "联合主讲人应为城关镇党委的党员" in response.content.decode()
    assert not LessonSpeaker.objects.exists()


def test_the_page_is_hidden_from_those_who_cannot_see_the_lesson(
    client, county, django_capture_on_commit_callbacks
):
    lesson = published_by(county.member_a1, django_capture_on_commit_callbacks)
    speakers.lesson_speaker_add(actor=county.secretary_a1, lesson=lesson, member=county.member_a2)
    url = reverse("lessons:speakers", args=[lesson.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.url
    for user in (county.member_b1.user, county.secretary_b1):
        client.force_login(user)
        assert client.get(url).status_code == 404
        response = client.post(url, {"action": "remove", "member": county.member_a2.pk})
        assert response.status_code == 404
    assert LessonSpeaker.objects.count() == 1


def test_a_reader_who_sees_the_lesson_still_cannot_set_its_speakers(
    client, county, django_capture_on_commit_callbacks
):
    lesson = published_by(county.member_a1, django_capture_on_commit_callbacks, county.county)
    url = reverse("lessons:speakers", args=[lesson.pk])
    client.force_login(county.member_b1.user)
    assert client.get(reverse("lessons:detail", args=[lesson.pk])).status_code == 200
    assert client.get(url).status_code == 403
    response = client.post(url, {"action": "add", "member": county.member_a2.pk})
    assert response.status_code == 403
    # The author, once published, no longer edits it; the branch's officers do.
    client.force_login(county.member_a1.user)
    assert client.get(url).status_code == 403
    assert not LessonSpeaker.objects.exists()


@pytest.mark.parametrize("n", [1, 3])
def test_speakers_page_query_count(client, county, django_assert_num_queries, n):
    lesson = draft_by(county.member_a1)
    for i in range(n):
        member = MemberFactory(org=county.branch_a2, user__name=f"同讲{i}")
        speakers.lesson_speaker_add(actor=county.member_a1.user, lesson=lesson, member=member)
    client.force_login(county.member_a1.user)
    # session, user, member, roles, lesson (+ tags), scope, co-speakers, candidates, badge
    with django_assert_num_queries(10):
        html = client.get(reverse("lessons:speakers", args=[lesson.pk]), {"q": "同讲"})
    assert html.content.decode().count('class="co-speaker"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_lesson_page_with_co_speakers_query_count(
    client, county, django_assert_num_queries, django_capture_on_commit_callbacks, n
):
    lesson = published_by(county.member_a1, django_capture_on_commit_callbacks)
    for i in range(n):
        member = MemberFactory(org=county.branch_a2, user__name=f"同讲{i}")
        speakers.lesson_speaker_add(actor=county.secretary_a1, lesson=lesson, member=member)
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(11):
        html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert html.count('class="co-speaker"') == n


# --- order of the co-speakers on the page (buttons; a plain form post, no script) ----------


def co_order(lesson):
    return [s.member.user.name for s in speakers.lesson_co_speakers(lesson)]


def three_co_speakers(lesson, actor):
    names = ["同讲甲", "同讲乙", "同讲丙"]
    members = [MemberFactory(org=lesson.org, user__name=n) for n in names]
    for member in members:
        speakers.lesson_speaker_add(actor=actor, lesson=lesson, member=member)
    return members


def test_moving_a_co_speaker_swaps_neighbours_and_stops_at_the_ends(county):
    lesson = draft_by(county.member_a1)
    a, b, c = three_co_speakers(lesson, county.member_a1.user)
    move = speakers.lesson_speaker_move
    assert move(actor=county.member_a1.user, lesson=lesson, member_id=c.pk, up=True) == [
        a.pk,
        c.pk,
        b.pk,
    ]
    assert co_order(lesson) == ["同讲甲", "同讲丙", "同讲乙"]
    move(actor=county.member_a1.user, lesson=lesson, member_id=a.pk, up=True)
    move(actor=county.member_a1.user, lesson=lesson, member_id=b.pk, up=False)
    assert co_order(lesson) == ["同讲甲", "同讲丙", "同讲乙"]
    move(actor=county.member_a1.user, lesson=lesson, member_id=a.pk, up=False)
    assert co_order(lesson) == ["同讲丙", "同讲甲", "同讲乙"]


def test_moving_someone_who_is_not_a_co_speaker_is_refused(county):
    lesson = draft_by(county.member_a1)
    three_co_speakers(lesson, county.member_a1.user)
    with pytest.raises(Refused, match="这位党员不是本课的联合主讲人"):
        speakers.lesson_speaker_move(
            actor=county.member_a1.user, lesson=lesson, member_id=county.member_a2.pk, up=True
        )
    assert co_order(lesson) == ["同讲甲", "同讲乙", "同讲丙"]


def test_the_page_moves_a_co_speaker_by_a_plain_form_post(client, county):
    lesson = draft_by(county.member_a1)
    a, _, c = three_co_speakers(lesson, county.member_a1.user)
    client.force_login(county.member_a1.user)
    url = reverse("lessons:speakers", args=[lesson.pk])
    html = client.get(url).content.decode()
    # Buttons in a form with a label naming the person; the ends cannot move further;
    # nothing needs a script (the CSP forbids inline ones, and none is loaded).
    assert 'aria-label="上移同讲丙"' in html and 'aria-label="下移同讲甲"' in html
    assert 'value="up" class="btn-secondary move-up" disabled aria-label="上移同讲甲"' in html
    assert 'value="down" class="btn-secondary move-down" disabled aria-label="下移同讲丙"' in html
    assert "<script>" not in html and "draggable" not in html
    response = client.post(url, {"action": "up", "member": c.pk})
    assert response.status_code == 302
    assert response.url == f"{url}#co-speaker-{c.pk}"
    assert co_order(lesson) == ["同讲甲", "同讲丙", "同讲乙"]
    page = client.post(url, {"action": "down", "member": a.pk}, follow=True).content.decode()
    assert "已调整联合主讲人的顺序" in page
    assert page.index(f'id="co-speaker-{c.pk}"') < page.index(f'id="co-speaker-{a.pk}"')
    assert co_order(lesson) == ["同讲丙", "同讲甲", "同讲乙"]
    # The lesson page names them in the new order.
    detail = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert detail.index("同讲丙") < detail.index("同讲甲") < detail.index("同讲乙")


def test_the_page_says_why_a_move_is_refused(client, county):
    lesson = draft_by(county.member_a1)
    three_co_speakers(lesson, county.member_a1.user)
    client.force_login(county.member_a1.user)
    url = reverse("lessons:speakers", args=[lesson.pk])
    page = client.post(url, {"action": "up", "member": county.member_a2.pk}, follow=True)
    assert "这位党员不是本课的联合主讲人" in page.content.decode()
    bad = client.post(url, {"action": "up", "member": "x"})
    assert bad.status_code == 400
    assert "党员应为 1 到" in bad.content.decode()
    assert co_order(lesson) == ["同讲甲", "同讲乙", "同讲丙"]


def test_others_cannot_move_co_speakers(client, county, django_capture_on_commit_callbacks):
    lesson = published_by(county.member_a1, django_capture_on_commit_callbacks)
    *_, c = three_co_speakers(lesson, county.secretary_a1)
    url = reverse("lessons:speakers", args=[lesson.pk])
    client.force_login(county.member_b1.user)  # another town: the lesson is not theirs to see
    assert client.post(url, {"action": "up", "member": c.pk}).status_code == 404
    client.force_login(county.member_a1.user)  # the author, after publishing
    assert client.post(url, {"action": "up", "member": c.pk}).status_code == 403
    with pytest.raises(PermissionDenied):
        speakers.lesson_speaker_move(
            actor=county.member_a1.user, lesson=lesson, member_id=c.pk, up=True
        )
    assert co_order(lesson) == ["同讲甲", "同讲乙", "同讲丙"]
