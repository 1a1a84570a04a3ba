"""Reads of media: where a video's files are served from."""

from __future__ import annotations

from django.core.files.storage import default_storage

from xianfeng.media.models import Video


def media_url(name: str) -> str:
    """The public URL of a file in the media storage (a CDN domain when configured)."""
    return default_storage.url(name) if name else ""


def video_poster_url(video: Video | None) -> str:
    return media_url(video.poster) if video is not None else ""


def video_hls_url(video: Video | None) -> str:
    if video is None or not video.is_playable:
        return ""
    return media_url(video.hls_master)


def video_mp4_url(video: Video | None) -> str:
    if video is None or not video.mp4:
        return ""
    return media_url(video.mp4)
