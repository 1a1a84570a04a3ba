"""一日学习计划: my plans, a plan's day (today's item, check in, streak, the week's summary
and 小结, my reminder time) and, for the organiser, setting plans up and the day's items."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import lessons_reaching_org, series_for_user
from xianfeng.orgs import paths
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.study.forms import NoteForm, PlanDayForm, PlanForm, ReminderForm
from xianfeng.study.models import PlanReminder, StudyPlan
from xianfeng.study.rules import STUDY_MANAGE_ROLES, can_manage_study, manages_study_anywhere
from xianfeng.study.selectors import articles as article_sel
from xianfeng.study.selectors import plans as sel
from xianfeng.study.services import plans as services


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request: AuthedRequest) -> HttpResponse:
    manages = manages_study_anywhere(request.user)
    form = (
        PlanForm(
            request.POST or None,
            orgs=orgs_managed_by(request.user, STUDY_MANAGE_ROLES),
            series=article_sel.series_usable_by(request.user),
            lesson_series=series_for_user(request.user).select_related("org"),
        )
        if manages
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有书记、委员或组织管理员可以制定学习计划")
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = services.plan_create(
                    actor=request.user,
                    org=d["org"],
                    title=d["title"],
                    minutes=d["minutes"],
                    remind_at=d["remind_at"],
                    series=d.get("series"),
                    lesson_series=d.get("lesson_series"),
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "学习计划已创建")
                return redirect("study:plan", pk=plan.pk)
    return render(
        request,
        "study/plan_list.html",
        {
            "plans": list(sel.plans_for(request.user)[:20]),
            "managed": list(
                sel.plans_managed_by(request.user).select_related("org").order_by("-id")[:20]
            )
            if manages
            else [],
            "form": form,
        },
    )


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = sel.get_plan_for_user(request.user, pk)
    today = timezone.localdate()
    week = sel.week_of(today)
    member = sel.is_in_plan(request.user, plan)
    item = sel.item_for(plan, today, request.user)
    days = sel.checkin_days(request.user, plan, today - datetime.timedelta(days=366))
    reminder = PlanReminder.objects.filter(plan=plan, user_id=request.user.pk).first()
    manages = can_manage_study(request.user, plan.org)
    context = {
        "plan": plan,
        "today": today,
        "item": item,
        "is_member": member,
        "done_today": item is not None and sel.finished_seconds(request.user, item) is not None,
        "checked_in": today in days,
        "streak": sel.streak(days, today),
        "summary": sel.week_summary(request.user, plan, week),
        "last_week": sel.week_summary(request.user, plan, week - datetime.timedelta(days=7)),
        "notes": sel.group_notes(plan, week, request.user),
        "note_form": NoteForm(),
        "reminder_form": ReminderForm(
            initial={
                "remind_at": (reminder.remind_at if reminder else plan.remind_at),
                "enabled": reminder.enabled if reminder else True,
            }
        ),
        "manages": manages,
    }
    if manages:
        context["board"] = sel.today_board(plan, today)
        context["day_form"] = PlanDayForm(
            initial={"day": today + datetime.timedelta(days=1)},
            articles=article_sel.articles_for(request.user).filter(org_id__in=_ids(plan))[:200],
            lessons=_lessons(plan)[:200],
        )
    return render(request, "study/plan_detail.html", context)


def _ids(plan: StudyPlan) -> list[int]:
    """The plan's org and those above it: their articles reach its members."""
    return paths.ids_in(plan.org.path)


def _lessons(plan: StudyPlan) -> QuerySet[Lesson]:
    """Lessons (video or audio) published to the plan's org or above: all its members may
    watch them."""
    return lessons_reaching_org(plan.org).select_related("video").order_by("-published_at", "-id")


@login_required
@require_POST
def plan_checkin(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = sel.get_plan_for_user(request.user, pk)
    try:
        services.checkin_now(user=request.user, plan=plan)
        messages.success(request, "今天已打卡")
    except (Refused, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("study:plan", pk=plan.pk)


@login_required
@require_POST
def plan_note(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = sel.get_plan_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写小结（2000 字以内）")
        return redirect("study:plan", pk=plan.pk)
    try:
        note = services.weekly_note_save(
            user=request.user,
            plan=plan,
            text=form.cleaned_data["text"],
            week=sel.week_of(timezone.localdate()),
        )
        messages.success(
            request, "小结已保存" if note.status == "visible" else "小结已保存，待审核"
        )
    except (Refused, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("study:plan", pk=plan.pk)


@login_required
@require_POST
def plan_reminder(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = sel.get_plan_for_user(request.user, pk)
    form = ReminderForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写提醒时间，例如 20:00")
        return redirect("study:plan", pk=plan.pk)
    try:
        services.reminder_set(
            user=request.user,
            plan=plan,
            remind_at=form.cleaned_data["remind_at"],
            enabled=form.cleaned_data["enabled"],
        )
        messages.success(request, "提醒时间已保存")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("study:plan", pk=plan.pk)


@login_required
@require_POST
def plan_day(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = sel.get_plan_for_user(request.user, pk)
    if not can_manage_study(request.user, plan.org):
        raise PermissionDenied("只有书记、委员或组织管理员可以安排学习内容")
    form = PlanDayForm(
        request.POST,
        articles=article_sel.articles_for(request.user).filter(org_id__in=_ids(plan)),
        lessons=_lessons(plan),
    )
    if not form.is_valid():
        messages.error(request, "请选择日期，以及一篇文章或一节微党课（二选一）")
        return redirect("study:plan", pk=plan.pk)
    try:
        services.plan_set_day(
            actor=request.user,
            plan=plan,
            day=form.cleaned_data["day"],
            article=form.cleaned_data.get("article"),
            lesson=form.cleaned_data.get("lesson"),
        )
        messages.success(request, "已安排")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("study:plan", pk=plan.pk)
