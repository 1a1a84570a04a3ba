from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """One state change made by a service: who, what, when, on which object, with what data."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所属组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # A domain event rides on its audit row (a transactional outbox): written in the same
    # transaction as the change, handed to subscribers after the commit (audit/events.py).
    event = models.CharField(_("领域事件"), max_length=64, blank=True, default="")
    dispatched_at = models.DateTimeField(_("分发时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The sweep looks for events no dispatcher has handled yet.
            models.Index(
                fields=["created_at"],
                name="audit_undispatched_idx",
                condition=models.Q(dispatched_at__isnull=True) & ~models.Q(event=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待处理")
    DONE = "done", _("已处理")
    FAILED = "failed", _("失败，将重试")
    DEAD = "dead", _("失败，已放弃")


class EventDelivery(models.Model):
    """One subscriber's handling of one event: at most one row per pair, so a handler is
    run again only after it failed (or on an explicit replay)."""

    event = models.ForeignKey(
        AuditLog, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.CharField(_("订阅者"), max_length=64)
    state = models.CharField(
        _("状态"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次重试"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事件投递")
        verbose_name_plural = _("事件投递")
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="event_delivery_once")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="event_delivery_retry_idx")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscriber}: {self.state}"
