"""一日学习计划 with a micro lesson or an audio lesson as the day's item: chosen by the
organiser or rotating through a lesson series; checking in when the lessons app counts the
lesson watched to completion (its `lesson.completed` event, delivered at least once);
streaks and the week's summary over every kind; a lesson the member cannot see is never
offered."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import SeriesFactory, published_lesson
from xianfeng.audit import events
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Lesson, WatchProgress
from xianfeng.media.models import Video
from xianfeng.study.models import CheckIn, PlanDay, StudyPlan
from xianfeng.study.selectors import plans as sel
from xianfeng.study.services import articles, plans

pytestmark = pytest.mark.django_db


def watch(user, lesson, sections, capture):
    """The player's report, as if the previous one was long ago (so the real-time cap on
    what a report may add does not cut it); events delivered after the commit."""
    WatchProgress.objects.filter(user=user, lesson=lesson).update(
        last_report_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with capture(execute=True):
        return lesson_services.watch_report(user=user, lesson=lesson, sections=sections)


@pytest.fixture
def plan(county):
    return plans.plan_create(
        actor=county.secretary_a1,
        org=county.branch_a1,
        title="每天看一节微党课",
        minutes=10,
        starts_on=timezone.localdate() - datetime.timedelta(days=2),
    )


@pytest.fixture
def lesson(county):
    return published_lesson(
        org=county.branch_a1, author=county.secretary_a1, title="矿灯下的初心", duration=300.0
    )


def test_a_lesson_day_checks_in_once_when_watched_to_completion(
    county, plan, lesson, django_capture_on_commit_callbacks
):
    user = county.member_a1.user
    today = timezone.localdate()
    plans.plan_set_day(actor=county.secretary_a1, plan=plan, day=today, lesson=lesson)
    item = sel.item_for(plan, today, user)
    assert (item.kind, item.label, item.pk, item.url) == (
        "lesson",
        "微党课",
        lesson.pk,
        reverse("lessons:detail", args=[lesson.pk]),
    )
    with pytest.raises(Refused, match="请先看完今天的微党课《矿灯下的初心》再打卡"):
        plans.checkin_now(user=user, plan=plan)
    # Started and most of it watched: not yet complete by the lessons app's measure.
    watch(user, lesson, [(0, 10)], django_capture_on_commit_callbacks)
    watch(user, lesson, [(0, 200)], django_capture_on_commit_callbacks)
    assert not CheckIn.objects.exists()
    watch(user, lesson, [(200, 300)], django_capture_on_commit_callbacks)
    row = CheckIn.objects.get(plan=plan, user=user, day=today)
    assert (row.lesson_id, row.article_id, row.minutes) == (lesson.pk, None, 5)
    # The event delivered again (at least once): still one check-in; the button neither.
    completed = AuditLog.objects.get(action="lesson.completed")
    assert "study.plan_checkin_lesson" in {s.name for s in events.subscribers_for(completed.action)}
    assert events.replay(first_id=completed.pk, last_id=completed.pk) >= 1  # ours among them
    plans.checkin_now(user=user, plan=plan)
    assert CheckIn.objects.filter(plan=plan, user=user).count() == 1
    # Streak and week over the kinds: yesterday an article.
    article = articles.article_publish(
        actor=county.county_admin,
        article=articles.article_create(
            actor=county.county_admin,
            org=county.county,
            data=articles.ArticleData(
                column=articles.column_create(
                    actor=county.county_admin, org=county.county, name="要闻导读"
                ),
                title="学习党章",
                body="<p>党章</p>",
            ),
        ),
    )
    yesterday = today - datetime.timedelta(days=1)
    CheckIn.objects.create(plan=plan, user=user, day=yesterday, article=article, minutes=12)
    days = sel.checkin_days(user, plan, today - datetime.timedelta(days=30))
    assert sel.streak(days, today) == 2
    summary = sel.week_summary(user, plan, sel.week_of(today))
    expected = [(today, "微党课", "矿灯下的初心")]
    if sel.week_of(yesterday) == sel.week_of(today):
        expected.insert(0, (yesterday, "文章", "学习党章"))
    assert summary.items == expected
    assert summary.minutes == 5 + (12 if len(expected) == 2 else 0)


def test_an_audio_lesson_is_the_day_audio_and_hearing_it_checks_in(
    client, county, plan, lesson, django_capture_on_commit_callbacks
):
    Video.objects.filter(pk=lesson.video_id).update(is_audio_only=True, width=0, height=0)
    user = county.member_a1.user
    today = timezone.localdate()
    plans.plan_set_day(actor=county.secretary_a1, plan=plan, day=today, lesson=lesson)
    assert sel.item_for(plan, today, user).kind == "audio"
    client.force_login(user)
    html = client.get(reverse("study:plan", args=[plan.pk])).content.decode()
    assert "音频</span>" in html and "《矿灯下的初心》" in html
    assert "听完这段音频即自动打卡。" in html
    with pytest.raises(Refused, match="请先听完今天的音频《矿灯下的初心》再打卡"):
        plans.checkin_now(user=user, plan=plan)
    watch(user, lesson, [(0, 10)], django_capture_on_commit_callbacks)
    watch(user, lesson, [(0, 300)], django_capture_on_commit_callbacks)
    assert CheckIn.objects.get(plan=plan, user=user, day=today).lesson_id == lesson.pk
    html = client.get(reverse("study:plan", args=[plan.pk])).content.decode()
    assert "今天已打卡" in html and "音频《矿灯下的初心》" in html  # the week's list


def test_a_finished_lesson_checks_in_by_the_button_the_day_it_is_chosen(
    county, plan, lesson, django_capture_on_commit_callbacks
):
    """Watched last week, chosen for today: the event is long gone, the button does it."""
    user = county.member_a1.user
    watch(user, lesson, [(0, 10)], django_capture_on_commit_callbacks)
    watch(user, lesson, [(0, 300)], django_capture_on_commit_callbacks)
    assert not CheckIn.objects.exists()  # not today's item when it was watched
    today = timezone.localdate()
    plans.plan_set_day(actor=county.secretary_a1, plan=plan, day=today, lesson=lesson)
    row = plans.checkin_now(user=user, plan=plan)
    assert (row.day, row.lesson_id, row.minutes) == (today, lesson.pk, 5)


def test_a_lesson_series_rotates_over_the_lessons_reaching_the_plan_org_only(county):
    series = SeriesFactory(org=county.county, title="初心故事")
    made = {}
    for title, audience in (
        ("第一课", county.town_a),
        ("别的支部的课", county.branch_a2),  # not published to branch A1: never in turn
        ("第二课", county.branch_a1),
        ("河口镇的课", county.town_b),
    ):
        lesson = published_lesson(
            org=audience, author=county.county_admin, title=title, audience=audience
        )
        Lesson.objects.filter(pk=lesson.pk).update(series=series)
        made[title] = lesson
    start = timezone.localdate() - datetime.timedelta(days=3)
    plan = plans.plan_create(
        actor=county.secretary_a1,
        org=county.branch_a1,
        title="初心故事每日一课",
        lesson_series=series,
        starts_on=start,
    )
    user = county.member_a1.user
    got = [sel.item_for(plan, start + datetime.timedelta(days=n), user).title for n in range(4)]
    assert got == ["第一课", "第二课", "第一课", "第二课"]
    # Withdrawn for changes: out of the turn at once.
    lesson_services.lesson_withdraw(actor=county.county_admin, lesson=made["第二课"])
    assert sel.item_for(plan, start + datetime.timedelta(days=1), user).title == "第一课"
    # One series, articles or lessons: not both.
    article_series = articles.series_create(
        actor=county.county_admin, org=county.county, title="专题"
    )
    with pytest.raises(Refused, match="只能选择一个轮流学习的专题"):
        plans.plan_create(
            actor=county.secretary_a1,
            org=county.branch_a1,
            title="两个专题",
            series=article_series,
            lesson_series=series,
        )
    assert StudyPlan.objects.count() == 1


def test_a_lesson_the_member_cannot_see_is_never_offered(
    client, county, plan, django_capture_on_commit_callbacks
):
    user = county.member_a1.user
    today = timezone.localdate()
    elsewhere = published_lesson(
        org=county.branch_a2, author=county.secretary_a1, title="西街支部内部课"
    )
    # The organiser cannot put another branch's lesson before the plan …
    with pytest.raises(Refused, match="这节微党课未发布到本组织，党员看不到"):
        plans.plan_set_day(actor=county.secretary_a1, plan=plan, day=today, lesson=elsewhere)
    client.force_login(county.secretary_a1)
    url = reverse("study:plan_day", args=[plan.pk])
    client.post(url, {"day": today.isoformat(), "lesson": elsewhere.pk})
    assert not PlanDay.objects.exists()
    # … nor an article and a lesson at once.
    mine = published_lesson(org=county.branch_a1, author=county.secretary_a1, title="东街的课")
    html = client.get(reverse("study:plan", args=[plan.pk])).content.decode()
    assert "微党课 · 东街的课" in html and "西街支部内部课" not in html  # the choices
    client.post(url, {"day": today.isoformat(), "lesson": mine.pk})
    assert PlanDay.objects.get().lesson_id == mine.pk
    # Withdrawn after it was chosen: the members are offered nothing, not a dead link.
    lesson_services.lesson_withdraw(actor=county.secretary_a1, lesson=mine)
    assert sel.item_for(plan, today, user) is None
    client.force_login(user)
    html = client.get(reverse("study:plan", args=[plan.pk])).content.decode()
    assert "东街的课" not in html and "今天没有安排学习内容。" in html
    with pytest.raises(Refused, match="今天没有安排学习内容"):
        plans.checkin_now(user=user, plan=plan)
    # A lesson's completion that is not today's item checks nobody in.
    watch(county.member_a2.user, elsewhere, [(0, 10)], django_capture_on_commit_callbacks)
    watch(county.member_a2.user, elsewhere, [(0, 300)], django_capture_on_commit_callbacks)
    assert not CheckIn.objects.exists()


def test_the_plan_page_organiser_form_asks_for_one_item(client, county, plan, lesson):
    client.force_login(county.secretary_a1)
    today = timezone.localdate()
    url = reverse("study:plan_day", args=[plan.pk])
    html = client.post(url, {"day": today.isoformat()}, follow=True).content.decode()
    assert "请选择日期，以及一篇文章或一节微党课（二选一）" in html
    assert not PlanDay.objects.exists()
    client.post(url, {"day": today.isoformat(), "lesson": lesson.pk})
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:plan", args=[plan.pk])).content.decode()
    assert f'href="{reverse("lessons:detail", args=[lesson.pk])}"' in html
    assert "看完这节微党课即自动打卡。" in html
