"""展播: drag/keyboard reorder through the page, continuous play, and numbered issues
(第 N 期) released on a schedule by a periodic job, once, with a notice to the audience."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import published_lesson
from xianfeng.common import periodic
from xianfeng.common.errors import Refused
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import ShowcaseItem
from xianfeng.lessons.practice import channels
from xianfeng.lessons.practice.tasks import release_showcase_issues
from xianfeng.lessons.selectors import showcase_lessons
from xianfeng.notify import kinds
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def county_lessons(county, n, prefix="一期课"):
    return [
        published_lesson(
            org=county.county,
            author=county.county_admin,
            title=f"{prefix}{i}",
            audience=county.county,
        )
        for i in range(n)
    ]


def channel(county, title="每周一课", numbered=True, audience=None):
    show = lesson_services.showcase_for_org(
        actor=county.county_admin, org=county.county, title=title
    )
    return channels.showcase_settings(
        actor=county.county_admin,
        showcase=show,
        title=title,
        numbered=numbered,
        audience=audience,
    )


def order_of(show):
    return list(
        ShowcaseItem.objects.filter(showcase=show)
        .order_by("position")
        .values_list("lesson__title", flat=True)
    )


def notices():
    return sorted(
        Notification.objects.filter(kind="lessons.showcase").values_list("user__name", "title")
    )


# --- reorder -----------------------------------------------------------------------------


def test_reorder_through_the_page_answers_json_with_the_saved_order(client, county):
    show = channel(county, numbered=False)
    a, b, c = county_lessons(county, 3)
    for lesson in (a, b, c):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    client.force_login(county.county_admin)
    response = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "reorder", "order": f"{c.pk},{a.pk}"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"order": [c.pk, a.pk, b.pk]}
    assert order_of(show) == ["一期课2", "一期课0", "一期课1"]
    _, lessons = showcase_lessons(county.member_b1.user, show.pk)
    assert [lesson.title for lesson in lessons] == ["一期课2", "一期课0", "一期课1"]


def test_reorder_ignores_lessons_not_in_the_channel(client, county):
    show = channel(county, numbered=False)
    a, b = county_lessons(county, 2)
    (other,) = county_lessons(county, 1, prefix="别的课")
    for lesson in (a, b):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    client.force_login(county.county_admin)
    client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "reorder", "order": f"{other.pk},{b.pk}"},
    )
    assert order_of(show) == ["一期课1", "一期课0"]
    assert ShowcaseItem.objects.filter(lesson=other).count() == 0


def test_a_malformed_order_is_a_400_and_keeps_the_order(client, county):
    show = channel(county, numbered=False)
    a, b = county_lessons(county, 2)
    for lesson in (a, b):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    client.force_login(county.county_admin)
    response = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "reorder", "order": f"{b.pk},x"},
    )
    assert response.status_code == 400
    assert order_of(show) == ["一期课0", "一期课1"]


@pytest.mark.parametrize("who", ["member_a1", "secretary_a1", "member_b1", "town_a_admin"])
def test_others_cannot_reorder(client, county, who):
    show = channel(county, numbered=False)
    a, b = county_lessons(county, 2)
    for lesson in (a, b):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    user = getattr(county, who)
    client.force_login(getattr(user, "user", user))
    response = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "reorder", "order": f"{b.pk},{a.pk}"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403
    assert order_of(show) == ["一期课0", "一期课1"]


def test_the_keyboard_move_answers_json_too(client, county):
    show = channel(county, numbered=False)
    a, b = county_lessons(county, 2)
    for lesson in (a, b):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    client.force_login(county.county_admin)
    response = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "down", "lesson": a.pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"order": [b.pk, a.pk]}


def test_the_manage_page_loads_the_reorder_module_and_no_inline_script(client, county):
    show = channel(county, numbered=False)
    for lesson in county_lessons(county, 2):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    client.force_login(county.county_admin)
    html = client.get(reverse("lessons:showcase_manage", args=[show.pk])).content.decode()
    assert 'src="/static/lessons/reorder.js"' in html
    assert "<script>" not in html and "onclick" not in html
    assert html.count('class="showcase-entry" data-id=') == 2


# --- continuous play -----------------------------------------------------------------------


def test_play_page_lists_the_released_lessons_in_order(client, county):
    show = channel(county, numbered=True)
    a, b, c = county_lessons(county, 3)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=a)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=b)
    channels.showcase_add(
        actor=county.county_admin, showcase=show, lesson=c, publish_at=timezone.now() + HOUR
    )
    channels.showcase_move(actor=county.county_admin, showcase=show, lesson_id=b.pk, up=True)
    client.force_login(county.member_b1.user)
    html = client.get(reverse("lessons:showcase_play", args=[show.pk])).content.decode()
    playback = [reverse("lessons:playback", args=[x.pk]) for x in (b, a)]
    assert html.index(playback[0]) < html.index(playback[1])
    assert reverse("lessons:playback", args=[c.pk]) not in html
    assert "第 2 期 一期课1" in html and "第 1 期 一期课0" in html
    assert 'src="/static/lessons/showcase_play.js"' in html and "<script>" not in html


def test_play_page_is_hidden_outside_the_audience(client, county):
    show = channel(county, audience=county.town_a)
    for lesson in county_lessons(county, 1):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    url = reverse("lessons:showcase_play", args=[show.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.url
    client.force_login(county.member_b1.user)
    response = client.get(url)
    assert response.status_code == 404 and "一期课0" not in response.content.decode()
    client.force_login(county.member_a1.user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_play_page_query_count(client, county, django_assert_num_queries, n):
    show = channel(county)
    for lesson in county_lessons(county, n):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(8):
        html = client.get(reverse("lessons:showcase_play", args=[show.pk])).content.decode()
    assert html.count("data-playback=") == n


@pytest.mark.parametrize("n", [1, 3])
def test_manage_page_query_count(client, county, django_assert_num_queries, n):
    show = channel(county)
    for lesson in county_lessons(county, n):
        channels.showcase_add(actor=county.county_admin, showcase=show, lesson=lesson)
    client.force_login(county.county_admin)
    with django_assert_num_queries(7):
        html = client.get(reverse("lessons:showcase_manage", args=[show.pk])).content.decode()
    assert html.count('class="showcase-entry"') == n


# --- numbered issues on a schedule -------------------------------------------------------------


def test_an_issue_added_now_is_numbered_and_announced(county):
    show = channel(county, audience=county.town_a)
    a, b = county_lessons(county, 2)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=a)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=b)
    assert list(
        ShowcaseItem.objects.filter(showcase=show).order_by("position").values_list("issue_no")
    ) == [(1,), (2,)]
    assert notices() == [
        ("张东街", "每周一课 第 1 期：《一期课0》上线了"),
        ("张东街", "每周一课 第 2 期：《一期课1》上线了"),
        ("李西街", "每周一课 第 1 期：《一期课0》上线了"),
        ("李西街", "每周一课 第 2 期：《一期课1》上线了"),
    ]


def test_a_scheduled_issue_is_hidden_until_the_job_releases_it_once(county):
    show = channel(county, audience=county.town_a)
    a, b = county_lessons(county, 2)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=a)
    at = timezone.now() + HOUR
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=b, publish_at=at)
    _, lessons = showcase_lessons(county.member_a1.user, show.pk)
    assert [(x.title, x.issue_no) for x in lessons] == [("一期课0", 1)]
    assert channels.showcase_release_due(now=at - datetime.timedelta(minutes=1)) == 0
    Notification.objects.all().delete()

    assert channels.showcase_release_due(now=at) == 1
    assert channels.showcase_release_due(now=at + HOUR) == 0
    _, lessons = showcase_lessons(county.member_a1.user, show.pk)
    assert [(x.title, x.issue_no) for x in lessons] == [("一期课0", 1), ("一期课1", 2)]
    assert notices() == [
        ("张东街", "每周一课 第 2 期：《一期课1》上线了"),
        ("李西街", "每周一课 第 2 期：《一期课1》上线了"),
    ]


def test_the_periodic_task_releases_through_the_registry(county):
    show = channel(county, audience=county.town_a)
    (a,) = county_lessons(county, 1)
    item = channels.showcase_add(
        actor=county.county_admin,
        showcase=show,
        lesson=a,
        publish_at=timezone.now() + datetime.timedelta(minutes=1),
    )
    ShowcaseItem.objects.filter(pk=item.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    (job,) = [j for j in periodic.jobs() if j.name == "lessons.showcase_release"]
    assert job.task is release_showcase_issues
    assert job.every == datetime.timedelta(minutes=10)
    assert release_showcase_issues.call() == 1
    assert release_showcase_issues.call() == 0
    assert ShowcaseItem.objects.get(pk=item.pk).issue_no == 1
    assert len(notices()) == 2
    assert kinds.get("lessons.showcase").label == "展播上新"


def test_issue_numbers_follow_the_release_order_not_the_add_order(county):
    show = channel(county, audience=county.town_a)
    a, b = county_lessons(county, 2)
    now = timezone.now()
    channels.showcase_add(
        actor=county.county_admin, showcase=show, lesson=a, publish_at=now + 2 * HOUR
    )
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=b, publish_at=now + HOUR)
    assert channels.showcase_release_due(now=now + 3 * HOUR) == 2
    assert dict(
        ShowcaseItem.objects.filter(showcase=show).values_list("lesson__title", "issue_no")
    ) == {"一期课0": 2, "一期课1": 1}


def test_release_now_by_the_curator_and_only_once(client, county):
    show = channel(county, audience=county.town_a)
    (a,) = county_lessons(county, 1)
    channels.showcase_add(
        actor=county.county_admin, showcase=show, lesson=a, publish_at=timezone.now() + HOUR
    )
    client.force_login(county.member_a1.user)
    url = reverse("lessons:showcase_manage", args=[show.pk])
    assert client.post(url, {"action": "release", "lesson": a.pk}).status_code == 403
    assert ShowcaseItem.objects.get(lesson=a).released_at is None
    client.force_login(county.county_admin)
    client.post(url, {"action": "release", "lesson": a.pk})
    client.post(url, {"action": "release", "lesson": a.pk})
    assert ShowcaseItem.objects.get(lesson=a).issue_no == 1
    assert channels.showcase_release_due(now=timezone.now() + 2 * HOUR) == 0
    assert len(notices()) == 2


def test_a_plain_channel_tells_nobody_of_an_add_but_tells_of_a_scheduled_release(county):
    show = channel(county, numbered=False, audience=county.town_a)
    a, b = county_lessons(county, 2)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=a)
    assert notices() == []
    at = timezone.now() + HOUR
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=b, publish_at=at)
    assert channels.showcase_release_due(now=at) == 1
    assert notices() == [
        ("张东街", "每周一课 《一期课1》上线了"),
        ("李西街", "每周一课 《一期课1》上线了"),
    ]
    assert ShowcaseItem.objects.get(lesson=b).issue_no is None


def test_a_release_outside_the_channel_period_tells_nobody(county):
    show = channel(county, audience=county.town_a)
    channels.showcase_settings(
        actor=county.county_admin,
        showcase=show,
        title=show.title,
        numbered=True,
        audience=county.town_a,
        starts_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    (a,) = county_lessons(county, 1)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=a)
    assert ShowcaseItem.objects.get(lesson=a).issue_no == 1
    assert notices() == []


@pytest.mark.parametrize(
    "delta, message",
    [
        (-HOUR, "定时发布时间应晚于现在；要立即发布请留空"),
        (datetime.timedelta(days=400), "定时发布时间不能超过一年"),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_is_added(county, delta, message):
    show = channel(county)
    (a,) = county_lessons(county, 1)
    with pytest.raises(Refused) as refused:
        channels.showcase_add(
            actor=county.county_admin, showcase=show, lesson=a, publish_at=timezone.now() + delta
        )
    assert refused.value.message == message
    assert not ShowcaseItem.objects.exists()


def test_a_bad_schedule_through_the_page_says_why(client, county):
    show = channel(county)
    (a,) = county_lessons(county, 1)
    client.force_login(county.county_admin)
    response = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "add", "lesson": a.pk, "publish_at": "明天"},
        follow=True,
    )
    assert "请填写正确的日期和时间" in response.content.decode()
    assert not ShowcaseItem.objects.exists()


def test_scheduling_through_the_page(client, county):
    show = channel(county)
    (a,) = county_lessons(county, 1)
    client.force_login(county.county_admin)
    at = timezone.localtime(timezone.now() + 2 * HOUR).replace(second=0, microsecond=0)
    client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "add", "lesson": a.pk, "publish_at": at.strftime("%Y-%m-%dT%H:%M")},
    )
    item = ShowcaseItem.objects.get(lesson=a)
    assert (item.publish_at, item.released_at, item.issue_no) == (at, None, None)
    html = client.get(reverse("lessons:showcase_manage", args=[show.pk])).content.decode()
    assert f"定时 {at:%m-%d %H:%M} 上线" in html
    # The channel's list counts released lessons only.
    client.force_login(county.member_a1.user)
    listing = client.get(reverse("lessons:showcases")).content.decode()
    assert "0 节课" in listing


# --- lessons put in by a contest's result are numbered like hand-added ones -----------------


def issues_of(show):
    return list(
        ShowcaseItem.objects.filter(showcase=show)
        .order_by("position")
        .values_list("lesson__title", "issue_no")
    )


def test_lessons_set_from_a_contest_result_are_numbered_like_hand_added_ones(county):
    show = channel(county, audience=county.town_a)
    a, b, c = county_lessons(county, 3)
    channels.showcase_add(actor=county.county_admin, showcase=show, lesson=a)
    lesson_services.showcase_set_items(actor=county.county_admin, showcase=show, lessons=[b, a, c])
    # 第 1 期 stays with the lesson it was released with; the newcomers take the next
    # numbers in the order given, and the list's order is the playing order.
    assert issues_of(show) == [("一期课1", 2), ("一期课0", 1), ("一期课2", 3)]
    assert all(ShowcaseItem.objects.filter(showcase=show).values_list("released_at", flat=True))
    # One notice for the lot, not one per lesson.
    assert notices() == [
        ("张东街", "每周一课 第 1 期：《一期课0》上线了"),
        ("张东街", "每周一课 第 2–3 期：《一期课1》、《一期课2》上线了"),
        ("李西街", "每周一课 第 1 期：《一期课0》上线了"),
        ("李西街", "每周一课 第 2–3 期：《一期课1》、《一期课2》上线了"),
    ]
    # The same result put again changes nothing and tells nobody again.
    lesson_services.showcase_set_items(actor=county.county_admin, showcase=show, lessons=[b, a, c])
    assert issues_of(show) == [("一期课1", 2), ("一期课0", 1), ("一期课2", 3)]
    assert len(notices()) == 4
    _, shown = showcase_lessons(county.member_a1.user, show.pk)
    assert [(x.title, x.issue_no) for x in shown] == issues_of(show)


def test_a_plain_channel_set_from_a_result_stays_unnumbered_and_quiet(county):
    show = channel(county, numbered=False, audience=county.town_a)
    a, b = county_lessons(county, 2)
    lesson_services.showcase_set_items(actor=county.county_admin, showcase=show, lessons=[b, a])
    assert issues_of(show) == [("一期课1", None), ("一期课0", None)]
    assert notices() == []
    # A lesson left out of a new result leaves the channel.
    lesson_services.showcase_set_items(actor=county.county_admin, showcase=show, lessons=[a])
    assert issues_of(show) == [("一期课0", None)]
