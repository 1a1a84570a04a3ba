from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.storage import private_storage
from xianfeng.media.enums import UploadStatus, VideoStatus


def new_storage_key() -> str:
    """A random folder name for a video's files: 128 bits, so paths cannot be walked."""
    return secrets.token_urlsafe(16)


class Video(models.Model):
    """A media file (a phone video, an audio lesson, a folder's courseware) and what is
    made from it: an HLS ladder, a progressive MP4 and a poster."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="videos",
    )
    source = models.FileField(
        _("原始文件"), upload_to="sources/%Y/%m/", storage=private_storage, max_length=300
    )
    original_name = models.CharField(_("原文件名"), max_length=255)
    # What it belongs to (see media/targets.py): a registered kind and that object's id.
    target_kind = models.CharField(_("用途"), max_length=32, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=VideoStatus.choices,
        default=VideoStatus.UPLOADED,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    failure_reason = models.CharField(_("失败原因"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0)
    # What the probe found.
    size = models.BigIntegerField(_("文件大小"), default=0)
    container = models.CharField(_("封装格式"), max_length=50, blank=True)
    video_codec = models.CharField(_("视频编码"), max_length=30, blank=True)
    audio_codec = models.CharField(_("音频编码"), max_length=30, blank=True)
    width = models.PositiveIntegerField(_("显示宽度"), default=0)
    height = models.PositiveIntegerField(_("显示高度"), default=0)
    rotation = models.SmallIntegerField(_("旋转角度"), default=0)
    fps = models.FloatField(_("帧率"), default=0)
    duration = models.FloatField(_("时长（秒）"), default=0)
    is_audio_only = models.BooleanField(_("仅音频"), default=False)
    # The folder of what the transcode makes: videos/<storage_key>/<attempt>/ in the media
    # storage. Random for every video since the media became private (older videos keep
    # their id as the key); the files are served only through signed URLs (delivery.py).
    storage_key = models.CharField(
        _("存储目录"), max_length=32, unique=True, default=new_storage_key, editable=False
    )
    # What the transcode made: names in the media storage (private; see delivery.py).
    output_dir = models.CharField(_("输出目录"), max_length=200, blank=True)
    hls_master = models.CharField(_("HLS 主播放列表"), max_length=300, blank=True)
    mp4 = models.CharField(_("MP4 文件"), max_length=300, blank=True)
    poster = models.CharField(_("封面"), max_length=300, blank=True)
    renditions = models.JSONField(_("清晰度"), default=list, blank=True)
    playable_at = models.DateTimeField(_("可开始播放时间"), null=True, blank=True)
    ready_at = models.DateTimeField(_("处理完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("音视频")
        verbose_name_plural = _("音视频")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_playable(self) -> bool:
        """True once the first 360p segments are published (possibly still transcoding)."""
        return self.playable_at is not None and self.status in (
            VideoStatus.TRANSCODING,
            VideoStatus.READY,
        )


class Upload(models.Model):
    """A resumable upload (tus 1.0) in progress; when complete it becomes a Video."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.CASCADE,
        related_name="uploads",
    )
    length = models.BigIntegerField(_("总字节数"))
    offset = models.BigIntegerField(_("已接收字节数"), default=0)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    filetype = models.CharField(_("文件类型"), max_length=100, blank=True)
    metadata = models.JSONField(_("元数据"), default=dict, blank=True)
    # What the finished file is for: a registered target kind ("lesson") and its id.
    target_kind = models.CharField(_("用途"), max_length=32)
    target_id = models.CharField(_("对象编号"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=16, choices=UploadStatus.choices, default=UploadStatus.RECEIVING
    )
    video = models.OneToOneField(
        Video,
        verbose_name=_("音视频"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="upload",
    )
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最近接收"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("断点续传")
        verbose_name_plural = _("断点续传")

    def __str__(self) -> str:
        return f"{self.filename} {self.offset}/{self.length}"
