"""What the paired TV may read: its own site's day, and only the lessons it is to show."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from xianfeng.lessons.models import Lesson
from xianfeng.media.selectors import video_hls_url, video_mp4_url, video_poster_url
from xianfeng.remote.bulletin import local_day_start
from xianfeng.remote.enums import ViewingState
from xianfeng.remote.models import Site, Viewing


def _lesson(lesson: Lesson) -> dict[str, Any]:
    # Shown to a room on the site's screen: signed like a member's private player (the
    # URLs expire; the TV asks again).
    video = lesson.video
    return {
        "id": lesson.pk,
        "title": lesson.title,
        "duration": getattr(video, "duration", None),
        "hls": video_hls_url(video),
        "mp4": video_mp4_url(video),
        "poster": video_poster_url(video),
    }


def tv_home(site: Site, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    start = local_day_start(today)
    end = local_day_start(today + datetime.timedelta(days=1))
    viewings = (
        Viewing.objects.filter(site=site)
        .filter(
            Q(state=ViewingState.OPEN)
            | Q(starts_at__gte=start, starts_at__lt=end, state=ViewingState.HELD)
        )
        .prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.select_related("video").order_by("pk"))
        )
        .order_by("starts_at")
    )
    return {
        "site": {"code": site.code, "name": site.name, "kind": site.kind},
        "now": now,
        "viewings": [
            {
                "id": v.pk,
                "title": v.title,
                "place": v.place,
                "starts_at": v.starts_at,
                "state": v.state,
                "lessons": [_lesson(lesson) for lesson in v.lessons.all()],
            }
            for v in viewings
        ],
    }
