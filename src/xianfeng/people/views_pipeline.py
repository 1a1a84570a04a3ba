"""发展党员 pages: the branch's pipeline with what is due next, one person's steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common import records
from xianfeng.common.errors import Refused
from xianfeng.common.forms import Form
from xianfeng.common.types import AuthedRequest, actor_of
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES, ROSTER_VIEW_ROLES, OrgKind
from xianfeng.orgs.rules import can_manage_roster, holds_any
from xianfeng.orgs.selectors import get_org_for_user, orgs_managed_by
from xianfeng.people.enums import ApplicantStage
from xianfeng.people.models import ASSEMBLY_RECORD, Applicant
from xianfeng.people.selectors import get_applicant_for_user, pipeline_list
from xianfeng.people.services import pipeline

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ERR = {"invalid": "日期格式不对，请写成 2026-05-15 这样", "required": "请填写日期"}


def _date(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE, required=required, error_messages=ERR)


class ApplicantForm(Form):
    org = forms.ModelChoiceField(label="党支部", queryset=Applicant.objects.none())
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=11, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    applied_on = _date("递交入党申请书日期")

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs.filter(  # type: ignore[attr-defined]
            kind=OrgKind.BRANCH, dissolved_on__isnull=True
        ).order_by("path")


class TalkForm(Form):
    on = _date("谈话日期")


class ActivistForm(Form):
    on = _date("确定为积极分子日期")
    contacts = forms.CharField(label="培养联系人", max_length=100)


class NoteForm(Form):
    on = _date("考察日期")
    text = forms.CharField(
        label="考察情况", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActivistTrainingForm(Form):
    on = _date("积极分子培训结业日期")


class CandidateForm(Form):
    on = _date("确定为发展对象日期")


class PrepareForm(Form):
    reviewed_on = _date("政治审查日期", False)
    training_on = _date("发展对象集中培训结业日期", False)
    publicity_from = _date("公示开始", False)
    publicity_to = _date("公示结束", False)


class AdmitForm(Form):
    meeting = forms.TypedChoiceField(
        label="讨论的支部党员大会",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="本支部已召开的支部党员大会；系统启用前召开的，请只填写日期",
    )
    meeting_on = _date("支部大会讨论日期（未在系统中记录时填写）", False)
    approved_on = _date("上级党委审批日期")
    oath_on = _date("入党宣誓日期", False)

    def __init__(self, *args: Any, meetings: list[records.RecordRef] | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—")] + [(r.pk, r.title) for r in meetings or []]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("meeting") is None and data.get("meeting_on") is None:
            self.add_error("meeting", "请选择讨论的支部党员大会，或填写其日期")
        return data


class DropForm(Form):
    reason = forms.CharField(label="终止培养的原因", max_length=200)


STEPS: dict[str, tuple[type[forms.Form], str, frozenset[str]]] = {
    "talk": (TalkForm, "记录谈话", frozenset({ApplicantStage.APPLIED})),
    "activist": (ActivistForm, "确定为入党积极分子", frozenset({ApplicantStage.APPLIED})),
    "note": (NoteForm, "记录培养考察", frozenset({ApplicantStage.ACTIVIST,
                                                   ApplicantStage.CANDIDATE})),
    "activist_training": (ActivistTrainingForm, "积极分子培训", frozenset({
        ApplicantStage.ACTIVIST, ApplicantStage.CANDIDATE})),
    "candidate": (CandidateForm, "列为发展对象", frozenset({ApplicantStage.ACTIVIST})),
    "prepare": (PrepareForm, "政审、培训与公示", frozenset({ApplicantStage.CANDIDATE})),
    "admit": (AdmitForm, "支部大会讨论与上级审批", frozenset({ApplicantStage.CANDIDATE})),
    "drop": (DropForm, "终止培养", frozenset({ApplicantStage.APPLIED, ApplicantStage.ACTIVIST,
                                              ApplicantStage.CANDIDATE})),
}  # fmt: skip

ACTIONS: dict[str, Callable[..., Any]] = {
    "talk": lambda a, actor, d: pipeline.applicant_talk(actor=actor, applicant=a, on=d["on"]),
    "activist": lambda a, actor, d: pipeline.applicant_to_activist(
        actor=actor, applicant=a, on=d["on"], contacts=d["contacts"]),
    "note": lambda a, actor, d: pipeline.applicant_note(
        actor=actor, applicant=a, on=d["on"], text=d["text"]),
    "activist_training": lambda a, actor, d: pipeline.applicant_activist_training(
        actor=actor, applicant=a, on=d["on"]),
    "candidate": lambda a, actor, d: pipeline.applicant_to_candidate(
        actor=actor, applicant=a, on=d["on"]),
    "prepare": lambda a, actor, d: pipeline.applicant_prepare(actor=actor, applicant=a, **d),
    "admit": lambda a, actor, d: pipeline.applicant_admit(actor=actor, applicant=a, **d),
    "drop": lambda a, actor, d: pipeline.applicant_drop(actor=actor, applicant=a,
                                                        reason=d["reason"]),
}  # fmt: skip


@login_required
def pipeline_index(request: AuthedRequest) -> HttpResponse:
    """The branch's (or the subtree's) pipeline, each person with their next step."""
    if not holds_any(request.user, ROSTER_VIEW_ROLES):
        raise PermissionDenied("您没有查看发展党员工作的权限")
    code = request.GET.get("org", "")
    org = get_org_for_user(request.user, code) if code else None
    today = timezone.localdate()
    rows = pipeline_list(request.user, org=org, today=today)
    return render(
        request,
        "people/pipeline_list.html",
        {
            "rows": rows,
            "org": org,
            "overdue": sum(1 for r in rows if r.overdue),
            "can_register": holds_any(request.user, ROSTER_MANAGE_ROLES),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def applicant_new(request: AuthedRequest) -> HttpResponse:
    if not holds_any(request.user, ROSTER_MANAGE_ROLES):
        raise PermissionDenied("您不能登记入党申请")
    orgs = orgs_managed_by(request.user, ROSTER_MANAGE_ROLES)
    form = ApplicantForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            applicant = pipeline.applicant_register(
                actor=actor_of(request),
                org=d["org"],
                name=d["name"],
                applied_on=d["applied_on"],
                phone=d["phone"],
                id_number=d["id_number"],
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已登记{applicant.name}的入党申请")
            return redirect("people:applicant_detail", pk=applicant.pk)
    return render(
        request, "people/applicant_new.html", {"form": form}, status=400 if form.errors else 200
    )


MEETING_CHOICES = 30  # the branch's latest 支部党员大会


def _form(request: AuthedRequest, applicant: Applicant, key: str, data: Any = None) -> forms.Form:
    """The step's form; the admit step offers the branch's 支部党员大会 (meetings' own
    selector, through common/records: one query)."""
    form_class = STEPS[key][0]
    if form_class is AdmitForm:
        kind = records.get(ASSEMBLY_RECORD)
        found = kind.choices(request.user, applicant.org, MEETING_CHOICES) if kind else []
        return AdmitForm(data, prefix=key, meetings=found)
    return form_class(data, prefix=key)


def _detail(
    request: AuthedRequest, applicant: Applicant, bound: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    manage = can_manage_roster(request.user, applicant.org)
    steps = []
    if manage:
        for key, (_form_class, title, stages) in STEPS.items():
            if applicant.stage in stages:
                form = bound[1] if bound and bound[0] == key else _form(request, applicant, key)
                steps.append({"key": key, "title": title, "form": form})
    return render(
        request,
        "people/applicant_detail.html",
        {
            "applicant": applicant,
            "notes": list(applicant.notes.select_related("author")),
            "steps": steps,
            "manage": manage,
        },
        status=400 if bound else 200,
    )


@login_required
def applicant_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, get_applicant_for_user(request.user, pk))


@login_required
@require_POST
def applicant_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    applicant = get_applicant_for_user(request.user, pk)
    if step not in STEPS or not can_manage_roster(request.user, applicant.org):
        raise Http404("找不到该步骤")
    form = _form(request, applicant, step, request.POST)
    if form.is_valid():
        try:
            ACTIONS[step](applicant, actor_of(request), form.cleaned_data)
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已记录：{STEPS[step][1]}")
            return redirect("people:applicant_detail", pk=applicant.pk)
    return _detail(request, applicant, (step, form))
