"""一日学习计划: the day's item (chosen or rotating), checking in by finishing it, streaks,
the weekly summary and 小结, reminders at the member's chosen time, scoping and queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.common.errors import Refused
from xianfeng.notify.models import Notification
from xianfeng.study.models import ArticleRead, CheckIn, PlanReminder, WeeklyNote
from xianfeng.study.selectors import plans as sel
from xianfeng.study.services import articles, plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(county):
    admin = county.county_admin
    column = articles.column_create(actor=admin, org=county.county, name="学习园地")
    series = articles.series_create(actor=admin, org=county.county, title="二十大专题")
    items = []
    for i in range(3):
        a = articles.article_create(
            actor=admin,
            org=county.county,
            data=articles.ArticleData(
                column=column, series=series, title=f"第{i + 1}篇", body=f"<p>内容{i}</p>"
            ),
        )
        items.append(articles.article_publish(actor=admin, article=a))
    start = timezone.localdate() - datetime.timedelta(days=4)
    plan = plans.plan_create(
        actor=county.secretary_a1,
        org=county.group_a1,  # a party group's plan
        title="每天学习 15 分钟",
        series=series,
        starts_on=start,
        remind_at=datetime.time(20, 0),
    )
    return county, plan, items, start


def test_the_day_item_rotates_through_the_series_unless_chosen(setup):
    county, plan, items, start = setup
    day = lambda n: start + datetime.timedelta(days=n)  # noqa: E731
    got = [sel.item_for(plan, day(n)).title for n in range(5)]
    assert got == ["第1篇", "第2篇", "第3篇", "第1篇", "第2篇"]
    assert sel.item_for(plan, day(-1)) is None
    plans.plan_set_day(actor=county.secretary_a1, plan=plan, day=day(4), article=items[2])
    assert sel.item_for(plan, day(4)).title == "第3篇"


def test_finishing_today_item_checks_in_once_and_keeps_the_streak(
    setup, django_capture_on_commit_callbacks
):
    county, plan, _items, _start = setup
    user = county.member_a1.user
    today = timezone.localdate()
    item = sel.item_for(plan, today).article
    for back in (1, 2):  # the two days before
        CheckIn.objects.create(plan=plan, user=user, day=today - datetime.timedelta(days=back))
    CheckIn.objects.create(plan=plan, user=user, day=today - datetime.timedelta(days=4))
    with pytest.raises(Refused, match=f"请先读完今天的文章《{item.title}》再打卡"):
        plans.checkin_now(user=user, plan=plan)
    with django_capture_on_commit_callbacks(execute=True):
        articles.article_read_report(user=user, article=item, seconds=0, scrolled=1)
        ArticleRead.objects.filter(user=user).update(
            last_report_at=timezone.now() - datetime.timedelta(minutes=5)
        )
        articles.article_read_report(user=user, article=item, seconds=300, scrolled=1)
    row = CheckIn.objects.get(plan=plan, user=user, day=today)
    assert (row.article_id, row.minutes) == (item.pk, 0)  # 15 s is 0 whole minutes
    days = sel.checkin_days(user, plan, today - datetime.timedelta(days=30))
    assert sel.streak(days, today) == 3
    # The button does nothing more, and a member outside the plan is refused.
    plans.checkin_now(user=user, plan=plan)
    assert CheckIn.objects.filter(plan=plan, user=user, day=today).count() == 1
    with pytest.raises(Exception, match="这个学习计划不面向您"):
        plans.checkin_now(user=county.member_a2.user, plan=plan)


def test_streak_counts_up_to_yesterday_while_today_is_open():
    today = datetime.date(2026, 5, 10)
    days = {datetime.date(2026, 5, d) for d in (5, 7, 8, 9)}
    assert sel.streak(days, today) == 3
    assert sel.streak(days | {today}, today) == 4
    assert sel.streak({datetime.date(2026, 5, 8)}, today) == 0


def test_week_summary_and_notes_shared_with_the_plan(client, setup):
    county, plan, items, _start = setup
    user = county.member_a1.user
    week = sel.week_of(timezone.localdate())
    CheckIn.objects.create(plan=plan, user=user, day=week, article=items[0], minutes=12)
    CheckIn.objects.create(
        plan=plan, user=user, day=week - datetime.timedelta(days=1), article=items[1], minutes=20
    )
    summary = sel.week_summary(user, plan, week)
    assert (summary.days, summary.minutes, summary.items) == (1, 12, [(week, "文章", "第1篇")])
    client.force_login(user)
    url = reverse("study:plan_note", args=[plan.pk])
    html = client.post(url, {"text": "太短"}, follow=True).content.decode()
    assert "小结至少 20 个字，现在 2 个字" in html
    text = "本周读了二十大报告的有关内容，对全面从严治党有了更深的体会，要落实到工作中。"
    client.post(url, {"text": text})
    assert WeeklyNote.objects.get().text == text
    html = client.get(reverse("study:plan", args=[plan.pk])).content.decode()
    assert "本周学习 1 天，共 12 分钟" in html and "上周：1 天，20 分钟" in html
    # The branch secretary sees the group's notes; another branch's member cannot open it.
    client.force_login(county.secretary_a1)
    html = client.get(reverse("study:plan", args=[plan.pk])).content.decode()
    assert text in html and "今天 0 / 1 人已打卡" in html
    for outsider in (county.member_b1.user, county.secretary_b1, county.resident):
        client.force_login(outsider)
        assert client.get(reverse("study:plan", args=[plan.pk])).status_code == 404
        assert client.post(url, {"text": text + "外"}).status_code == 404
    assert WeeklyNote.objects.count() == 1


def test_reminders_at_the_member_chosen_time_once_a_day(setup):
    county, plan, _items, _start = setup
    user = county.member_a1.user
    plans.reminder_set(user=user, plan=plan, remind_at=datetime.time(7, 30), enabled=True)
    day = timezone.localdate()
    zone = timezone.get_default_timezone()

    def at(hour: int, minute: int) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)

    assert plans.reminders_send_due(at(7, 0)) == 0
    # The plan's own time (20:00) is the default for the others in it: none of them here.
    assert plans.reminders_send_due(at(7, 31)) == 1
    assert plans.reminders_send_due(at(7, 45)) == 0  # once a day
    note = Notification.objects.get(user=user)
    assert note.title == "学习提醒：每天学习 15 分钟"
    assert note.body == f"今天的学习内容：文章《{sel.item_for(plan, day).title}》"
    plans.reminder_set(user=user, plan=plan, remind_at=datetime.time(7, 30), enabled=False)
    PlanReminder.objects.update(last_sent_on=None)
    assert plans.reminders_send_due(at(8, 0)) == 0
    # Missed by more than two hours (the server was down): not sent late.
    plans.reminder_set(user=user, plan=plan, remind_at=datetime.time(7, 30), enabled=True)
    assert plans.reminders_send_due(at(9, 31)) == 0
    # A member who checked in is not reminded.
    plans.reminder_set(user=user, plan=plan, remind_at=datetime.time(7, 30), enabled=True)
    CheckIn.objects.create(plan=plan, user=user, day=day)
    assert plans.reminders_send_due(at(21, 0)) == 0
    assert Notification.objects.count() == 1


def test_a_member_sets_a_reminder_through_the_page(client, setup):
    county, plan, _items, _start = setup
    client.force_login(county.member_a1.user)
    url = reverse("study:plan_reminder", args=[plan.pk])
    html = client.post(url, {"remind_at": "25:00"}, follow=True).content.decode()
    assert "请填写提醒时间，例如 20:00" in html
    client.post(url, {"remind_at": "06:45", "enabled": "on"})
    row = PlanReminder.objects.get()
    assert (row.remind_at, row.enabled) == (datetime.time(6, 45), True)


@pytest.mark.parametrize("n", [1, 3])
def test_plan_list_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        plans.plan_create(actor=county.secretary_a1, org=county.branch_a1, title=f"计划{i}")
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(7):
        html = client.get(reverse("study:plans")).content.decode()
    assert html.count('class="plan-row"') == n
