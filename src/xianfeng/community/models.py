"""五微社区: micro-wishes (微心愿) and the campaigns that collect them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.common.storage import private_storage
from xianfeng.community.enums import ClaimEnd, PhotoKind, WishCategory, WishState

User = settings.AUTH_USER_MODEL


class WishCampaign(models.Model):
    """A 点亮微心愿 campaign: a county or town collects wishes for a period, toward a target."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("发起组织"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("活动名称"), max_length=60)
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    target = models.PositiveIntegerField(_("目标心愿数"), default=0)
    # The orgs whose wishes it collects (their subtrees); none: the launching org's subtree.
    covers = models.ManyToManyField(
        "orgs.Org", verbose_name=_("覆盖组织"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微心愿活动")
        verbose_name_plural = _("微心愿活动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Wish(models.Model):
    """A resident's micro-wish: reviewed, claimed, fulfilled with a photo, confirmed."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所在村社区"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        WishCampaign,
        verbose_name=_("所属活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wishes",
    )
    category = models.CharField(_("类别"), max_length=16, choices=WishCategory.choices)
    title = models.CharField(_("心愿"), max_length=60)
    detail = models.TextField(_("详细说明"), blank=True, max_length=500)
    value_yuan = models.PositiveIntegerField(_("估计价值（元）"), default=0)
    # What the public sees instead of the name: "张阿姨", "李**".
    public_name = models.CharField(_("公开称呼"), max_length=20)
    # The person whose wish it is, when they have an account; a wish entered for someone
    # without a phone (代录) has none and is confirmed by the one who entered it.
    wisher = models.ForeignKey(
        User,
        verbose_name=_("心愿人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_by = models.ForeignKey(
        User, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField(_("代录"), default=False)
    state = models.CharField(
        _("状态"), max_length=12, choices=WishState.choices, default=WishState.PENDING
    )
    # Sensitive words the list found when it was posted, for the reviewer.
    flagged_words = models.JSONField(_("敏感词"), default=list, blank=True)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    claimer = models.ForeignKey(
        User,
        verbose_name=_("认领人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimer_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("认领组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("须在此前实现"), null=True, blank=True)
    done_at = models.DateTimeField(_("报告实现时间"), null=True, blank=True)
    done_note = models.CharField(_("实现情况"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    thanks_note = models.CharField(_("感谢的话"), max_length=300, blank=True)
    dispute_note = models.CharField(_("异议"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "org"], name="wish_state_org_idx"),
            models.Index(fields=["campaign", "state"], name="wish_campaign_state_idx"),
            models.Index(fields=["claimer", "state"], name="wish_claimer_state_idx"),
            models.Index(fields=["state", "due_at"], name="wish_state_due_idx"),
        ]
        constraints = [
            # A wish being worked on, or done, names who claimed it; no other does.
            models.CheckConstraint(
                condition=(
                    Q(
                        state__in=["claimed", "confirming", "fulfilled"],
                        claimer__isnull=False,
                        claimed_at__isnull=False,
                    )
                    | (
                        ~Q(state__in=["claimed", "confirming", "fulfilled"])
                        & Q(claimer__isnull=True, claimer_org__isnull=True)
                    )
                ),
                name="wish_claimer_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class WishContact(models.Model):
    """How to reach the wisher: seen only by the wisher, the one who entered it, the
    community's officers and the current claimer; never on a public page or export."""

    wish = models.OneToOneField(
        Wish, verbose_name=_("微心愿"), on_delete=models.CASCADE, related_name="contact"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("心愿人联系方式")
        verbose_name_plural = _("心愿人联系方式")

    def __str__(self) -> str:
        return self.name


class WishClaim(models.Model):
    """One claim of a wish, kept after it ends: who, for which org, how it ended."""

    wish = models.ForeignKey(
        Wish, verbose_name=_("微心愿"), on_delete=models.CASCADE, related_name="claims"
    )
    claimer = models.ForeignKey(
        User, verbose_name=_("认领人"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("认领组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("认领时间"))
    due_at = models.DateTimeField(_("期限"))
    active = models.BooleanField(_("进行中"), default=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end = models.CharField(_("结果"), max_length=12, choices=ClaimEnd.choices, blank=True)

    class Meta:
        verbose_name = _("认领记录")
        verbose_name_plural = _("认领记录")
        ordering = ["-claimed_at", "-id"]
        constraints = [
            # One claim at a time per wish, whatever two requests race to do.
            models.UniqueConstraint(
                fields=["wish"], condition=Q(active=True), name="wish_one_active_claim"
            ),
        ]
        indexes = [models.Index(fields=["claimer", "active"], name="wishclaim_claimer_idx")]

    def __str__(self) -> str:
        return f"{self.wish} · {self.claimer}"


class WishPhoto(models.Model):
    """A photo of the wish or of its fulfilment: shrunk, EXIF dropped, kept private."""

    wish = models.ForeignKey(
        Wish, verbose_name=_("微心愿"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("类别"), max_length=8, choices=PhotoKind.choices)
    image = models.FileField(_("图片"), upload_to="wishes/%Y/%m/", storage=private_storage)
    thumb = models.FileField(_("缩略图"), upload_to="wishes/%Y/%m/", storage=private_storage)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微心愿照片")
        verbose_name_plural = _("微心愿照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"
