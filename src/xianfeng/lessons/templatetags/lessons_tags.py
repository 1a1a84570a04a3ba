from __future__ import annotations

from typing import Any

from django import template

from xianfeng.media.selectors import video_hls_url, video_mp4_url, video_poster_url

register = template.Library()


@register.filter
def duration(seconds: Any) -> str:
    """5:07 or 1:02:03."""
    try:
        total = round(float(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# Signed media URLs. The page's selector has already decided that the person may see the
# object; a lesson open to everyone gets cacheable URLs, anything else private ones.


@register.filter
def poster_url(video: Any) -> str:
    return video_poster_url(video)


@register.filter
def hls_url(video: Any) -> str:
    return video_hls_url(video)


@register.filter
def mp4_url(video: Any) -> str:
    return video_mp4_url(video)


@register.filter
def lesson_poster(lesson: Any) -> str:
    return video_poster_url(lesson.video, public=lesson.is_open_to_all)


@register.filter
def lesson_hls(lesson: Any) -> str:
    return video_hls_url(lesson.video, public=lesson.is_open_to_all)


@register.filter
def lesson_mp4(lesson: Any) -> str:
    return video_mp4_url(lesson.video, public=lesson.is_open_to_all)


@register.filter
def percent(value: Any, total: Any) -> int:
    try:
        return min(100, round(100 * float(value) / float(total))) if float(total) else 0
    except (TypeError, ValueError):
        return 0
