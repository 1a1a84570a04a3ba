"""Reads of media: the signed URLs a page hands to a person allowed to see the video.

Callers decide visibility first (the lesson's, entry's or meeting's selector) and say
whether the object is published to everyone (`public`: cacheable by a CDN)."""

from __future__ import annotations

from xianfeng.media.delivery import signed_url
from xianfeng.media.models import Video


def video_poster_url(video: Video | None, *, public: bool = False) -> str:
    return signed_url(video.poster, public=public) if video is not None else ""


def video_hls_url(video: Video | None, *, public: bool = False) -> str:
    if video is None or not video.is_playable:
        return ""
    return signed_url(video.hls_master, public=public)


def video_mp4_url(video: Video | None, *, public: bool = False) -> str:
    if video is None or not video.mp4:
        return ""
    return signed_url(video.mp4, public=public)
