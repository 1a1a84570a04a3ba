from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from xianfeng.common.forms import FilterForm, Form
from xianfeng.common.parse import MAX_ID
from xianfeng.meetings.enums import (
    AttachmentKind,
    AttendanceStatus,
    MeetingKind,
    MeetingState,
    Period,
)
from xianfeng.meetings.services import MeetingData, MinutesData
from xianfeng.people.models import User

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=LOCAL_FORMAT, **kwargs)


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A person of the branch; the empty choice says what to do, not "---------"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name or obj.username)


class MeetingForm(Form):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    topic = forms.CharField(label="会议主题", max_length=100)
    starts_at = forms.DateTimeField(
        label="开始时间", widget=LocalDateTimeInput(), input_formats=[LOCAL_FORMAT]
    )
    ends_at = forms.DateTimeField(
        label="结束时间", widget=LocalDateTimeInput(), input_formats=[LOCAL_FORMAT]
    )
    place = forms.CharField(label="会议地点", max_length=100)
    host = PersonChoice(label="主持人", queryset=User.objects.none())
    recorder_a = PersonChoice(
        label="记录人A", queryset=User.objects.none(), help_text="负责填写会议记录"
    )
    recorder_b = PersonChoice(
        label="记录人B", queryset=User.objects.none(), help_text="审核会议记录；A缺席时代为记录"
    )
    speaker = PersonChoice(
        label="主讲人（党课、主题党日）", queryset=User.objects.none(), required=False
    )
    speaker_name = forms.CharField(
        label="外请主讲人姓名",
        max_length=50,
        required=False,
        help_text="主讲人不是本支部同志时填写",
    )
    lesson = forms.ModelChoiceField(
        empty_label="不关联",
        label="关联微党课（可选）",
        queryset=User.objects.none(),
        required=False,
    )
    description = forms.CharField(
        label="会议安排（通知中显示）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, people: Any, lessons: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("host", "recorder_a", "recorder_b", "speaker"):
            field: Any = self.fields[name]
            field.queryset = people
        lesson_field: Any = self.fields["lesson"]
        lesson_field.queryset = lessons

    def to_data(self) -> MeetingData:
        d = self.cleaned_data
        return MeetingData(
            kind=d["kind"],
            topic=d["topic"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            place=d["place"],
            host=d["host"],
            recorder_a=d["recorder_a"],
            recorder_b=d["recorder_b"],
            description=d.get("description") or "",
            speaker=d.get("speaker"),
            speaker_name=d.get("speaker_name") or "",
            lesson=d.get("lesson"),
        )


def initial_times(now: datetime.datetime | None = None) -> dict[str, datetime.datetime]:
    """Tomorrow at 15:00–16:30, local time: where the planning form starts."""
    local = timezone.localtime(now or timezone.now())
    start = (local + datetime.timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0)
    return {"starts_at": start, "ends_at": start + datetime.timedelta(minutes=90)}


class ReasonForm(Form):
    reason = forms.CharField(label="原因", max_length=200)


class LeaveForm(Form):
    reason = forms.CharField(
        label="请假事由",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：出差、值班、生病"}),
    )


class LeaveDecisionForm(Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "不批准")])
    note = forms.CharField(label="审批意见", max_length=200, required=False)


class AttendanceRecordForm(Form):
    user = forms.IntegerField(label="人员", min_value=1, max_value=MAX_ID)
    status = forms.ChoiceField(
        label="出勤",
        choices=[
            (AttendanceStatus.PRESENT, "出席"),
            (AttendanceStatus.LATE, "迟到"),
            (AttendanceStatus.ABSENT, "缺席"),
            (AttendanceStatus.LEAVE, "请假"),
        ],
    )
    reason = forms.CharField(label="补录原因", max_length=200)


class MinutesForm(Form):
    agenda = forms.CharField(
        label="会议议程", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    discussion = forms.CharField(
        label="讨论情况（发言要点）", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    resolutions = forms.CharField(
        label="会议决议", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    film = forms.CharField(label="一片：观看的影片", required=False, max_length=100)
    practice = forms.CharField(
        label="一实践：实践活动", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def to_data(self) -> MinutesData:
        d = self.cleaned_data
        return MinutesData(
            agenda=d.get("agenda") or "",
            discussion=d.get("discussion") or "",
            resolutions=d.get("resolutions") or "",
            film=d.get("film") or "",
            practice=d.get("practice") or "",
        )


class ReturnForm(Form):
    note = forms.CharField(label="退回意见", max_length=500)


class AmendForm(Form):
    topic = forms.CharField(label="会议主题", max_length=100)
    place = forms.CharField(label="会议地点", max_length=100)
    agenda = forms.CharField(
        label="会议议程", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    discussion = forms.CharField(
        label="讨论情况", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    resolutions = forms.CharField(
        label="会议决议", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    film = forms.CharField(label="观看影片", required=False, max_length=100)
    practice = forms.CharField(
        label="实践活动", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(
        label="修订理由（将随记录一并显示）",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttachmentForm(Form):
    kind = forms.ChoiceField(label="类别", choices=AttachmentKind.choices)
    image = forms.FileField(
        label="图片",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


RULE_CHOICES = [("", "沿用上级 / 默认"), *Period.choices]


class RuleForm(Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in MeetingKind.choices:
            self.fields[kind] = forms.ChoiceField(label=label, choices=RULE_CHOICES, required=False)


class MeetingFilterForm(FilterForm):
    org = forms.CharField(required=False, max_length=32)
    kind = forms.ChoiceField(
        label="会议类型", required=False, choices=[("", "全部类型"), *MeetingKind.choices]
    )
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *MeetingState.choices]
    )
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)


class OverviewForm(Form):
    org = forms.CharField(required=False, max_length=32)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(required=False, choices=[("", "全部要求"), *MeetingKind.choices])
    sort = forms.ChoiceField(required=False, choices=[("", "按组织"), ("failed", "未完成多的在前")])


# --- 组织生活会 ----------------------------------------------------------------------------------

LIFE_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"


class MaterialForm(Form):
    text = forms.CharField(
        label="对照检查材料",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="可直接填写，也可上传材料文件（PDF、Word、Excel 或图片，20 MB 以内）",
    )
    file = forms.FileField(
        label="材料文件",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": LIFE_ACCEPT}),
    )
    remove_file = forms.BooleanField(label="删除已上传的文件", required=False)


class CriticismForm(Form):
    speaker = PersonChoice(label="发言人", queryset=User.objects.none())
    target = PersonChoice(
        label="被批评人",
        queryset=User.objects.none(),
        required=False,
        empty_label="（自我批评）",
        help_text="不选即为发言人的自我批评",
    )
    content = forms.CharField(
        label="意见内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            for name in ("speaker", "target"):
                self.fields[name].queryset = people  # type: ignore[attr-defined]


class RectificationForm(Form):
    problem = forms.CharField(
        label="存在问题", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    measures = forms.CharField(
        label="整改措施", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = PersonChoice(label="责任人", queryset=User.objects.none())
    deadline = forms.DateField(
        label="整改时限", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["owner"].queryset = people  # type: ignore[attr-defined]


class ProgressForm(Form):
    note = forms.CharField(
        label="进展情况", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(
        label="佐证材料（可选）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": LIFE_ACCEPT}),
    )


class RectificationFilterForm(FilterForm):
    org = forms.CharField(required=False, max_length=32)
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("open", "整改中"), ("overdue", "已逾期"), ("closed", "已销号")],
    )
    mine = forms.BooleanField(label="只看我负责的", required=False)
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
