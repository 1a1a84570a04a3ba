from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from xianfeng.common import records
from xianfeng.common.storage import private_storage
from xianfeng.people.enums import (
    ApplicantStage,
    Education,
    Gender,
    ImportStatus,
    MemberStatus,
    StatusChangeKind,
)
from xianfeng.people.idcard import mask_id, mask_phone

# The record kind of the 支部党员大会 that voted on a 发展对象 (registered by meetings).
ASSEMBLY_RECORD = "meetings.assembly"

phone_validator = RegexValidator(r"^1[3-9]\d{9}$", _("请输入 11 位手机号"))
username_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_.-]{2,63}$",
    _("用户名以字母开头，3–64 位字母、数字、下划线、点或短横线"),
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("name", username)
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: a party member (with a Member record) or a resident (群众)."""

    username = models.CharField(
        _("用户名"), max_length=64, unique=True, validators=[username_validator]
    )
    phone = models.CharField(
        _("手机号"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[phone_validator],
    )
    name = models.CharField(_("姓名"), max_length=50)
    # Where notifications are e-mailed (notify); not unique: a family may share one.
    email = models.EmailField(_("邮箱"), blank=True, default="")
    # 大字模式: larger text and touch targets, the person's choice (a device may differ:
    # the `xf_text` cookie, see people/display.py).
    large_text = models.BooleanField(_("大字模式"), default=False, db_default=False)
    home_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在村社区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
        help_text=_("群众自行注册时选择的村或社区"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可进入后台"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    # Bumped (with F()) whenever someone else changes this login (password, phone,
    # deactivation): it is part of the session auth hash, so every session of the account,
    # in the database or in Redis, stops working at its next request.
    login_epoch = models.PositiveIntegerField(_("登录版本"), default=0, editable=False)
    # Bumped (with F(), in the same transaction) whenever the person's member record, roles
    # or the orgs those point at change: the key under which every web process keeps the
    # person's identity between requests (common/memo.py), so a change takes effect on
    # the next request everywhere.
    access_version = models.PositiveIntegerField(
        _("身份版本"), default=0, db_default=0, editable=False
    )

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone or "")

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's hash of the password, plus the login epoch once it has been bumped
        (epoch 0 keeps Django's own value, so existing sessions survive the upgrade)."""
        if not self.login_epoch:
            return str(super()._get_session_auth_hash(secret=secret))  # type: ignore[misc]
        key_salt = "xianfeng.people.User.get_session_auth_hash"
        value = f"{self.password}:{self.login_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class RosterImport(models.Model):
    """One uploaded roster workbook: previewed, then committed as a batch, maybe rolled back."""

    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("导入到"),
        on_delete=models.PROTECT,
        related_name="roster_imports",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", storage=private_storage)
    filename = models.CharField(_("文件名"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    created_count = models.PositiveIntegerField(_("已导入人数"), default=0)
    updated_count = models.PositiveIntegerField(_("更新人数"), default=0)
    attached_count = models.PositiveIntegerField(_("关联账号人数"), default=0)
    # What the preview found: rows to update with their changed fields, rows to attach.
    plan = models.JSONField(_("导入计划"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def error_count(self) -> int:
        return len(self.errors)


class Member(models.Model):
    """A party member's registry record (党员信息); the profile of a User."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="member",
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    group = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("党小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_members",
    )
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, null=True, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    confirmed_on = models.DateField(_("转正日期"), null=True, blank=True)
    status = models.CharField(
        _("党员类别"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    # Since when the member belongs to `org` (None: since before the records); earlier
    # branches are MemberPeriod rows. Changed only by people/services/history.py.
    org_since = models.DateField(_("转入本组织日期"), null=True, blank=True)
    # The day the member left the roll (停止党籍, 出党, 去世): not counted from that day on.
    left_on = models.DateField(_("离开党员队伍日期"), null=True, blank=True)
    # End of the probation year (one year after joined_on unless extended, 延长预备期).
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True)
    # The probation end the branch was last reminded of (one reminder per end date).
    probation_reminded_for = models.DateField(_("已提醒的期满日期"), null=True, blank=True)
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    mobile_place = models.CharField(_("流动去向"), max_length=100, blank=True)
    position = models.CharField(_("党内职务"), max_length=50, blank=True)
    import_batch = models.ForeignKey(
        RosterImport,
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(id_number__isnull=False),
                name="member_id_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["org", "status"], name="member_org_status_idx")]

    def __str__(self) -> str:
        return self.user.name

    @property
    def masked_id_number(self) -> str:
        return mask_id(self.id_number or "")


class RosterChange(models.Model):
    """What a committed roster batch did to one person, so a rollback can undo exactly it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("新建")
        UPDATED = "updated", _("更新")
        ATTACHED = "attached", _("关联已有账号")

    batch = models.ForeignKey(
        RosterImport, verbose_name=_("导入批次"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    row = models.PositiveIntegerField(_("行号"), default=0)
    # {field: value} before and after the batch (JSON: dates as ISO text, orgs as ids).
    before = models.JSONField(_("原值"), default=dict, blank=True)
    after = models.JSONField(_("新值"), default=dict, blank=True)

    class Meta:
        verbose_name = _("名册导入变更")
        verbose_name_plural = _("名册导入变更")
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.get_kind_display()} {self.user_id}"


class MemberPeriod(models.Model):
    """A closed stretch of a member's belonging to an org: [started_on, ended_on).

    The current stretch is Member.org since Member.org_since; when the member moves (a
    transfer, a correction of the org) the current stretch is closed here."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="periods"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党员所在组织期间")
        verbose_name_plural = _("党员所在组织期间")
        ordering = ["member", "ended_on", "id"]
        indexes = [models.Index(fields=["org", "ended_on"], name="member_period_org_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.org_id} {self.started_on}–{self.ended_on}"


class StatusChange(models.Model):
    """One change of a member's standing (转正, 延长预备期, 停止党籍, 出党, 去世, 恢复党籍) with
    its date and the decision behind it: the status history."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="status_changes"
    )
    kind = models.CharField(_("变动类别"), max_length=16, choices=StatusChangeKind.choices)
    from_status = models.CharField(_("原类别"), max_length=16, choices=MemberStatus.choices)
    to_status = models.CharField(_("新类别"), max_length=16, choices=MemberStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    # 支部大会讨论日期 (转正, 延长预备期), 上级党委批准日期.
    meeting_on = models.DateField(_("支部大会日期"), null=True, blank=True)
    approved_on = models.DateField(_("上级批准日期"), null=True, blank=True)
    decision = models.CharField(_("决定或文号"), max_length=200, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    # For 延长预备期: the new end of the probation.
    new_end = models.DateField(_("延长至"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党籍变动")
        verbose_name_plural = _("党籍变动")
        ordering = ["member", "effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_kind_display()} {self.effective_on}"


class ApiToken(models.Model):
    """A bearer token for the mobile and mini-program clients; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    label = models.CharField(_("设备"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"))

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.label}"


class MonthlyUse(models.Model):
    """That a person used 先锋 in a month, through the web or the mobile client: one row per
    person, month and channel, written the first time in the month (a login lasts weeks, so
    the last login alone cannot say who was active in a month that is over)."""

    class Via(models.TextChoices):
        WEB = "web", _("网页")
        APP = "app", _("手机客户端")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(_("月份"))  # the 1st
    via = models.CharField(_("方式"), max_length=3, choices=Via.choices)
    first_at = models.DateTimeField(_("本月首次使用"))

    class Meta:
        verbose_name = _("月度使用")
        verbose_name_plural = _("月度使用")
        constraints = [
            models.UniqueConstraint(fields=["month", "user", "via"], name="monthly_use_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m} {self.via}"


class PasswordLink(models.Model):
    """A one-time link with which a person sets their own password; only its hash is kept.

    Valid once, until `expires_at`, and only while it is the person's newest link and no
    password was set since (a newer link or any password change voids it).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="password_links",
    )
    key_hash = models.CharField(_("链接摘要"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("设置密码链接")
        verbose_name_plural = _("设置密码链接")
        indexes = [models.Index(fields=["user", "-created_at"], name="password_link_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class Applicant(models.Model):
    """A person in the 发展党员 pipeline of a branch, with the date of every step.

    The stage changes only through people/services/pipeline.py (APPLICANT_MACHINE); the
    rules' minimum intervals are checked there."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="applicants"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    stage = models.CharField(
        _("阶段"), max_length=16, choices=ApplicantStage.choices, default=ApplicantStage.APPLIED
    )
    applied_on = models.DateField(_("递交入党申请书日期"))
    talked_on = models.DateField(_("谈话日期"), null=True, blank=True)
    activist_on = models.DateField(_("确定为积极分子日期"), null=True, blank=True)
    # 培养联系人 (two full members, by name as the branch writes them).
    contacts = models.CharField(_("培养联系人"), max_length=100, blank=True)
    activist_training_on = models.DateField(_("入党积极分子培训结业日期"), null=True, blank=True)
    candidate_on = models.DateField(_("确定为发展对象日期"), null=True, blank=True)
    reviewed_on = models.DateField(_("政治审查日期"), null=True, blank=True)
    training_on = models.DateField(_("发展对象集中培训结业日期"), null=True, blank=True)
    publicity_from = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_to = models.DateField(_("公示结束"), null=True, blank=True)
    meeting_on = models.DateField(_("支部大会讨论日期"), null=True, blank=True)
    # The 支部党员大会 that voted, in the meetings ledger (common/records kind
    # "meetings.assembly"; people stands below meetings, so an id, not a foreign key).
    # None for a vote before the ledger was kept here: then only its date is known.
    meeting_record = models.PositiveBigIntegerField(_("支部大会记录"), null=True, blank=True)
    approved_on = models.DateField(_("上级党委审批日期"), null=True, blank=True)
    oath_on = models.DateField(_("入党宣誓日期"), null=True, blank=True)
    dropped_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    member = models.OneToOneField(
        Member, verbose_name=_("党员档案"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="application",
    )  # fmt: skip
    # The reminder last sent (step and due date), so each is sent once.
    reminded_for = models.CharField(_("已提醒"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("发展党员")
        verbose_name_plural = _("发展党员")
        ordering = ["org", "applied_on", "id"]
        indexes = [models.Index(fields=["org", "stage"], name="applicant_org_stage_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_stage_display()}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def meeting_url(self) -> str:
        """The page of the 支部党员大会 that voted (meetings checks who may open it)."""
        kind = records.get(ASSEMBLY_RECORD)
        return kind.url(self.meeting_record) if kind is not None and self.meeting_record else ""


class ApplicantNote(models.Model):
    """A 考察 note on an activist or candidate (the branch writes one each quarter)."""

    applicant = models.ForeignKey(
        Applicant, verbose_name=_("发展党员"), on_delete=models.CASCADE, related_name="notes"
    )
    on = models.DateField(_("考察日期"))
    text = models.CharField(_("考察情况"), max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("培养考察记录")
        verbose_name_plural = _("培养考察记录")
        ordering = ["applicant", "-on", "-id"]

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.on}"
