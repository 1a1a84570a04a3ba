"""远程教育: terminal sites, their devices, the per-day fold of heartbeats, targets, viewings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.common.storage import private_storage
from xianfeng.remote.enums import (
    AudienceGroup,
    ImportState,
    JoinState,
    JoinVia,
    PackState,
    PlanState,
    SignInHow,
    SiteKind,
    Topic,
    ViewingState,
)

site_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
    _("站点编码只能包含字母、数字、下划线和短横线，最长 32 位"),
)


class Site(models.Model):
    """A 远程教育终端站点 (a PC or TV box with a big screen) run for an org."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属党组织"), on_delete=models.PROTECT, related_name="sites"
    )
    code = models.CharField(
        _("站点编码"), max_length=32, unique=True, validators=[site_code_validator]
    )
    name = models.CharField(_("站点名称"), max_length=100)
    kind = models.CharField(
        _("类型"), max_length=16, choices=SiteKind.choices, default=SiteKind.VILLAGE
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    equipment = models.CharField(_("设备"), max_length=200, blank=True)
    service_start = models.DateField(_("启用日期"), default=timezone.localdate)
    # The newest accepted beat's own time (a queued beat never moves it back).
    last_beat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    # When its admins were last told it had gone silent (once per silence).
    silence_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("远程教育站点")
        verbose_name_plural = _("远程教育站点")
        ordering = ["code"]
        indexes = [models.Index(fields=["org"], name="site_org_idx")]

    def __str__(self) -> str:
        return self.name


class SiteSuspension(models.Model):
    """A 停用 period (repairs, relocation): its days are left out of the site's figures."""

    site = models.ForeignKey(
        Site, verbose_name=_("站点"), on_delete=models.CASCADE, related_name="suspensions"
    )
    starts_on = models.DateField(_("停用开始"))
    ends_on = models.DateField(_("停用结束（含）"))
    reason = models.CharField(_("原因"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("站点停用期")
        verbose_name_plural = _("站点停用期")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="suspension_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.starts_on}–{self.ends_on}"


class SiteDay(models.Model):
    """One site's heartbeats on one local day, folded on arrival: which of the day's 288
    five-minute slots held a beat (five 60-bit words, so the fold is an integer OR on
    SQLite and PostgreSQL alike), how many distinct slots that is, and how many beats
    came. Nothing is kept per beat."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("日期"))
    w0 = models.BigIntegerField(default=0)
    w1 = models.BigIntegerField(default=0)
    w2 = models.BigIntegerField(default=0)
    w3 = models.BigIntegerField(default=0)
    w4 = models.BigIntegerField(default=0)
    slots = models.PositiveSmallIntegerField(_("运行时段数"), default=0)
    beats = models.PositiveIntegerField(_("心跳次数"), default=0)

    class Meta:
        verbose_name = _("站点日运行")
        verbose_name_plural = _("站点日运行")
        constraints = [models.UniqueConstraint(fields=["site", "day"], name="siteday_once")]
        indexes = [models.Index(fields=["day", "site"], name="siteday_day_idx")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} {self.slots}"


class DeviceToken(models.Model):
    """A paired TV box or PC: its bearer token (only the hash is kept), revocable."""

    site = models.ForeignKey(
        Site, verbose_name=_("站点"), on_delete=models.CASCADE, related_name="devices"
    )
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    label = models.CharField(_("设备名称"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("配对时间"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("站点设备")
        verbose_name_plural = _("站点设备")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.site} {self.label}"


class RemoteTarget(models.Model):
    """The monthly targets of the sites in an org's subtree (the nearest org up the tree
    with a row decides; DESIGN.md gives the defaults)."""

    org = models.OneToOneField("orgs.Org", on_delete=models.CASCADE, related_name="remote_target")
    min_viewings = models.PositiveSmallIntegerField(_("每月组织收看（次）"), default=2)
    min_hours = models.PositiveSmallIntegerField(_("每月运行（小时）"), default=20)
    boot_rate_pct = models.PositiveSmallIntegerField(
        _("开机率目标（%）"), default=95, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("远程教育目标")
        verbose_name_plural = _("远程教育目标")

    def __str__(self) -> str:
        return f"{self.org} {self.min_viewings}/{self.min_hours}/{self.boot_rate_pct}"


class ViewingPlan(models.Model):
    """A 收看计划 published by a county or town admin: which sites watch which lessons in a
    period, for which audience, by when. Each plan may come from the one before (the loop)."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("发布组织"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("计划名称"), max_length=200)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    audience = models.CharField(
        _("受众"), max_length=16, choices=AudienceGroup.choices, default=AudienceGroup.ALL
    )
    note = models.TextField(_("说明"), blank=True)
    lessons = models.ManyToManyField(
        "lessons.Lesson", verbose_name=_("课件"), related_name="viewing_plans"
    )
    sites = models.ManyToManyField(Site, verbose_name=_("站点"), related_name="plans")
    state = models.CharField(
        _("状态"), max_length=16, choices=PlanState.choices, default=PlanState.DRAFT
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一期计划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_plans",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("收看计划")
        verbose_name_plural = _("收看计划")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="plan_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Viewing(models.Model):
    """An organised viewing (组织收看) at a site: what was shown, to whom, who came."""

    site = models.ForeignKey(
        Site, verbose_name=_("站点"), on_delete=models.PROTECT, related_name="viewings"
    )
    plan = models.ForeignKey(
        ViewingPlan,
        verbose_name=_("收看计划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="viewings",
    )
    title = models.CharField(_("收看主题"), max_length=200)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    audience = models.CharField(
        _("受众"), max_length=16, choices=AudienceGroup.choices, default=AudienceGroup.ALL
    )
    lessons = models.ManyToManyField(
        "lessons.Lesson", verbose_name=_("课件"), related_name="viewings", blank=True
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ViewingState.choices, default=ViewingState.OPEN
    )
    residents = models.PositiveIntegerField(_("群众人数"), default=0)
    discussion = models.TextField(_("讨论交流"), blank=True)
    code_key = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织收看")
        verbose_name_plural = _("组织收看")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["site", "starts_at"], name="viewing_site_idx")]

    def __str__(self) -> str:
        return self.title


class PairingRequest(models.Model):
    """A TV asking to be paired (the device-code flow): it shows `user_code` and a QR, keeps
    the secret device code (only its hash is stored here), and polls; a site admin confirms
    the code on their phone, choosing the site; the TV's next poll receives its token once."""

    user_code = models.CharField(_("配对码"), max_length=16, unique=True)
    device_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE)
    label = models.CharField(_("设备名称"), max_length=100, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    device = models.OneToOneField(
        DeviceToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairing"
    )

    class Meta:
        verbose_name = _("配对请求")
        verbose_name_plural = _("配对请求")
        indexes = [models.Index(fields=["expires_at"], name="pairing_expiry_idx")]

    def __str__(self) -> str:
        return self.user_code


class ViewingAttendance(models.Model):
    """A person at a viewing: signed in with the QR code on their phone, or 代签 by the
    admin (elderly attendees without a phone), recorded as such."""

    viewing = models.ForeignKey(Viewing, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewing_attendance"
    )
    how = models.CharField(_("方式"), max_length=8, choices=SignInHow.choices)
    is_member = models.BooleanField(_("党员"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("签到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收看签到")
        verbose_name_plural = _("收看签到")
        constraints = [
            models.UniqueConstraint(fields=["viewing", "user"], name="viewing_sign_in_once")
        ]

    def __str__(self) -> str:
        return f"{self.viewing_id} {self.user_id}"


class Feedback(models.Model):
    """An attendee's 反馈意见 on a viewing: a 1–5 rating, a comment, what they want next;
    entered by themselves or 代录 by the admin. Once per person and viewing (changeable)."""

    viewing = models.ForeignKey(Viewing, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewing_feedback"
    )
    rating = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("意见建议"), blank=True)
    wanted = models.CharField(_("想看的内容"), max_length=16, choices=Topic.choices, blank=True)
    proxy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("反馈意见")
        verbose_name_plural = _("反馈意见")
        constraints = [
            models.UniqueConstraint(fields=["viewing", "user"], name="feedback_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.viewing_id} {self.user_id} {self.rating}"


class SiteImportBatch(models.Model):
    """An uploaded sites workbook between preview and commit: the file is kept (privately)
    so that the commit re-reads and re-checks exactly what was previewed, once."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("导入到"), on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件内容"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportState.choices, default=ImportState.PREVIEWED
    )
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    created_count = models.PositiveIntegerField(_("新建站点数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站点导入")
        verbose_name_plural = _("站点导入")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename


class ViewingPhoto(models.Model):
    """A photo of a viewing's 讨论交流, shrunk and re-encoded (common/images.py), private."""

    viewing = models.ForeignKey(Viewing, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("图片"), upload_to="remote/%Y/%m/", storage=private_storage)
    thumb = models.FileField(_("缩略图"), upload_to="remote/%Y/%m/", storage=private_storage)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("讨论照片")
        verbose_name_plural = _("讨论照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.viewing_id} {self.pk}"


class MenuOffer(models.Model):
    """One of a week's (at most 10) 点菜式 offers of a site, or of a town for all its sites:
    a lesson with a one-line pitch, ordered by members and residents until the deadline.
    When the site admin fixes the menu, a chosen offer gets its time and its viewing."""

    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.CASCADE, related_name="menu_offers"
    )
    org = models.ForeignKey(
        "orgs.Org", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField(_("周（周一）"))
    lesson = models.ForeignKey(
        "lessons.Lesson", verbose_name=_("课件"), on_delete=models.CASCADE, related_name="+"
    )
    pitch = models.CharField(_("推荐语"), max_length=100, blank=True)
    deadline = models.DateTimeField(_("点单截止"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("点单课件")
        verbose_name_plural = _("点单课件")
        ordering = ["week", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(site__isnull=False, org__isnull=True)
                | Q(site__isnull=True, org__isnull=False),
                name="menu_offer_site_or_town",
            ),
            models.UniqueConstraint(
                fields=["site", "week", "lesson"], name="menu_offer_once_per_site"
            ),
            models.UniqueConstraint(
                fields=["org", "week", "lesson"], name="menu_offer_once_per_org"
            ),
        ]
        indexes = [models.Index(fields=["week", "site"], name="menu_offer_week_idx")]

    def __str__(self) -> str:
        return self.pitch or str(self.lesson_id)


class MenuOrder(models.Model):
    """A person's order of an offer (once per person and offer), with their audience group."""

    offer = models.ForeignKey(MenuOffer, on_delete=models.CASCADE, related_name="orders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="menu_orders"
    )
    audience = models.CharField(
        _("人群"), max_length=16, choices=AudienceGroup.choices, default=AudienceGroup.ALL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("点单")
        verbose_name_plural = _("点单")
        constraints = [models.UniqueConstraint(fields=["offer", "user"], name="menu_order_once")]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.user_id}"


class MenuSlot(models.Model):
    """The fixed menu: an offer a site will show, when, for which audience; its viewing is
    the one carried out (started when the time comes)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="menu_slots")
    offer = models.ForeignKey(MenuOffer, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("收看时间"))
    audience = models.CharField(
        _("受众"), max_length=16, choices=AudienceGroup.choices, default=AudienceGroup.ALL
    )
    viewing = models.OneToOneField(
        Viewing, null=True, blank=True, on_delete=models.SET_NULL, related_name="menu_slot"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("本周菜单")
        verbose_name_plural = _("本周菜单")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["site", "offer"], name="menu_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.starts_at}"


class Festival(models.Model):
    """A day of a county's festival calendar for 户外示范点, with a suggested programme."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("节日"), max_length=50)
    month = models.PositiveSmallIntegerField(
        _("月"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("日"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    programme = models.CharField(_("推荐放映"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节日放映")
        verbose_name_plural = _("节日放映")
        ordering = ["month", "day", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["org", "month", "day", "name"], name="festival_once")
        ]

    def __str__(self) -> str:
        return f"{self.month}-{self.day} {self.name}"


class OfflinePack(models.Model):
    """An offline pack (离线包) of a published plan, or of a site's fixed menu of a week, for
    one site without a usable network: a zip with the lessons' MP4s, a player page that
    works from file://, the plan as text and a roll-call sheet (PDF), built by a task."""

    site = models.ForeignKey(
        Site, verbose_name=_("站点"), on_delete=models.CASCADE, related_name="offline_packs"
    )
    plan = models.ForeignKey(
        ViewingPlan,
        verbose_name=_("收看计划"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="offline_packs",
    )
    week = models.DateField(_("菜单周（周一）"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=PackState.choices, default=PackState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    failure_reason = models.CharField(_("失败原因"), max_length=300, blank=True)
    file = models.FileField(
        _("压缩包"), upload_to="remote/offline/%Y/%m/", storage=private_storage, blank=True
    )
    size = models.BigIntegerField(_("大小（字节）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    ready_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("离线包")
        verbose_name_plural = _("离线包")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, week__isnull=True)
                | Q(plan__isnull=True, week__isnull=False),
                name="offline_pack_plan_or_week",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.plan_id or self.week}"


class OfflineSlot(models.Model):
    """One viewing of an offline pack (a page of its roll-call sheet): the lesson, and the
    code its QR carries; the viewing its figures became once entered (at most one, so the
    same sheet entered twice counts once)."""

    pack = models.ForeignKey(OfflinePack, on_delete=models.CASCADE, related_name="slots")
    number = models.PositiveSmallIntegerField(_("序号"))
    lesson = models.ForeignKey(
        "lessons.Lesson", verbose_name=_("课件"), on_delete=models.CASCADE, related_name="+"
    )
    menu_slot = models.ForeignKey(
        MenuSlot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(_("安排时间"), null=True, blank=True)
    code = models.CharField(_("录入码"), max_length=16, unique=True)
    viewing = models.OneToOneField(
        Viewing, null=True, blank=True, on_delete=models.SET_NULL, related_name="offline_slot"
    )
    recorded_at = models.DateTimeField(_("录入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("离线收看场次")
        verbose_name_plural = _("离线收看场次")
        ordering = ["pack", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "number"], name="offline_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.pack_id}#{self.number}"


class HouseholdMember(models.Model):
    """A member living in the household an 入户终端 (a site of kind household) is paired
    to. Watching on that TV credits only the household's members who confirm it on their
    own phone; a person lives in one household."""

    site = models.ForeignKey(
        Site, verbose_name=_("入户终端"), on_delete=models.CASCADE, related_name="household"
    )
    member = models.OneToOneField(
        "people.Member",
        verbose_name=_("党员"),
        on_delete=models.CASCADE,
        related_name="household",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入户终端家庭成员")
        verbose_name_plural = _("入户终端家庭成员")
        ordering = ["site", "added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.site_id} {self.member_id}"


class HouseholdJoinRequest(models.Model):
    """A member asking, from their own phone, to be registered in the household of an
    入户终端. Only the site admin decides (the household's viewings become visible to its
    members); a member has at most one request waiting at a time."""

    site = models.ForeignKey(
        Site, verbose_name=_("入户终端"), on_delete=models.CASCADE, related_name="join_requests"
    )
    member = models.ForeignKey(
        "people.Member",
        verbose_name=_("党员"),
        on_delete=models.CASCADE,
        related_name="household_requests",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=JoinState.choices, default=JoinState.PENDING
    )
    via = models.CharField(_("申请方式"), max_length=8, choices=JoinVia.choices)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    # Why the site admin declined (told to the member); empty otherwise.
    reason = models.CharField(_("未同意的理由"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("入户终端加入申请")
        verbose_name_plural = _("入户终端加入申请")
        ordering = ["created_at", "pk"]
        constraints = [
            # A double submit (or two tabs) makes one request, whatever the race.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state="pending"),
                name="household_join_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["site", "state"], name="household_join_site_idx")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.member_id} {self.state}"
