from __future__ import annotations

from typing import Any

from django import forms

from xianfeng.common.forms import Form
from xianfeng.common.parse import MAX_ID
from xianfeng.lessons.models import Series, Tag
from xianfeng.lessons.services import LessonData
from xianfeng.orgs.models import Org


class LessonForm(Form):
    title = forms.CharField(label="标题", max_length=80)
    speaker_name = forms.CharField(
        label="主讲人",
        max_length=50,
        required=False,
        help_text="不填则为您本人；外请主讲人请填写姓名",
    )
    summary = forms.CharField(label="一句话简介", max_length=200, required=False)
    story = forms.CharField(
        label="一事：讲一个身边的故事", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reflection = forms.CharField(
        label="一思：由此引发的思考", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    question = forms.CharField(
        label="一议：留给大家讨论的问题", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    tags = forms.ModelMultipleChoiceField(
        label="主题",
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    series = forms.ModelChoiceField(
        label="专题", queryset=Series.objects.none(), required=False, empty_label="不归入专题"
    )

    def __init__(self, *args: Any, series: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["series"]
        field.queryset = series if series is not None else Series.objects.none()

    def to_data(self, *, speaker: Any = None) -> LessonData:
        d = self.cleaned_data
        name = (d.get("speaker_name") or "").strip()
        return LessonData(
            title=d["title"],
            summary=d.get("summary") or "",
            story=d.get("story") or "",
            reflection=d.get("reflection") or "",
            question=d.get("question") or "",
            speaker=None if name else speaker,
            speaker_name=name,
            tag_ids=[t.pk for t in d.get("tags") or []],
            series=d.get("series"),
        )


class PublishForm(Form):
    audience = forms.ModelChoiceField(
        label="发布范围", queryset=Org.objects.none(), empty_label="请选择发布范围"
    )
    public = forms.BooleanField(label="向所有人公开（含群众）", required=False)

    def __init__(self, *args: Any, audiences: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["audience"]
        field.queryset = audiences


class ReflectionForm(Form):
    text = forms.CharField(
        label="心得体会",
        min_length=1,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "至少 50 个字，写下您的收获和打算"}),
    )


class CommentForm(Form):
    text = forms.CharField(
        label="评论",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "说说您的看法"}),
    )
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )


class FeedForm(Form):
    feed = forms.ChoiceField(required=False, choices=[])
    q = forms.CharField(required=False, max_length=50)
    tag = forms.SlugField(required=False)
    series = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
