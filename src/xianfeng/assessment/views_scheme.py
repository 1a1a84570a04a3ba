"""量化考评方案 pages: the list (and starting a year's scheme), one scheme with its items
(edited while a draft, activated, revised), and a scheme applied to an org for a month."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xianfeng.assessment import selectors
from xianfeng.assessment.enums import ItemRule
from xianfeng.assessment.rules import may_manage_scheme
from xianfeng.assessment.services import schemes as services
from xianfeng.assessment.views import month_param
from xianfeng.common import indicators
from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.forms import Form
from xianfeng.common.parse import int_param, year_param
from xianfeng.common.types import actor_of
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.selectors import get_org_for_user


class ItemForm(Form):
    heading = forms.CharField(label="分组", max_length=40)
    name = forms.CharField(label="考评内容", max_length=100)
    points = forms.DecimalField(
        label="分值", max_digits=5, decimal_places=1, min_value=Decimal("0.5")
    )
    rule = forms.ChoiceField(label="评分方式", choices=ItemRule.choices)
    indicator = forms.ChoiceField(label="指标（按指标计算时）", required=False)
    full_at = forms.FloatField(label="满分线", required=False)
    zero_at = forms.FloatField(label="零分线", required=False)
    per_case = forms.DecimalField(
        label="每次扣分（扣分项）", max_digits=4, decimal_places=1, required=False
    )
    guidance = forms.CharField(label="评分说明", max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "（不按指标）")] + [
            (i.code, f"{i.group or '其他'} · {i.name}") for i in indicators.registered()
        ]


def _points(text: str | None, label: str) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise BadInput(f"{label}应为 0 到 100 之间的数字") from None
    if not value.is_finite():
        raise BadInput(f"{label}应为 0 到 100 之间的数字")
    return value.quantize(Decimal("0.1"))


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    schemes = selectors.schemes_visible_to(request.user).order_by("-year", "org__path", "-version")
    return render(
        request,
        "assessment/schemes.html",
        {
            "schemes": schemes[:200],
            "orgs": selectors.orgs_for_scheme_manage(request.user),
            "year": timezone.localdate().year,
        },
    )


@login_required
@require_POST
def scheme_create(request: HttpRequest) -> HttpResponse:
    org = get_org_for_user(request.user, request.POST.get("org", ""), ROSTER_MANAGE_ROLES)
    year = year_param(request.POST.get("year"), default=timezone.localdate().year)
    try:
        scheme = services.scheme_create(
            actor=actor_of(request), org=org, year=year, name=request.POST.get("name", "")
        )
    except (Refused, BadInput) as exc:
        messages.error(request, exc.message)
        return redirect("assessment:schemes")
    messages.success(request, "已生成方案草稿：请核对各项分值与评分方式，合计 100 分后启用。")
    return redirect("assessment:scheme", pk=scheme.pk)


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = selectors.get_scheme_for_user(request.user, pk)
    groups = selectors.scheme_items(scheme)
    total = sum((i.points for _, items in groups for i in items), Decimal(0))
    manage = may_manage_scheme(request.user, scheme.org)
    return render(
        request,
        "assessment/scheme.html",
        {
            "scheme": scheme,
            "groups": groups,
            "total": total,
            "manage": manage,
            "form": ItemForm() if manage and scheme.editable else None,
            "month": month_param(request),
            "sheet_orgs": selectors.sheet_orgs_for_user(request.user, scheme),
        },
    )


@login_required
@require_POST
def scheme_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    scheme = selectors.get_scheme_for_user(request.user, pk)
    actor = actor_of(request)
    try:
        if action == "activate":
            services.scheme_activate(actor=actor, scheme=scheme)
            messages.success(request, "方案已启用，原版本（如有）已停用。")
        elif action == "revise":
            draft = services.scheme_revise(
                actor=actor, scheme=scheme, note=request.POST.get("note", "")
            )
            messages.success(
                request, f"已生成第 {draft.version} 版草稿，修改后启用即替换现行方案。"
            )
            return redirect("assessment:scheme", pk=draft.pk)
        elif action == "remove":
            item_id = int_param(request.POST.get("item"), label="考评项目")
            assert item_id is not None
            services.item_remove(actor=actor, scheme=scheme, item_id=item_id)
            messages.success(request, "已删除该考评项目。")
        elif action == "grades":
            services.scheme_grades_set(
                actor=actor,
                scheme=scheme,
                bands=request.POST.get("bands", ""),
                standard_min=_points(request.POST.get("standard_min"), "达标线"),
                benchmark_min=_points(request.POST.get("benchmark_min"), "标杆支部分数线"),
            )
            messages.success(request, "已保存年度等次设置。")
        elif action == "add":
            form = ItemForm(request.POST)
            if not form.is_valid():
                problems = "；".join(
                    f"{form.fields[name].label}：{' '.join(str(e) for e in errors)}"
                    for name, errors in form.errors.items()
                )
                raise BadInput(problems)
            d = form.cleaned_data
            services.item_add(
                actor=actor,
                scheme=scheme,
                data=services.ItemData(
                    heading=d["heading"],
                    name=d["name"],
                    points=d["points"],
                    rule=d["rule"],
                    indicator=d.get("indicator") or "",
                    full_at=d.get("full_at"),
                    zero_at=d.get("zero_at") if d.get("zero_at") is not None else 0.0,
                    per_case=d.get("per_case"),  # a DecimalField: a Decimal or None
                    guidance=d.get("guidance") or "",
                ),
            )
            messages.success(request, "已添加考评项目。")
        else:
            raise BadInput("未知的操作")
    except (Refused, BadInput) as exc:
        messages.error(request, exc.message)
    return redirect("assessment:scheme", pk=scheme.pk)


@login_required
def scheme_sheet(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The scheme applied to one org (in the scheme's subtree and the person's reach)."""
    scheme = selectors.get_scheme_for_user(request.user, pk)
    org = selectors.get_org_for_figures(request.user, code)
    if not selectors.scheme_applies_to(scheme, org):
        raise BadInput(f"{org.name}不在“{scheme.org.name}”的考评范围内")
    month = month_param(request)
    sheet = selectors.score_sheet(scheme, org, month)
    return render(request, "assessment/scheme_sheet.html", {"sheet": sheet, "scheme": scheme})
