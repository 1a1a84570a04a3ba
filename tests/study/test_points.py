"""The points ledger: credited from other apps' domain events, once per source, within the
daily caps, taken back when the action is reversed; the ledger's sum is the total shown."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum
from django.urls import reverse

from tests.factories import MeetingFactory, MemberFactory, published_lesson
from tests.study.conftest import at
from xianfeng.audit import events
from xianfeng.audit.models import AuditLog, EventDelivery
from xianfeng.common import points as registry
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Reflection
from xianfeng.study.models import PointsDay, PointsEntry, PointsPolicy, PointsTotal
from xianfeng.study.selectors.points import DEFAULT_DAY_CAP, period_start
from xianfeng.study.services import points as services
from xianfeng.study.services.points import CAPPED_DAY, CAPPED_RULE, REVERSED

pytestmark = pytest.mark.django_db


def complete(emit, user, lesson, when=None):
    return emit(
        "lesson.completed",
        user=user,
        obj=lesson,
        data={"lesson_id": lesson.pk, "user_id": user.pk, "duration": 100.0},
        when=when,
    )


def ledger(user):
    return list(
        PointsEntry.objects.filter(user=user)
        .order_by("id")
        .values_list("rule", "kind", "points", "note")
    )


def total(user) -> int:
    return PointsEntry.objects.filter(user=user).aggregate(s=Sum("points"))["s"] or 0


def lessons(county, n):
    return [
        published_lesson(org=county.branch_a1, author=county.secretary_a1, title=f"课{i}")
        for i in range(n)
    ]


def test_a_completed_lesson_earns_its_points_once_with_its_source(county, emit, today):
    (lesson,) = lessons(county, 1)
    user = county.member_a1.user
    row = complete(emit, user, lesson)
    complete(emit, user, lesson)  # the same lesson again (another event): nothing more
    (entry,) = PointsEntry.objects.filter(user=user)
    assert (entry.rule, entry.kind, entry.points, entry.day) == (
        "lesson.completed",
        "earn",
        2,
        today,
    )
    assert (entry.source_type, entry.source_id, entry.event_id) == (
        "lessons.lesson",
        str(lesson.pk),
        row.pk,
    )
    assert entry.org_id == county.branch_a1.pk
    assert PointsDay.objects.get(user=user, day=today).earned == 2
    week = PointsTotal.objects.get(user=user, period="week", start=period_start("week", today))
    assert (week.points, week.org_id) == (2, county.branch_a1.pk)


def test_a_replayed_event_credits_nothing_more(county, emit):
    (lesson,) = lessons(county, 1)
    user = county.member_a1.user
    row = complete(emit, user, lesson)
    points = "points.lesson.completed@lesson.completed"
    # The points handler ran again (the daily plan's check-in subscribes to it too).
    assert events.replay(first_id=row.pk, last_id=row.pk, subscriber=points) == 1
    assert events.dispatch([row.pk]) == 0
    assert ledger(user) == [("lesson.completed", "earn", 2, "")]
    assert total(user) == 2
    assert PointsTotal.objects.get(user=user, period="year").points == 2


def test_the_rule_cap_stops_a_rule_and_the_row_says_why(county, emit, today):
    user = county.member_a1.user
    for lesson in lessons(county, 6):  # 2 points each, 10 a day
        complete(emit, user, lesson)
    assert [p for _, _, p, _ in ledger(user)] == [2, 2, 2, 2, 2, 0]
    assert ledger(user)[-1][3] == CAPPED_RULE
    assert total(user) == 10
    assert PointsDay.objects.get(user=user, day=today).earned == 10


def test_the_cap_is_per_day_of_the_event(county, emit, today):
    user = county.member_a1.user
    yesterday = today - datetime.timedelta(days=1)
    batch = lessons(county, 7)
    for lesson in batch[:5]:
        complete(emit, user, lesson, when=at(yesterday))
    for lesson in batch[5:]:
        complete(emit, user, lesson, when=at(today))
    assert [p for _, _, p, _ in ledger(user)] == [2, 2, 2, 2, 2, 2, 2]
    assert PointsDay.objects.get(user=user, day=yesterday).earned == 10
    assert PointsDay.objects.get(user=user, day=today).earned == 4


def test_the_day_cap_spans_the_rules_and_can_be_set_by_the_county(county, emit, today):
    services.points_policy_set(actor=county.county_admin, org=county.county, daily_cap=5)
    user = county.member_a1.user
    batch = lessons(county, 2)
    for lesson in batch:
        complete(emit, user, lesson)  # 2 + 2
    meeting = MeetingFactory(branch=county.branch_a1)
    emit(
        "meeting.checked_in",
        user=user,
        obj=meeting,
        data={"user_id": user.pk, "status": "present", "kind": meeting.kind},
    )
    assert ledger(user)[-1] == ("meeting.attended", "earn", 1, CAPPED_DAY)
    assert total(user) == 5
    assert PointsDay.objects.get(user=user, day=today).earned == 5


def test_a_deleted_comment_takes_its_point_back_and_cannot_earn_again(county, emit, today):
    (lesson,) = lessons(county, 1)
    user = county.member_a1.user
    comment = _comment(user, lesson)
    assert ledger(user) == [("lesson.comment", "earn", 1, "")]
    _delete(user, comment)
    assert ledger(user) == [
        ("lesson.comment", "earn", 1, ""),
        ("lesson.comment", "reverse", -1, REVERSED),
    ]
    assert total(user) == 0
    assert PointsTotal.objects.get(user=user, period="month").points == 0
    # Replaying both events changes nothing.
    first = AuditLog.objects.filter(event__startswith="comment.").order_by("pk").first()
    events.replay(first_id=first.pk)
    assert total(user) == 0 and PointsEntry.objects.filter(user=user).count() == 2
    # The cap is not given back by a reversal.
    assert PointsDay.objects.get(user=user, day=today).earned == 1


def _comment(user, lesson):
    comment = lesson_services.comment_add(user=user, lesson=lesson, text="说得好，我们也要学。")
    _deliver_pending()
    return comment


def _delete(user, comment):
    lesson_services.comment_delete(actor=user, comment=comment)
    _deliver_pending()


def _deliver_pending():
    """Deliver events whose commit the test transaction never makes (as the task would)."""
    pending = list(
        AuditLog.objects.exclude(event="")
        .filter(dispatched_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    events.dispatch(pending)


def test_a_reversal_that_arrives_first_bars_the_late_earning(county, emit):
    (lesson,) = lessons(county, 1)
    user = county.member_a1.user
    emit(
        "comment.deleted",
        user=user,
        obj=lesson,
        data={"lesson_id": lesson.pk, "user_id": user.pk, "text": "x"},
    )
    obj_id = str(lesson.pk)
    emit(
        "comment.created",
        user=user,
        obj=lesson,
        data={"lesson_id": lesson.pk, "user_id": user.pk, "status": "visible"},
    )
    assert ledger(user) == [("lesson.comment", "reverse", 0, REVERSED)]
    assert PointsEntry.objects.get(user=user).source_id == obj_id
    assert total(user) == 0


def test_a_reflection_earns_while_shown_and_gives_back_when_rejected(county, emit):
    (lesson,) = lessons(county, 1)
    user = county.member_a1.user
    text = "学" * 60
    lesson_services.reflection_save(user=user, lesson=lesson, text=text)
    _deliver_pending()
    assert ledger(user) == [("lesson.reflection", "earn", 3, "")]
    reflection = Reflection.objects.get(user=user)
    lesson_services.moderation_decided("lesson.reflection", str(reflection.pk), approved=False)
    _deliver_pending()
    assert ledger(user) == [
        ("lesson.reflection", "earn", 3, ""),
        ("lesson.reflection", "reverse", -3, REVERSED),
    ]
    # Let through again later: once reversed, never again.
    lesson_services.moderation_decided("lesson.reflection", str(reflection.pk), approved=True)
    _deliver_pending()
    assert total(user) == 0
    assert AuditLog.objects.filter(event="reflection.moderated").count() == 2


def test_a_held_reflection_earns_when_a_reviewer_lets_it_through(county, emit):
    from tests.factories import SensitiveWordFactory
    from xianfeng.moderation.scanner import bump_version

    SensitiveWordFactory(word="违禁词")
    bump_version()
    (lesson,) = lessons(county, 1)
    user = county.member_a1.user
    lesson_services.reflection_save(user=user, lesson=lesson, text="违禁词" + "学" * 60)
    _deliver_pending()
    assert ledger(user) == []
    reflection = Reflection.objects.get(user=user)
    lesson_services.moderation_decided("lesson.reflection", str(reflection.pk), approved=True)
    _deliver_pending()
    assert ledger(user) == [("lesson.reflection", "earn", 3, "")]


def test_settings_nearest_up_the_tree_win_and_a_disabled_rule_earns_nothing(county, emit):
    services.points_rule_set(
        actor=county.county_admin,
        org=county.county,
        rule="lesson.completed",
        points=4,
        daily_cap=0,
        enabled=True,
    )
    services.points_rule_set(
        actor=county.town_a_admin,
        org=county.town_a,
        rule="lesson.completed",
        points=1,
        daily_cap=0,
        enabled=True,
    )
    services.points_rule_set(
        actor=county.county_admin,
        org=county.county,
        rule="meeting.attended",
        points=5,
        daily_cap=0,
        enabled=False,
    )
    (lesson,) = lessons(county, 1)
    a1, b1 = county.member_a1.user, county.member_b1.user
    complete(emit, a1, lesson)
    complete(emit, b1, lesson)
    meeting = MeetingFactory(branch=county.branch_a1)
    emit(
        "meeting.checked_in",
        user=a1,
        obj=meeting,
        data={"user_id": a1.pk, "status": "present", "kind": "x"},
    )
    assert total(a1) == 1  # the town's setting
    assert total(b1) == 4  # the county's
    assert PointsEntry.objects.filter(rule="meeting.attended").count() == 0


def test_a_town_admin_cannot_set_the_county_rules_and_nothing_changes(county):
    from django.core.exceptions import PermissionDenied

    for actor in (county.town_a_admin, county.secretary_a1, county.member_a1.user):
        with pytest.raises(PermissionDenied):
            services.points_rule_set(
                actor=actor,
                org=county.county,
                rule="lesson.completed",
                points=50,
                daily_cap=0,
                enabled=True,
            )
        with pytest.raises(PermissionDenied):
            services.points_policy_set(actor=actor, org=county.county, daily_cap=999)
    from xianfeng.study.models import PointsRuleSetting

    assert PointsRuleSetting.objects.count() == 0 and PointsPolicy.objects.count() == 0


def test_bad_settings_are_refused_in_chinese(county):
    from xianfeng.common.errors import Refused

    with pytest.raises(Refused, match="没有这条积分规则"):
        services.points_rule_set(
            actor=county.county_admin,
            org=county.county,
            rule="nope",
            points=1,
            daily_cap=0,
            enabled=True,
        )
    with pytest.raises(Refused, match="每次积分应在 0 到 100 之间"):
        services.points_rule_set(
            actor=county.county_admin,
            org=county.county,
            rule="lesson.completed",
            points=101,
            daily_cap=0,
            enabled=True,
        )


def test_an_event_for_a_person_who_is_gone_credits_nothing(county, emit):
    (lesson,) = lessons(county, 1)
    user = MemberFactory(org=county.branch_a1).user
    row = complete(emit, county.member_a1.user, lesson)
    AuditLog.objects.filter(pk=row.pk).update(data={"lesson_id": lesson.pk, "user_id": 10**9})
    events.replay(first_id=row.pk)
    assert PointsEntry.objects.filter(user_id=10**9).count() == 0
    assert total(user) == 0


def test_without_a_ledger_the_delivery_fails_and_is_retried(county, emit, monkeypatch):
    monkeypatch.setattr(registry, "_sink", [])
    (lesson,) = lessons(county, 1)
    row = complete(emit, county.member_a1.user, lesson)
    delivery = EventDelivery.objects.get(
        event_id=row.pk, subscriber="points.lesson.completed@lesson.completed"
    )
    assert delivery.state == "failed"
    assert "学习积分账本未接入" in delivery.last_error


def test_the_page_shows_the_ledger_sum_and_what_is_left_today(client, county, emit):
    user = county.member_a1.user
    for lesson in lessons(county, 3):
        complete(emit, user, lesson)
    client.force_login(user)
    html = client.get(reverse("study:points")).content.decode()
    assert f'<b id="points-total">{total(user)}</b>' in html
    assert total(user) == 6
    # 学习微党课: 2 each, cap 10, 6 earned → 4 left; the day: 30 − 6 = 24 left
    assert (
        '<td>学习微党课</td><td data-label="每次">2</td><td data-label="每日上限">10</td>'
        '<td data-label="今日已得">6</td><td data-label="还可得">4</td>'
    ) in html
    assert f"<b>{DEFAULT_DAY_CAP - 6}</b>今日还可得" in html
    assert html.count('class="ledger-line"') == 3
