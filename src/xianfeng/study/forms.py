from __future__ import annotations

import re
from typing import Any

from django import forms

from xianfeng.common.forms import FilterForm, Form
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.study.enums import QuestionKind


def _org_choices(field: Any, orgs: Any) -> None:
    # Only orgs the person manages are offered; a forged choice fails validation.
    field.queryset = orgs.exclude(kind=OrgKind.GROUP).order_by("path")
    choices: list[tuple[Any, str]] = [(o.pk, f"{o.name}（{o.code}）") for o in field.queryset]
    if len(choices) == 1:
        field.initial = choices[0][0]
    else:
        choices.insert(0, ("", "请选择"))
    field.widget.choices = choices


class BankUploadForm(Form):
    org = forms.ModelChoiceField(label="导入到哪个组织的题库", queryset=Org.objects.none())
    file = forms.FileField(
        label="题库文件（.xlsx）",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _org_choices(self.fields["org"], orgs)


class BankFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label="题型", required=False, choices=[("", "全部题型"), *QuestionKind.choices]
    )
    q = forms.CharField(label="搜索题干", required=False, max_length=50)
    tag = forms.CharField(label="标签", required=False, max_length=20)


class _LabelledChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.org.name} · {obj}"


class ArticleForm(Form):
    org = forms.ModelChoiceField(label="发布组织（面向其下全体党员）", queryset=Org.objects.none())
    column = _LabelledChoice(label="栏目", queryset=Org.objects.none())
    series = _LabelledChoice(label="专题", queryset=Org.objects.none(), required=False)
    title = forms.CharField(label="标题", max_length=120)
    summary = forms.CharField(label="摘要", max_length=300, required=False)
    body = forms.CharField(
        label="正文",
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 14, "data-rich-text": "1"}),
        help_text="可用标题、加粗、列表、引用和链接；粘贴来的格式会按白名单过滤。",
    )
    source = forms.CharField(label="来源", max_length=100, required=False)
    author = forms.CharField(label="作者", max_length=50, required=False)
    tags = forms.CharField(
        label="标签", max_length=200, required=False, help_text="多个标签用逗号或空格隔开"
    )

    def __init__(self, *args: Any, orgs: Any, columns: Any, series: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _org_choices(self.fields["org"], orgs)
        self.fields["column"].queryset = columns  # type: ignore[attr-defined]
        self.fields["series"].queryset = series  # type: ignore[attr-defined]

    def tag_list(self) -> list[str]:
        return [t for t in re.split(r"[,，、;；\s]+", self.cleaned_data.get("tags") or "") if t]


class PublishForm(Form):
    publish_at = forms.DateTimeField(
        label="定时发布（留空为立即发布）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class ColumnForm(Form):
    org = forms.ModelChoiceField(label="所属组织（其下各级都能看到）", queryset=Org.objects.none())
    name = forms.CharField(label="栏目名称", max_length=40)
    description = forms.CharField(label="简介", max_length=200, required=False)
    order = forms.IntegerField(label="排序（小的在前）", min_value=0, max_value=999, initial=100)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _org_choices(self.fields["org"], orgs)


class SeriesForm(Form):
    org = forms.ModelChoiceField(label="所属组织", queryset=Org.objects.none())
    title = forms.CharField(label="专题名称", max_length=60)
    description = forms.CharField(label="简介", max_length=300, required=False)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _org_choices(self.fields["org"], orgs)


class UploadForm(Form):
    file = forms.FileField(label="文件")


class PlanForm(Form):
    org = forms.ModelChoiceField(label="党组织（支部或党小组）", queryset=Org.objects.none())
    title = forms.CharField(label="计划名称", max_length=60, initial="每天学习 15 分钟")
    minutes = forms.IntegerField(label="每天学习（分钟）", min_value=1, max_value=180, initial=15)
    remind_at = forms.TimeField(
        label="默认提醒时间",
        initial="20:00",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    series = _LabelledChoice(
        label="轮流学习的文章专题", queryset=Org.objects.none(), required=False
    )
    lesson_series = _LabelledChoice(
        label="或轮流学习的微党课专题（视频、音频）", queryset=Org.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, orgs: Any, series: Any, lesson_series: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # A plan may be for a party group too.
        field = self.fields["org"]
        field.queryset = orgs.order_by("path")  # type: ignore[attr-defined]
        choices: list[tuple[Any, str]] = [("", "请选择")]
        choices += [(o.pk, f"{o.name}（{o.code}）") for o in field.queryset]  # type: ignore[attr-defined]
        field.widget.choices = choices
        self.fields["series"].queryset = series  # type: ignore[attr-defined]
        self.fields["lesson_series"].queryset = (  # type: ignore[attr-defined]
            lesson_series if lesson_series is not None else Org.objects.none()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("series") and data.get("lesson_series"):
            self.add_error("lesson_series", "只能选择一个轮流学习的专题（文章或微党课）")
        return data


class _LessonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        audio = obj.video_id is not None and obj.video.is_audio_only
        return f"{'音频' if audio else '微党课'} · {obj.title}"


class PlanDayForm(Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    article = _LabelledChoice(label="学习文章", queryset=Org.objects.none(), required=False)
    lesson = _LessonChoice(
        label="或微党课（视频、音频）", queryset=Org.objects.none(), required=False
    )

    def __init__(self, *args: Any, articles: Any, lessons: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = articles  # type: ignore[attr-defined]
        self.fields["lesson"].queryset = (  # type: ignore[attr-defined]
            lessons if lessons is not None else Org.objects.none()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("article")) == bool(data.get("lesson")):
            raise forms.ValidationError("请选择一篇文章或一节微党课（二选一）")
        return data


class NoteForm(Form):
    text = forms.CharField(
        label="本周小结", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReminderForm(Form):
    remind_at = forms.TimeField(
        label="每天提醒我的时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    enabled = forms.BooleanField(label="提醒我", required=False, initial=True)


class CoReadingForm(Form):
    org = forms.ModelChoiceField(label="党组织（支部或党小组）", queryset=Org.objects.none())
    article = _LabelledChoice(label="共读文章", queryset=Org.objects.none())
    deadline = forms.DateTimeField(
        label="截止时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, orgs: Any, articles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        field.queryset = orgs.order_by("path")  # type: ignore[attr-defined]
        choices: list[tuple[Any, str]] = [("", "请选择")]
        choices += [(o.pk, f"{o.name}（{o.code}）") for o in field.queryset]  # type: ignore[attr-defined]
        field.widget.choices = choices
        self.fields["article"].queryset = articles  # type: ignore[attr-defined]


class CoReadingNoteForm(Form):
    text = forms.CharField(
        label="我的心得（至少 50 字）", max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )


class CommentForm(Form):
    text = forms.CharField(label="参与讨论", max_length=500)


_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CompetitionForm(Form):
    org = forms.ModelChoiceField(label="主办组织（面向其下全体党员）", queryset=Org.objects.none())
    title = forms.CharField(label="竞赛名称", max_length=100)
    description = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    opens_at = forms.DateTimeField(label="开始时间", widget=_LOCAL)
    closes_at = forms.DateTimeField(label="结束时间", widget=_LOCAL)

    def __init__(self, *args: Any, orgs: Any, fixed_org: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _org_choices(self.fields["org"], orgs)
        if fixed_org:
            # The host of an existing competition does not change (its players are counted
            # in its subtree).
            del self.fields["org"]


class LevelForm(Form):
    title = forms.CharField(label="关卡名称", max_length=100, required=False)
    single = forms.IntegerField(label="单选题（道）", min_value=0, max_value=50, initial=3)
    multiple = forms.IntegerField(label="多选题（道）", min_value=0, max_value=50, initial=1)
    judge = forms.IntegerField(label="判断题（道）", min_value=0, max_value=50, initial=1)
    blank = forms.IntegerField(label="填空题（道）", min_value=0, max_value=50, initial=0)
    tag = forms.CharField(label="只抽这个标签的题（可不填）", max_length=20, required=False)
    duration_minutes = forms.IntegerField(
        label="限时（分钟）", min_value=1, max_value=120, initial=5
    )
    pass_percent = forms.IntegerField(
        label="过关线（正确率 %）", min_value=0, max_value=100, initial=80
    )
    attempts_allowed = forms.IntegerField(
        label="每人可闯次数", min_value=1, max_value=20, initial=3
    )

    def rules(self) -> list[dict[str, Any]]:
        tag = self.cleaned_data.get("tag", "").strip()
        return [
            {"kind": kind, "tag": tag, "count": self.cleaned_data[kind]}
            for kind in QuestionKind.values
            if self.cleaned_data.get(kind)
        ]


class CheckQuestionForm(Form):
    kind = forms.ChoiceField(label="题型", choices=QuestionKind.choices)
    stem = forms.CharField(label="题干", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    options = forms.CharField(
        label="选项（选择题，每行一个，依次为 A、B、C…）",
        required=False,
        max_length=1200,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    answer = forms.CharField(
        label="答案（如 A、ABD、对/错；填空题多个答案用 | 分开）", max_length=200
    )
    explanation = forms.CharField(
        label="解析", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
