"""一日学习计划: setting a plan up, the day's item (an article, a micro lesson or an audio
lesson), checking in by finishing it (from the `article.read` or `lesson.completed`
event, or by the button when it was finished already), the weekly 小结 and each member's
reminder at the time they choose."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.events import Event
from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank, visible_length
from xianfeng.lessons.models import Lesson, Series
from xianfeng.lessons.selectors import lessons_reaching_org
from xianfeng.moderation.services import text_status_for
from xianfeng.notify.services.sending import notify
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.people.selectors import member_of
from xianfeng.study.models import (
    Article,
    ArticleSeries,
    CheckIn,
    PlanDay,
    PlanReminder,
    StudyPlan,
    WeeklyNote,
)
from xianfeng.study.rules import can_manage_study
from xianfeng.study.selectors import plans as sel

NOTE_MIN_CHARS = 20
NOTE_MAX_CHARS = 2000


def plan_create(
    *,
    actor: User,
    org: Org,
    title: str,
    minutes: int = 15,
    remind_at: datetime.time = datetime.time(20, 0),
    series: ArticleSeries | None = None,
    lesson_series: Series | None = None,
    starts_on: datetime.date | None = None,
) -> StudyPlan:
    """A daily plan for the members of `org` (a branch or a party group), rotating through
    a series of articles or of lessons, or neither (the organiser picks each day)."""
    if not can_manage_study(actor, org):
        raise PermissionDenied("只有书记、委员或组织管理员可以制定学习计划")
    title = clean_text(title, multiline=False).strip()
    if is_blank(title):
        raise Refused("请填写计划名称", field="title")
    if not 1 <= minutes <= 180:
        raise Refused("每天学习时长应在 1–180 分钟之间", field="minutes")
    if series is not None and not paths.is_within(org.path, series.org.path):
        raise Refused("该专题不属于本组织或上级组织", field="series")
    if series is not None and lesson_series is not None:
        raise Refused("只能选择一个轮流学习的专题（文章或微党课）", field="lesson_series")
    if lesson_series is not None and not paths.is_within(org.path, lesson_series.org.path):
        raise Refused("该微党课专题不属于本组织或上级组织", field="lesson_series")
    with transaction.atomic():
        plan = StudyPlan.objects.create(
            org=org,
            title=title[:60],
            minutes=minutes,
            remind_at=remind_at,
            series=series,
            lesson_series=lesson_series,
            starts_on=starts_on or timezone.localdate(),
            created_by=actor,
        )
        audit_log(actor=actor, action="plan.create", obj=plan, org=org, data={"title": title})
    return plan


def plan_set_day(
    *,
    actor: User,
    plan: StudyPlan,
    day: datetime.date,
    article: Article | None = None,
    lesson: Lesson | None = None,
) -> PlanDay:
    """The organiser picks the day's item, an article or a lesson (video or audio), in
    place of the series' turn. A lesson must be published to the plan's org or above, so
    every member of the plan may watch it."""
    if not can_manage_study(actor, plan.org):
        raise PermissionDenied("只有书记、委员或组织管理员可以安排学习内容")
    if (article is None) == (lesson is None):
        raise Refused("请选择一篇文章或一节微党课（二选一）", field="article")
    if article is not None and not paths.is_within(plan.org.path, article.org.path):
        raise Refused("这篇文章不面向本组织", field="article")
    if lesson is not None and not lessons_reaching_org(plan.org).filter(pk=lesson.pk).exists():
        raise Refused("这节微党课未发布到本组织，党员看不到", field="lesson")
    with transaction.atomic():
        row, _ = PlanDay.objects.update_or_create(
            plan=plan, day=day, defaults={"article": article, "lesson": lesson}
        )
        audit_log(
            actor=actor,
            action="plan.day",
            obj=plan,
            org=plan.org,
            data={
                "day": day.isoformat(),
                "article_id": article.pk if article else None,
                "lesson_id": lesson.pk if lesson else None,
            },
        )
    return row


def _check_in(
    plan: StudyPlan, user_id: int, day: datetime.date, item: sel.PlanItem, seconds: float
) -> bool:
    """One check-in per plan, person and day (the unique constraint makes a second
    delivery of the same event, or the button after it, a no-op)."""
    try:
        with transaction.atomic():
            CheckIn.objects.create(
                plan=plan,
                user_id=user_id,
                day=day,
                article=item.article,
                lesson=item.lesson,
                minutes=min(plan.minutes * 4, round(seconds / 60)),
            )
        return True
    except IntegrityError:  # already checked in today
        return False


def checkin_now(*, user: Any, plan: StudyPlan, today: datetime.date | None = None) -> CheckIn:
    """打卡 for today: only once today's item has been finished."""
    today = today or timezone.localdate()
    if not sel.is_in_plan(user, plan):
        raise PermissionDenied("这个学习计划不面向您")
    item = sel.item_for(plan, today, user)
    if item is None:
        raise Refused("今天没有安排学习内容")
    seconds = sel.finished_seconds(user, item)
    if seconds is None:
        verb = {"article": "读完", "lesson": "看完", "audio": "听完"}[item.kind]
        raise Refused(f"请先{verb}今天的{item.label}《{item.title}》再打卡")
    _check_in(plan, user.pk, today, item, seconds)
    return CheckIn.objects.get(plan=plan, user_id=user.pk, day=today)


def _checkins_on_finish(event: Event, *, article_id: int = 0, lesson_id: int = 0) -> None:
    user = User.objects.filter(pk=int(event.data["user_id"])).first()
    if user is None:
        return
    day = timezone.localdate(event.created_at)
    for plan in sel.plans_for(user):
        item = sel.item_for(plan, day, user)
        if item is None or not (item.is_article(article_id) or item.is_lesson(lesson_id)):
            continue
        seconds = sel.finished_seconds(user, item)
        if seconds is not None:
            _check_in(plan, user.pk, day, item, seconds)


def checkins_on_read(event: Event) -> None:
    """`article.read` subscriber: finishing today's article of a plan checks the person in
    (idempotent: one check-in per plan, person and day)."""
    _checkins_on_finish(event, article_id=int(event.data["article_id"]))


def checkins_on_lesson(event: Event) -> None:
    """`lesson.completed` subscriber: watching (or hearing) today's lesson of a plan to
    completion, by the lessons app's honest measure, checks the person in (idempotent)."""
    _checkins_on_finish(event, lesson_id=int(event.data["lesson_id"]))


def weekly_note_save(*, user: Any, plan: StudyPlan, text: str, week: datetime.date) -> WeeklyNote:
    """Write or rewrite this week's 小结 (shared with the plan's members)."""
    if not sel.is_in_plan(user, plan):
        raise PermissionDenied("这个学习计划不面向您")
    text = clean_text(text).strip()
    length = visible_length(text)
    if length < NOTE_MIN_CHARS:
        raise Refused(f"小结至少 {NOTE_MIN_CHARS} 个字，现在 {length} 个字", field="text")
    if len(text) > NOTE_MAX_CHARS:
        raise Refused(f"小结最多 {NOTE_MAX_CHARS} 个字", field="text")
    member = member_of(user)
    org = member.org if member is not None else plan.org
    with transaction.atomic():
        note, _ = WeeklyNote.objects.select_for_update().get_or_create(
            plan=plan, user_id=user.pk, week=week, defaults={"text": text}
        )
        note.text = text
        note.status = text_status_for(
            kind="study.weekly_note", object_id=str(note.pk), org=org, author=user, text=text
        )
        note.save()
    return note


def weekly_note_moderated(object_id: str, approved: bool) -> None:
    from xianfeng.moderation.enums import TextStatus

    WeeklyNote.objects.filter(pk=int(object_id)).update(
        status=TextStatus.VISIBLE if approved else TextStatus.REJECTED
    )


def reminder_set(
    *, user: Any, plan: StudyPlan, remind_at: datetime.time, enabled: bool
) -> PlanReminder:
    """The member's own reminder time for the plan (or none)."""
    if not sel.is_in_plan(user, plan):
        raise PermissionDenied("这个学习计划不面向您")
    row, _ = PlanReminder.objects.update_or_create(
        plan=plan, user_id=user.pk, defaults={"remind_at": remind_at, "enabled": enabled}
    )
    return row


# A reminder missed by more than this (the server was down at the time) is not sent late.
REMINDER_WINDOW = datetime.timedelta(hours=2)


def _stale(remind_at: datetime.time, clock: datetime.time) -> bool:
    day = datetime.date(2000, 1, 1)
    return datetime.datetime.combine(day, clock) - datetime.datetime.combine(day, remind_at) > (
        REMINDER_WINDOW
    )


def reminders_send_due(now: datetime.datetime | None = None) -> int:
    """Remind each member whose chosen time (or the plan's, if they chose none) has come
    today, within the last two hours, and who has not checked in yet: once a day (a
    conditional update claims it, so two workers never both send)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today, clock = local.date(), local.time()
    sent = 0
    for plan in StudyPlan.objects.filter(is_active=True, starts_on__lte=today).select_related(
        "org"
    ):
        chosen = {r.user_id: r for r in PlanReminder.objects.filter(plan=plan)}
        done = set(CheckIn.objects.filter(plan=plan, day=today).values_list("user_id", flat=True))
        for user_id in sel.plan_members(plan).values_list("user_id", flat=True):
            if user_id in done:
                continue
            row = chosen.get(user_id)
            if row is None:
                row, _ = PlanReminder.objects.get_or_create(
                    plan=plan, user_id=user_id, defaults={"remind_at": plan.remind_at}
                )
            if not row.enabled or row.remind_at > clock or _stale(row.remind_at, clock):
                continue
            claimed = (
                PlanReminder.objects.filter(pk=row.pk)
                .exclude(last_sent_on=today)
                .update(last_sent_on=today)
            )
            if not claimed:
                continue
            item = sel.item_for(plan, today)
            notify(
                users=[user_id],
                title=f"学习提醒：{plan.title}",
                body=f"今天的学习内容：{item.label}《{item.title}》" if item else "今天还没有打卡",
                url=reverse("study:plan", args=[plan.pk]),
                kind="study.reminder",
                org=plan.org,
                about=plan,
                now=now,
            )
            sent += 1
    return sent
