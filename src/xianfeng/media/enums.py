from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine


class UploadStatus(models.TextChoices):
    RECEIVING = "receiving", _("上传中")
    COMPLETE = "complete", _("已上传")
    CANCELLED = "cancelled", _("已取消")


class VideoStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    PROBING = "probing", _("检查中")
    TRANSCODING = "transcoding", _("转码中")
    READY = "ready", _("可播放")
    FAILED = "failed", _("处理失败")


# The only moves a video's state may make (media.services.video_set_status checks them).
VIDEO_TRANSITIONS: dict[str, set[str]] = {
    VideoStatus.UPLOADED: {VideoStatus.PROBING, VideoStatus.FAILED},
    VideoStatus.PROBING: {VideoStatus.TRANSCODING, VideoStatus.FAILED, VideoStatus.PROBING},
    VideoStatus.TRANSCODING: {VideoStatus.READY, VideoStatus.FAILED, VideoStatus.PROBING},
    VideoStatus.FAILED: {VideoStatus.UPLOADED},  # retry
    VideoStatus.READY: {VideoStatus.UPLOADED},  # re-process (e.g. a new ladder)
}
# Events: video.ready, video.failed, video.uploaded (a retry); probing and transcoding
# are steps of the pipeline, not news. Saving the same status again updates its fields.
VIDEO_MACHINE = StateMachine(
    name="video",
    label="视频状态",
    states=VideoStatus,
    field="status",
    transitions=VIDEO_TRANSITIONS,
    allow_same=True,
    quiet=frozenset({VideoStatus.PROBING, VideoStatus.TRANSCODING}),
)
