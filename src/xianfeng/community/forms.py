from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from xianfeng.common.forms import FilterForm, Form
from xianfeng.community.enums import ActivityKind, Audience, HonorKind, WishCategory
from xianfeng.orgs.enums import OrgKind, Region
from xianfeng.orgs.models import Org


def community_orgs() -> QuerySet[Org]:
    return (
        Org.objects.filter(region__in=[Region.VILLAGE, Region.TOWN])
        .exclude(kind=OrgKind.GROUP)
        .order_by("path")
    )


class WishForm(Form):
    org = forms.ModelChoiceField(
        label="所在村或社区", queryset=Org.objects.none(), empty_label="请选择"
    )
    category = forms.ChoiceField(label="类别", choices=WishCategory.choices)
    title = forms.CharField(
        label="心愿",
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "例如：给孙子买一个书包"}),
    )
    detail = forms.CharField(
        label="详细说明（可选）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="请不要写电话、住址、身份证号，这些只写在下面的联系方式里。",
    )
    value_yuan = forms.IntegerField(label="估计价值（元）", min_value=0, initial=0)
    public_name = forms.CharField(
        label="公开称呼（可选）",
        max_length=20,
        required=False,
        help_text="心愿墙上只显示称呼，例如“张阿姨”；不填则显示姓氏。",
    )
    photo = forms.ImageField(label="照片（可选）", required=False)
    on_behalf = forms.BooleanField(label="代没有手机的群众录入", required=False)
    contact_name = forms.CharField(label="心愿人姓名", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    contact_address = forms.CharField(
        label="住址（仅支部和认领人可见）", max_length=100, required=False
    )

    def __init__(self, *args: Any, proxy: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.queryset = community_orgs()
        value_field: Any = self.fields["value_yuan"]
        value_field.max_value = settings.WISH_MAX_YUAN
        value_field.widget.attrs["max"] = settings.WISH_MAX_YUAN
        value_field.help_text = f"微心愿不超过 {settings.WISH_MAX_YUAN} 元"
        if not proxy:
            for name in ("on_behalf", "contact_name", "contact_phone"):
                del self.fields[name]


class ReviewForm(Form):
    title = forms.CharField(label="心愿", max_length=60)
    detail = forms.CharField(
        label="详细说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    public_name = forms.CharField(label="公开称呼", max_length=20)
    note = forms.CharField(label="审核意见（不通过时必填）", max_length=200, required=False)


class WallFilterForm(FilterForm):
    org = forms.CharField(required=False)
    category = forms.ChoiceField(required=False, choices=[("", "全部类别"), *WishCategory.choices])
    state = forms.ChoiceField(
        required=False,
        choices=[
            ("", "全部"),
            ("open", "待认领"),
            ("claimed", "已认领"),
            ("confirming", "待确认"),
            ("fulfilled", "已实现"),
        ],
    )


class CampaignForm(Form):
    org = forms.ModelChoiceField(label="发起组织", queryset=Org.objects.none(), empty_label=None)
    title = forms.CharField(label="活动名称", max_length=60, initial="点亮微心愿")
    theme = forms.CharField(
        label="主题（可选）",
        max_length=200,
        required=False,
        help_text="例如：结合“七一”主题党日，为困难群众送温暖",
    )
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    target = forms.IntegerField(label="目标心愿数", min_value=0, max_value=1_000_000, initial=100)
    meeting = forms.TypedChoiceField(
        label="结合主题党日（可选）",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="选择本组织下支部近期的主题党日，会议页面会显示本活动",
    )

    def __init__(
        self, *args: Any, orgs: Any = None, meetings: Sequence[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.queryset = orgs if orgs is not None else Org.objects.none()
        meeting_field: Any = self.fields["meeting"]
        meeting_field.choices = [("", "不结合")] + [
            (m.pk, f"{timezone.localtime(m.starts_at):%Y-%m-%d} {m.org.name} · {m.topic}")
            for m in meetings
        ]


# --- 微实事 -----------------------------------------------------------------------------------


class ProjectForm(Form):
    org = forms.ModelChoiceField(label="村社区", queryset=Org.objects.none(), empty_label="请选择")
    title = forms.CharField(
        label="项目名称",
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "例如：修好东街路灯"}),
    )
    description = forms.CharField(
        label="项目说明",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="为什么要做、在哪里、大概怎么做。",
    )
    cost_yuan = forms.IntegerField(label="估算费用（元）", min_value=0, initial=0)
    photo = forms.ImageField(label="照片（可选）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.queryset = community_orgs()


class RoundForm(Form):
    org = forms.ModelChoiceField(label="村社区", queryset=Org.objects.none(), empty_label=None)
    title = forms.CharField(label="投票名称", max_length=60, initial="民生微实事投票")
    opens_at = forms.DateTimeField(
        label="开始时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label="截止时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    votes_each = forms.IntegerField(label="每人票数", min_value=1, max_value=10, initial=3)
    winners = forms.IntegerField(label="最多立项数", min_value=1, max_value=50, initial=3)
    budget_yuan = forms.IntegerField(
        label="预算（元，0 表示不限）", min_value=0, initial=0, required=False
    )
    show_live = forms.BooleanField(label="投票期间公开票数", required=False)

    def __init__(self, *args: Any, orgs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.queryset = orgs if orgs is not None else Org.objects.none()


class ProjectFilterForm(FilterForm):
    org = forms.CharField(required=False)
    state = forms.ChoiceField(
        required=False,
        choices=[
            ("", "全部"),
            ("candidate", "候选"),
            ("approved", "已立项"),
            ("in_progress", "实施中"),
            ("done", "已完成"),
            ("not_selected", "未入选"),
        ],
    )


# --- 微行动 -----------------------------------------------------------------------------------


class ActivityForm(Form):
    org = forms.ModelChoiceField(label="发布组织", queryset=Org.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label="类别", choices=ActivityKind.choices)
    title = forms.CharField(
        label="活动名称",
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "例如：东街背街小巷环境整治"}),
    )
    description = forms.CharField(
        label="活动内容（可选）",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_at = forms.DateTimeField(
        label="开始时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="结束时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label="地点（详细地址）", max_length=100)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=10_000, initial=20)
    audience = forms.ChoiceField(label="参加对象", choices=Audience.choices)
    signup_deadline = forms.DateTimeField(
        label="报名截止（可选，默认活动开始时）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    tags = forms.CharField(label="标签（可选，空格分隔）", max_length=100, required=False)
    org_life = forms.BooleanField(label="党员可选作组织生活（菜单式）", required=False)

    def __init__(self, *args: Any, orgs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.queryset = orgs if orgs is not None else Org.objects.none()


# --- 微星光 and 微平台 --------------------------------------------------------------------------


class HonorForm(Form):
    org = forms.ModelChoiceField(label="推荐组织", queryset=Org.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label="类别", choices=HonorKind.choices)
    person = forms.ModelChoiceField(
        label="党员（推荐优秀党员时选择）", queryset=Org.objects.none(), required=False
    )
    name = forms.CharField(
        label="名称（党员先锋队、示范岗或支部品牌的名称）", max_length=60, required=False
    )
    story = forms.CharField(
        label="事迹", max_length=1000, widget=forms.Textarea(attrs={"rows": 5}), min_length=20
    )
    photo = forms.ImageField(label="照片（可选）", required=False)

    def __init__(self, *args: Any, orgs: Any = None, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.queryset = orgs if orgs is not None else Org.objects.none()
        person_field: Any = self.fields["person"]
        person_field.queryset = people
        person_field.label_from_instance = lambda user: user.name


class NoticeForm(Form):
    text = forms.CharField(
        label="公告内容", max_length=500, widget=forms.Textarea(attrs={"rows": 3}), min_length=4
    )
    photo = forms.ImageField(label="照片（可选）", required=False)
