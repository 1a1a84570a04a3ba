"""Writes of the media app; import from here."""

from xianfeng.media.services.videos import video_create, video_retry, video_set_status

__all__ = ["video_create", "video_retry", "video_set_status"]

from xianfeng.media.services.uploads import (
    upload_append,
    upload_create,
    upload_finish,
    upload_terminate,
    uploads_expire,
)

__all__ += ["upload_append", "upload_create", "upload_finish", "upload_terminate", "uploads_expire"]
