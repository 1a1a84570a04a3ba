from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.moderation.enums import ReviewStatus, TextStatus


class ModeratedText(models.Model):
    """What every piece of user text that readers see has (reflections, comments, and the
    new apps' posts and wishes): a status the word list and a 审核员 decide. The service
    that saves it asks `moderation.services.text_status_for(...)` for the status."""

    status = models.CharField(
        _("状态"), max_length=16, choices=TextStatus.choices, default=TextStatus.VISIBLE
    )
    created_at = models.DateTimeField(_("发表时间"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_visible(self) -> bool:
        return self.status == TextStatus.VISIBLE


class SensitiveWord(models.Model):
    """A word that holds text for review instead of publishing it."""

    word = models.CharField(_("词语"), max_length=50, unique=True)
    category = models.CharField(_("类别"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class ReviewItem(models.Model):
    """Text held for a reviewer (审核员): which object, its text then, the words found."""

    kind = models.CharField(_("类型"), max_length=32)
    object_id = models.CharField(_("对象编号"), max_length=64)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所属组织"),
        on_delete=models.CASCADE,
        related_name="review_items",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("内容"))
    words = models.JSONField(_("命中词"), default=list)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.PENDING,
        db_index=True,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("审核意见"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核事项")
        verbose_name_plural = _("审核事项")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=models.Q(status=ReviewStatus.PENDING),
                name="review_one_pending_per_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
