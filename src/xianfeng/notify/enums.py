from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Ways a notification reaches a person. In-app always; the others by choice, within
    what the person's org allows."""

    INAPP = "inapp", _("站内")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信公众号")
    WECOM = "wecom", _("企业微信群")
    DINGTALK = "dingtalk", _("钉钉群")


# Channels that go out through a provider, one Delivery row each.
EXTERNAL = (Channel.EMAIL, Channel.SMS, Channel.WECHAT, Channel.WECOM, Channel.DINGTALK)
# Group robots post once into an org's work group and @-mention the people (by phone).
GROUP_ROBOTS = frozenset({Channel.WECOM, Channel.DINGTALK})


class Priority(models.TextChoices):
    NORMAL = "normal", _("普通")
    # Urgent: sent at once, through quiet hours and past the daily digest.
    HIGH = "high", _("紧急")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("未送达")
    # Read in the app before it went out: not sent at all.
    READ = "read", _("已读，未再发送")


class Allow(models.TextChoices):
    """An org's word on a channel; INHERIT takes the word of the org above."""

    INHERIT = "", _("同上级")
    ON = "on", _("允许")
    OFF = "off", _("不允许")
