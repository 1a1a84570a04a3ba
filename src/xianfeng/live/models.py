from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.live.enums import LiveState
from xianfeng.media.models import new_storage_key
from xianfeng.moderation.models import ModeratedText


class LiveLesson(models.Model):
    """A 党课微直播: announced for a time and an audience, streamed from the speaker's phone
    in runs of chunks (a reconnect is a new run of the same live), watched as HLS."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="+"
    )
    # Who may watch: this org's subtree.
    audience = models.ForeignKey(
        "orgs.Org", verbose_name=_("观看范围"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=80)
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主讲人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scheduled_at = models.DateTimeField(_("预告时间"))
    state = models.CharField(
        _("状态"), max_length=16, choices=LiveState.choices, default=LiveState.SCHEDULED
    )
    # The folder of its HLS files under the media storage (random, like a video's).
    storage_key = models.CharField(
        _("存储目录"), max_length=32, unique=True, default=new_storage_key, editable=False
    )
    # Runs opened so far (1, 2, …); the current one is `run_count`. Chunks of a run are
    # numbered from 0 and appended in order; `next_seq` is what the current run expects.
    run_count = models.PositiveIntegerField(_("推流段数"), default=0)
    next_seq = models.PositiveIntegerField(_("下一块"), default=0)
    like_count = models.PositiveIntegerField(_("点赞数"), default=0)
    # Runs before this one were the speaker's tests (seen by the hosts only, never in the
    # recording); 0 while the live has not gone public.
    public_from_run = models.PositiveIntegerField(_("首个公开推流段"), default=0)
    # The audience is reminded this many minutes ahead, once (reminded_at).
    remind_minutes = models.PositiveSmallIntegerField(_("提前提醒（分钟）"), default=15)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    # RTMP ingest (OBS in a studio): the key the listener accepts and its port.
    stream_key = models.CharField(_("推流密钥"), max_length=40, blank=True, default="")
    rtmp_port = models.PositiveIntegerField(_("推流端口"), null=True, blank=True)
    started_at = models.DateTimeField(_("开播时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("回放微党课"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党课微直播")
        verbose_name_plural = _("党课微直播")
        ordering = ["-scheduled_at", "-id"]

    def __str__(self) -> str:
        return self.title


class LiveComment(ModeratedText):
    """A comment during a live: the word list holds it for review before anyone else sees
    it; the host may pin one or remove any."""

    live = models.ForeignKey(
        LiveLesson, verbose_name=_("直播"), on_delete=models.CASCADE, related_name="comments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(_("内容"), max_length=200)
    pinned = models.BooleanField(_("置顶"), default=False)
    removed = models.BooleanField(_("已移除"), default=False)

    class Meta:
        verbose_name = _("直播评论")
        verbose_name_plural = _("直播评论")
        ordering = ["id"]
        indexes = [models.Index(fields=["live", "id"], name="live_comment_idx")]

    def __str__(self) -> str:
        return self.text[:30]


class LiveLike(models.Model):
    """One like per person per live (a unique constraint; the count is an F() counter)."""

    live = models.ForeignKey(
        LiveLesson, verbose_name=_("直播"), on_delete=models.CASCADE, related_name="likes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("点赞人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("点赞时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("直播点赞")
        verbose_name_plural = _("直播点赞")
        constraints = [models.UniqueConstraint(fields=["live", "user"], name="live_like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.live_id}"


class LiveWatch(models.Model):
    """One person's watching of a live: the union of played sections on the live's own
    timeline (which is the recording's), credited to the recording's lesson afterwards."""

    live = models.ForeignKey(
        LiveLesson, verbose_name=_("直播"), on_delete=models.CASCADE, related_name="watches"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("观看人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    sections = models.JSONField(_("已看区间"), default=list)
    covered = models.FloatField(_("已看秒数"), default=0)
    reports = models.PositiveIntegerField(_("上报次数"), default=0)
    started_at = models.DateTimeField(_("开始观看"), auto_now_add=True)
    last_report_at = models.DateTimeField(_("最近上报"), null=True, blank=True)

    class Meta:
        verbose_name = _("直播观看")
        verbose_name_plural = _("直播观看")
        constraints = [
            models.UniqueConstraint(fields=["live", "user"], name="live_watch_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.live_id}"
