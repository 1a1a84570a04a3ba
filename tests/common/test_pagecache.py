"""Pages kept per person (common/pagecache.py): a second look at the home or lesson page
costs almost nothing, and no write, by anyone, by any route, leaves a stale page behind."""

from __future__ import annotations

import datetime
import gzip
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import LessonFactory, published_lesson
from xianfeng.common import pagecache
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.views import INTENT_KEY
from xianfeng.people.models import Member
from xianfeng.people.services.history import member_move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def kept(settings, tmp_path, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 60
    # Each test its own versions: xdist's other worker runs these tests at the same time
    # and its writes would bump the shared var/pageversions under this test.
    monkeypatch.setattr(pagecache, "versions", pagecache._FileVersions(tmp_path / "versions"))
    pagecache._pages.clear()


@pytest.fixture
def lesson_a1(county):
    return published_lesson(
        org=county.branch_a1, author=county.member_a1.user, title="东街社区的矿灯故事", duration=300
    )


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_second_look_at_the_lesson_page_is_kept_and_costs_session_and_user_only(
    client, county, lesson_a1
):
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    first = client.get(url)  # sets the CSRF cookie; a page without it is not kept
    assert first.status_code == 200
    rendered = _queries(client, url)
    assert rendered > 4
    assert _queries(client, url) == 2  # the session (database cache in the tests), the user
    assert client.get(url).content == client.get(url).content


def test_home_is_kept_too(client, county):
    client.force_login(county.member_a1.user)
    client.get("/")
    client.get("/")
    assert _queries(client, "/") == 2


def test_a_page_without_the_csrf_cookie_is_not_kept(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    client.cookies.pop("csrftoken", None)
    client.get(url)
    client.cookies.pop("csrftoken", None)
    rendered = _queries(client, url)
    assert rendered > 4
    client.cookies.pop("csrftoken", None)
    assert _queries(client, url) == rendered


def test_someone_elses_comment_shows_on_the_next_look(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    _page(client, url)
    _page(client, url)
    services.comment_add(user=county.secretary_a1, lesson=lesson_a1, text="讲得很实在，受教育了")
    assert "讲得很实在，受教育了" in _page(client, url)


def test_a_queryset_update_with_no_service_shows_on_the_next_look(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    _page(client, url)
    _page(client, url)
    Lesson.objects.filter(pk=lesson_a1.pk).update(title="新标题：矿灯下的誓言")
    assert "新标题：矿灯下的誓言" in _page(client, url)


def test_a_move_out_of_the_branch_ends_the_kept_page_at_once(client, county):
    lesson = LessonFactory(org=county.branch_a1, published=True, title="东街支部专属课")
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson.pk])
    _page(client, url)
    _page(client, url)
    member = Member.objects.get(pk=county.member_a1.pk)
    member_move(member=member, org=county.branch_b1, on=datetime.date.today(), reason="调动")
    assert client.get(url).status_code == 404


def test_my_own_watch_report_shows_on_my_page_though_it_changes_no_one_elses(
    client, county, lesson_a1
):
    viewer = county.member_a1.user
    client.force_login(viewer)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    _page(client, url)
    assert "已看" not in _page(client, url)
    started = client.post(
        reverse("lessons:watch", args=[lesson_a1.pk]),
        json.dumps({"sections": [[0, 30]], "position": 30}),
        content_type="application/json",
    )
    assert started.status_code == 200
    assert "已看 10%" in _page(client, url)
    everyone = pagecache.versions.read(("all",))
    mine = pagecache.versions.read((f"u{viewer.pk}",))
    reported = client.post(
        reverse("lessons:watch", args=[lesson_a1.pk]),
        json.dumps({"sections": [[0, 60]], "position": 60}),
        content_type="application/json",
    )
    assert reported.status_code == 200
    # The progress row is not a change for anyone else's pages; it is for mine.
    assert pagecache.versions.read(("all",)) == everyone
    assert pagecache.versions.read((f"u{viewer.pk}",)) != mine
    assert "已看 20%" in _page(client, url)


def test_two_people_never_get_each_others_page(county, lesson_a1):
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    one, two = Client(), Client()
    one.force_login(county.member_a1.user)
    two.force_login(county.secretary_a1)
    services.reflection_save(
        user=county.member_a1.user, lesson=lesson_a1, text="下井前多看一眼，安全就多一分。" * 4
    )
    _page(one, url)
    mine = _page(one, url)
    theirs = _page(two, url)
    _page(two, url)
    assert county.member_a1.user.name in mine
    assert county.secretary_a1.name in theirs
    assert theirs != mine
    assert _page(one, url) == mine


def test_a_message_is_shown_once_and_not_kept(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    _page(client, url)
    _page(client, url)
    client.post(reverse("lessons:commentary", args=[lesson_a1.pk]), {"text": "我来点评"})
    shown = _page(client, url)
    assert 'class="messages"' in shown
    assert 'class="messages"' not in _page(client, url)


def test_an_intent_held_over_the_login_is_carried_out_not_skipped(client, county, lesson_a1):
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    _page(client, url)
    _page(client, url)
    session = client.session
    session[INTENT_KEY] = {"lesson": lesson_a1.pk, "action": "like", "value": 0, "until": 4e9}
    session.save()
    assert client.get(url).status_code == 302  # done, then back to the page
    assert lesson_a1.likes.filter(user=county.member_a1.user).exists()


def test_a_kept_page_lives_only_its_lifetime(client, county, lesson_a1, monkeypatch):
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    _page(client, url)
    rendered = _queries(client, url)
    assert _queries(client, url) == 2
    now = pagecache.time.monotonic()
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: now + 61)
    assert _queries(client, url) == rendered


def test_writes_to_the_tables_pages_do_not_show_leave_the_version_alone(county):
    assert not pagecache._changes_pages('UPDATE "lessons_watchprogress" SET "covered" = 1')
    assert not pagecache._changes_pages('INSERT INTO "django_session" ("session_key") VALUES (1)')
    assert not pagecache._changes_pages('SELECT 1 FROM "lessons_lesson"')
    assert not pagecache._changes_pages(
        'UPDATE "lessons_lesson" SET "view_count" = ("lessons_lesson"."view_count" + 1) '
        'WHERE "lessons_lesson"."id" = 1'
    )
    assert pagecache._changes_pages(
        'UPDATE "lessons_lesson" SET "view_count" = 0, "title" = %s WHERE "lessons_lesson"."id" = 1'
    )
    assert not pagecache._changes_pages(
        pagecache.QUIET + "WITH moved AS (UPDATE remote_site SET last_beat_at = %s) SELECT 1"
    )
    assert not pagecache._changes_pages(
        'UPDATE "remote_site" SET "last_beat_at" = %s WHERE ("remote_site"."id" = %s)'
    )
    assert pagecache._changes_pages('UPDATE "remote_site" SET "name" = %s WHERE "id" = %s')
    assert pagecache._changes_pages('INSERT INTO "lessons_comment" ("text") VALUES (%s)')
    assert pagecache._changes_pages("delete from lessons_like where id = 1")
    assert pagecache._changes_pages("WITH x AS (SELECT 1) UPDATE lessons_lesson SET title = 'a'")


def test_a_visitor_gets_the_public_lesson_kept_and_without_anyones_state(county):
    lesson = LessonFactory(org=county.branch_a1, public=True, title="公开的微党课")
    services.like_set(user=county.member_a1.user, lesson=lesson, liked=True)
    member, visitor = Client(), Client()
    member.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson.pk])
    _page(member, url)
    _page(member, url)
    _page(visitor, url)
    seen = _page(visitor, url)
    assert "公开的微党课" in seen
    assert county.member_a1.user.name not in seen


def test_a_kept_page_goes_out_compressed_once_to_a_browser_that_takes_gzip(
    client, county, lesson_a1
):
    client.force_login(county.member_a1.user)
    url = reverse("lessons:detail", args=[lesson_a1.pk])
    _page(client, url)
    plain = _page(client, url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.encode())
    assert gzip.decompress(packed.content).decode() == plain


def test_a_terminal_heartbeat_leaves_everyones_pages_alone(county):
    from xianfeng.remote.services import sites

    assert sites._fold_sql(0).startswith(pagecache.QUIET)
    assert sites._keyed_fold_sql(0).startswith(pagecache.QUIET)
    assert not pagecache._changes_pages(sites._fold_sql(2, site_too=True))
