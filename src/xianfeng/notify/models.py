from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.notify.enums import Allow, Channel, DeliveryState, Priority


class Batch(models.Model):
    """One sending: who told whom about what, so the sender can see the reach later."""

    kind = models.CharField(_("类别"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=120)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("发送组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What it is about ("meetings.meeting", "12"), so a page can find its latest notice.
    about_type = models.CharField(_("关于对象类型"), max_length=64, blank=True)
    about_id = models.CharField(_("关于对象编号"), max_length=64, blank=True)
    recipients = models.PositiveIntegerField(_("人数"), default=0)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发送批次")
        verbose_name_plural = _("发送批次")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["about_type", "about_id", "-id"], name="notify_batch_about_idx")
        ]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """A message to one person: a result published, a meeting notice, a reminder."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # "<app>.<event>", e.g. "contest.award", "meeting.planned" (notify/kinds.py).
    kind = models.CharField(_("类别"), max_length=40, blank=True)
    priority = models.CharField(
        _("优先级"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    batch = models.ForeignKey(
        Batch,
        verbose_name=_("发送批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notify_inbox_idx")]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One notification through one external channel: queued → sent or failed (retried
    with back-off), or read in the app first."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("通知"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    state = models.CharField(
        _("状态"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    # Waits for the person's daily digest instead of going alone.
    digest = models.BooleanField(_("每日汇总"), default=False)
    # Not before: now, the end of quiet hours, the digest hour or the next retry.
    due_at = models.DateTimeField(_("发送时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    external_id = models.CharField(_("平台消息编号"), max_length=120, blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("送达记录")
        verbose_name_plural = _("送达记录")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notify_delivery_once")
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="notify_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel}: {self.state}"


class Prefs(models.Model):
    """How a person wants to be told: channels per kind, quiet hours, a daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notify_prefs",
    )
    # {kind: [external channels]}; a kind not named here gets its registered defaults.
    channels = models.JSONField(_("各类通知的渠道"), default=dict, blank=True)
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    digest = models.BooleanField(_("每日汇总"), default=False)
    digest_hour = models.PositiveSmallIntegerField(_("汇总时间（时）"), default=20)
    # Bound by a 公众号 client after the person authorised it (OAuth gives the openid).
    wechat_openid = models.CharField(_("公众号 openid"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.user)


class OrgPolicy(models.Model):
    """What channels an org allows its people (inherited down the tree) and the webhooks
    of its work groups."""

    org = models.OneToOneField(
        "orgs.Org",
        verbose_name=_("党组织"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notify_policy",
    )
    email = models.CharField(_("邮件"), max_length=3, choices=Allow.choices, blank=True)
    sms = models.CharField(_("短信"), max_length=3, choices=Allow.choices, blank=True)
    wechat = models.CharField(_("微信公众号"), max_length=3, choices=Allow.choices, blank=True)
    wecom = models.CharField(_("企业微信群"), max_length=3, choices=Allow.choices, blank=True)
    dingtalk = models.CharField(_("钉钉群"), max_length=3, choices=Allow.choices, blank=True)
    # Only the keys are stored, never a whole URL: the server posts to the providers'
    # own addresses (settings), not wherever an admin points it.
    wecom_key = models.CharField(_("企业微信群机器人 key"), max_length=100, blank=True)
    dingtalk_token = models.CharField(_("钉钉群机器人 access_token"), max_length=100, blank=True)
    dingtalk_secret = models.CharField(_("钉钉群机器人加签密钥"), max_length=100, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("组织通知策略")
        verbose_name_plural = _("组织通知策略")

    def __str__(self) -> str:
        return str(self.org)
