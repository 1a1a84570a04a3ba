from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from xianfeng.common.forms import Form
from xianfeng.contests.enums import AWARD_LEVELS, Aggregation, Level, Recurrence
from xianfeng.contests.services import CriterionData
from xianfeng.orgs.models import Org

DATE = forms.DateInput(attrs={"type": "date"})
CRITERIA_ROWS = 5


class ContestForm(Form):
    org = forms.ModelChoiceField(label="主办组织", queryset=Org.objects.none())
    title = forms.CharField(label="竞赛名称", max_length=100)
    theme = forms.CharField(label="主题", max_length=100, required=False)
    description = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    recurrence = forms.ChoiceField(label="重复", choices=Recurrence.choices, required=False)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.queryset = orgs


class RoundForm(Form):
    name = forms.CharField(label="名称", max_length=50, initial="支部推荐")
    level = forms.ChoiceField(label="评选层级", choices=Level.choices)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    quota = forms.IntegerField(
        label="每个组织可推荐（0 为不限）", min_value=0, max_value=10_000, initial=0
    )
    aggregation = forms.ChoiceField(label="计分方式", choices=Aggregation.choices)
    vote_share = forms.IntegerField(
        label="群众投票占比（%）", min_value=0, max_value=100, initial=0
    )
    blind = forms.BooleanField(label="匿名评审（评委看不到主讲人和组织）", required=False)
    judges_see_others = forms.BooleanField(label="评委提交后可看他人评分", required=False)
    on_stage = forms.BooleanField(
        label="现场比赛（走上讲台讲党课：现场演讲、评委当场打分、大屏揭晓）", required=False
    )
    warn_minutes = forms.IntegerField(
        label="现场比赛：几分钟时提醒", min_value=1, max_value=59, initial=7, required=False
    )
    stop_minutes = forms.IntegerField(
        label="现场比赛：限时（分钟）", min_value=1, max_value=60, initial=8, required=False
    )
    show_judge_scores = forms.BooleanField(
        label="现场比赛：大屏显示各评委的分数", required=False, initial=True
    )

    def stage_timing(self) -> tuple[int, int]:
        """The speech's warning and stop, in seconds (7 and 8 minutes unless set)."""
        warn = self.cleaned_data.get("warn_minutes") or 7
        stop = self.cleaned_data.get("stop_minutes") or 8
        return warn * 60, stop * 60

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(CRITERIA_ROWS):
            self.fields[f"c{i}_name"] = forms.CharField(
                label=f"评分项 {i + 1}", max_length=30, required=False
            )
            self.fields[f"c{i}_weight"] = forms.DecimalField(
                label="权重 %", min_value=0, max_value=100, required=False
            )
            self.fields[f"c{i}_max"] = forms.IntegerField(
                label="满分", min_value=1, max_value=1000, initial=100, required=False
            )
            self.fields[f"c{i}_counted"] = forms.BooleanField(
                label="计入总分", required=False, initial=True
            )

    def criteria(self) -> list[CriterionData]:
        rows = []
        for i in range(CRITERIA_ROWS):
            name = (self.cleaned_data.get(f"c{i}_name") or "").strip()
            if not name:
                continue
            counted = bool(self.cleaned_data.get(f"c{i}_counted"))
            rows.append(
                CriterionData(
                    name=name,
                    weight=self.cleaned_data.get(f"c{i}_weight") or Decimal(0),
                    max_score=self.cleaned_data.get(f"c{i}_max") or 100,
                    counted=counted,
                    required=counted,
                )
            )
        return rows

    def criteria_rows(self) -> list[list[Any]]:
        return [
            [self[f"c{i}_name"], self[f"c{i}_weight"], self[f"c{i}_max"], self[f"c{i}_counted"]]
            for i in range(CRITERIA_ROWS)
        ]


class StageEntryForm(Form):
    who = forms.CharField(label="选手的手机号或用户名", max_length=64)
    topic = forms.CharField(label="演讲题目", max_length=80)


class JudgeForm(Form):
    who = forms.CharField(label="评委的手机号或用户名", max_length=64)


class AwardsForm(Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defaults = {"first": 1, "second": 2, "third": 3, "excellent": 4}
        for level, label in AWARD_LEVELS:
            self.fields[level] = forms.IntegerField(
                label=f"{label}名额", min_value=0, max_value=10_000, initial=defaults[level]
            )
