"""Pages of 巡讲: tours, stops, the audience's feedback page behind a stop's QR code."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.forms import Form
from xianfeng.common.qr import qr_data_uri
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons.practice import tours as svc
from xianfeng.lessons.practice.rules import PRACTICE_ROLES, can_run_practice
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.selectors import members_visible_to

VOTER_COOKIE = "xf_voter"


class TourForm(Form):
    org = forms.ChoiceField(label="主办组织")
    title = forms.CharField(label="巡讲名称", max_length=80)
    speaker = forms.IntegerField(label="主讲人（党员编号）", min_value=1)
    lesson = forms.IntegerField(label="所讲微党课（编号，可不填）", min_value=1, required=False)

    def __init__(self, *args: Any, orgs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = {o.code: o for o in orgs}
        field = self.fields["org"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.code, o.name) for o in orgs]


class StopForm(Form):
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    venue = forms.CharField(label="地点（如某镇党校）", max_length=100)
    host_org = forms.CharField(label="承办组织代码", max_length=32)


@login_required
@require_http_methods(["GET", "POST"])
def tours(request: AuthedRequest) -> HttpResponse:
    orgs = list(orgs_managed_by(request.user, PRACTICE_ROLES).order_by("path")[:300])
    form = TourForm(request.POST or None, orgs=orgs)
    if request.method == "POST":
        if not orgs:
            raise PermissionDenied("只有组织的书记、委员或管理员可以安排巡讲")
        if form.is_valid():
            data = form.cleaned_data
            speaker = members_visible_to(request.user).filter(pk=data["speaker"]).first()
            lesson = (
                published_lessons_for(request.user).filter(pk=data["lesson"]).first()
                if data["lesson"]
                else None
            )
            try:
                if speaker is None:
                    raise Refused("找不到该党员", field="speaker")
                if data["lesson"] and lesson is None:
                    raise Refused("找不到该微党课", field="lesson")
                tour = svc.tour_create(
                    actor=request.user,
                    org=form.orgs[data["org"]],
                    title=data["title"],
                    speaker=speaker,
                    lesson=lesson,
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("lessons:tour", pk=tour.pk)
    return render(
        request,
        "lessons/practice/tours.html",
        {
            "tours": list(
                svc.tours_visible_to(request.user).select_related("org", "speaker__user")[:100]
            ),
            "form": form if orgs else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def tour(request: AuthedRequest, pk: int) -> HttpResponse:
    item = svc.get_tour_for_user(request.user, pk)
    organiser = can_run_practice(request.user, item.org)
    form = StopForm(request.POST or None) if organiser else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有主办组织可以安排巡讲场次")
        if form.is_valid():
            data = form.cleaned_data
            host = (
                orgs_managed_by(request.user, PRACTICE_ROLES).filter(code=data["host_org"]).first()
            )
            try:
                if host is None:
                    raise Refused("找不到该承办组织", field="host_org")
                svc.tour_stop_add(
                    actor=request.user,
                    tour=item,
                    held_on=data["held_on"],
                    venue=data["venue"],
                    host_org=host,
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("lessons:tour", pk=item.pk)
    stops = svc.tour_stops(item)
    readable = svc.may_read_feedback(request.user, item)
    feedback = svc.stop_feedback(item) if readable else {}
    versions = svc.lesson_versions(item.lesson)
    rows = [
        {
            "stop": s,
            "opinions": feedback.get(s.pk, []),
            "qr": qr_data_uri(
                request.build_absolute_uri(reverse("lessons:tour_feedback", args=[s.feedback_key]))
            )
            if organiser or can_run_practice(request.user, s.host_org)
            else "",
            "may_hold": organiser or can_run_practice(request.user, s.host_org),
        }
        for s in stops
    ]
    return render(
        request,
        "lessons/practice/tour.html",
        {
            "tour": item,
            "rows": rows,
            "form": form,
            "organiser": organiser,
            "readable": readable,
            "today": timezone.localdate(),
            "versions": versions,
            # The speaker reads the audience's opinions against the version they saw.
            "by_version": svc.feedback_by_version(item) if readable and versions else [],
        },
    )


@login_required
@require_POST
def stop_held(request: AuthedRequest, pk: int, stop_id: int) -> HttpResponse:
    item = svc.get_tour_for_user(request.user, pk)
    stop = next((s for s in svc.tour_stops(item) if s.pk == stop_id), None)
    if stop is None:
        raise Http404("找不到该巡讲场次")
    try:
        size = int(request.POST.get("audience_size", "0") or 0)
    except ValueError:
        size = 0
    version = None
    if request.POST.get("version"):
        version = next(
            (v for v in svc.lesson_versions(item.lesson) if str(v.pk) == request.POST["version"]),
            None,
        )
        if version is None:
            raise Http404("找不到该版本")
    try:
        if stop.held_at is not None and version is not None:
            svc.tour_stop_version(actor=request.user, stop=stop, version=version)
            messages.success(request, f"已改为第 {version.number} 版")
        else:
            svc.tour_stop_held(actor=request.user, stop=stop, audience_size=size, version=version)
            messages.success(request, "已确认举办，计入主讲人的讲课记录")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("lessons:tour", pk=item.pk)


@require_http_methods(["GET", "POST"])
def tour_feedback(request: HttpRequest, key: str) -> HttpResponse:
    """The audience's page behind a stop's QR code: no login needed (a school's audience
    may have no account); once per device, kept by a random cookie."""
    stop = svc.get_stop_by_key(key)
    voter = request.COOKIES.get(VOTER_COOKIE, "")
    if len(voter) < 16 or not voter.isalnum():
        voter = secrets.token_hex(16)
    error, done = "", False
    if request.method == "POST":
        try:
            rating = int(request.POST.get("rating", "0") or 0)
        except ValueError:
            rating = 0
        try:
            _, created = svc.tour_feedback_give(
                stop=stop,
                voter_key=voter,
                rating=rating,
                opinion=request.POST.get("opinion", ""),
                user=request.user,
            )
            done = True
            if not created:
                error = "您已经评价过这一场了，谢谢！"
        except Refused as exc:
            error = exc.message
    response = render(
        request,
        "lessons/practice/tour_feedback.html",
        {"stop": stop, "error": error, "done": done, "ratings": range(5, 0, -1)},
    )
    response.set_cookie(VOTER_COOKIE, voter, max_age=3600 * 24 * 365, httponly=True, samesite="Lax")
    return response
