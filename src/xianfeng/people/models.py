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

from xianfeng.common.storage import private_storage
from xianfeng.people.enums import Education, Gender, ImportStatus, MemberStatus
from xianfeng.people.idcard import mask_id, mask_phone

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
