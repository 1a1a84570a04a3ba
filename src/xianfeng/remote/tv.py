"""What the paired TV may read: its own site's day, and only the lessons it is to show."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from xianfeng.common import screens
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import showcase_lessons_for_org, showcases_for_org
from xianfeng.media.selectors import video_hls_url, video_mp4_url, video_poster_url
from xianfeng.remote.bulletin import local_day_start
from xianfeng.remote.enums import SiteKind, ViewingState
from xianfeng.remote.models import Site, Viewing, ViewingAttendance


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


def tv_home(
    site: Site, *, now: datetime.datetime | None = None, absolute: Any = None
) -> dict[str, Any]:
    """The TV's day: published plans of this site that run today (with their lessons), and
    today's viewings — an open one with its roll-call QR, a finished one with the QR for
    feedback. `absolute` turns a path into the address phones open."""
    from xianfeng.common.qr import qr_data_uri
    from xianfeng.remote.enums import PlanState
    from xianfeng.remote.models import ViewingPlan
    from xianfeng.remote.services import viewing_code

    now = now or timezone.now()
    absolute = absolute or (lambda path: path)
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
    plans = (
        ViewingPlan.objects.filter(
            sites=site, state=PlanState.PUBLISHED, starts_on__lte=today, ends_on__gte=today
        )
        .prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.select_related("video").order_by("pk"))
        )
        .order_by("ends_on", "pk")
    )

    def qr_of(v: Viewing) -> str:
        if v.state == ViewingState.OPEN:
            url = absolute(reverse("remote:checkin", args=[viewing_code(v, now=now)]))
        else:
            url = absolute(reverse("remote:feedback", args=[v.pk]))
        return qr_data_uri(url, box_size=6)

    shown = list(viewings)
    open_ids = [v.pk for v in shown if v.state == ViewingState.OPEN]
    roster: list[dict[str, Any]] = []
    family: list[dict[str, Any]] = []
    signed: dict[int, set[int]] = {}
    household = site.kind == SiteKind.HOUSEHOLD
    if household:
        # 入户终端: no roll call on the TV; it shows who of the household confirmed.
        from xianfeng.remote.selectors import household_of

        family = [
            {
                "id": h.member_id,
                "name": h.member.user.name or h.member.user.username,
                "user": h.member.user_id,
            }
            for h in household_of(site)
        ]
    if open_ids:
        # The names the TV's 点名 screen offers (those on the printed roll-call sheet), and
        # who of them is signed in already, in two queries whatever the number of viewings.
        from xianfeng.remote.services.offline import site_members

        roster = (
            []
            if household
            else [
                {"id": m.pk, "name": m.user.name or m.user.username, "user": m.user_id}
                for m in site_members(site)
            ]
        )
        for viewing_id, user_id in ViewingAttendance.objects.filter(
            viewing_id__in=open_ids
        ).values_list("viewing_id", "user_id"):
            signed.setdefault(viewing_id, set()).add(user_id)

    def roster_of(v: Viewing, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if v.state != ViewingState.OPEN:
            return []
        done = signed.get(v.pk, set())
        return [{"id": r["id"], "name": r["name"], "signed": r["user"] in done} for r in people]

    def label_of(v: Viewing) -> str:
        if v.state != ViewingState.OPEN:
            return "扫码反馈意见"
        return "家庭成员扫码确认收看" if household else "扫码签到"

    join = None
    if household:
        # 家庭成员扫码加入: the member scans it with their phone and asks the site admin.
        from xianfeng.remote.services import household_join_code

        token = household_join_code(site, now=now)
        join_url = absolute(reverse("remote:household_scan", args=[token]))
        join = {
            "qr": qr_data_uri(join_url, box_size=6),
            "code": site.code,
            "label": "家庭成员扫码加入",
            "hint": f"用手机扫码，或在“我家终端”页输入站点编码 {site.code}，申请加入本户",
            "empty": not family,
        }
    week = today - datetime.timedelta(days=today.weekday())
    return {
        "join": join,
        "screens": [dataclasses.asdict(item) for item in screens.items_for(site.org)],
        "site": {"code": site.code, "name": site.name, "kind": site.kind},
        "menu": tv_menu(site, week, now=now, absolute=absolute),
        "channels": tv_channels(site, today),
        "now": now,
        "plans": [
            {
                "id": p.pk,
                "title": p.title,
                "ends_on": p.ends_on,
                "lessons": [_lesson(lesson) for lesson in p.lessons.all()],
            }
            for p in plans
        ],
        "viewings": [
            {
                "id": v.pk,
                "title": v.title,
                "place": v.place,
                "starts_at": v.starts_at,
                "state": v.state,
                "qr": qr_of(v),
                "qr_label": label_of(v),
                "lessons": [_lesson(lesson) for lesson in v.lessons.all()],
                "roster": roster_of(v, roster),
                "household": roster_of(v, family),
            }
            for v in shown
        ],
    }


def tv_menu(
    site: Site, week: datetime.date, *, now: datetime.datetime, absolute: Any
) -> dict[str, Any]:
    """This week's 点菜式 menu on the TV: the fixed items with their times, else the offers
    as a public notice with the QR that opens the order page on a phone."""
    from xianfeng.common.qr import qr_data_uri
    from xianfeng.remote.models import MenuSlot
    from xianfeng.remote.selectors import menu_offers_for_site

    slots = list(
        MenuSlot.objects.filter(site=site, offer__week=week)
        .select_related("offer__lesson__video")
        .order_by("starts_at", "pk")
    )
    if slots:
        items = [
            {
                "title": s.offer.lesson.title,
                "pitch": s.offer.pitch,
                "starts_at": timezone.localtime(s.starts_at),
                "lesson": _lesson(s.offer.lesson),
            }
            for s in slots
        ]
    else:
        offers = menu_offers_for_site(site, week).select_related("lesson__video").order_by("pk")
        items = [
            {
                "title": o.lesson.title,
                "pitch": o.pitch,
                "starts_at": None,
                "lesson": _lesson(o.lesson),
            }
            for o in offers
        ]
    url = absolute(reverse("remote:menu") + f"?week={week.isoformat()}")
    return {
        "week": week,
        "fixed": bool(slots),
        "items": items,
        "qr": qr_data_uri(url, box_size=6) if items and not slots else None,
    }


def tv_plan(site: Site, plan_id: int) -> dict[str, Any]:
    """A published plan that includes the site, with its lessons (404 for any other)."""
    from django.http import Http404

    from xianfeng.remote.enums import PlanState
    from xianfeng.remote.models import ViewingPlan

    plan = (
        ViewingPlan.objects.filter(pk=plan_id, sites=site, state=PlanState.PUBLISHED)
        .prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.select_related("video").order_by("pk"))
        )
        .first()
    )
    if plan is None:
        raise Http404("找不到该收看计划")
    return {
        "id": plan.pk,
        "title": plan.title,
        "ends_on": plan.ends_on,
        "lessons": [_lesson(lesson) for lesson in plan.lessons.all()],
    }


# --- 展播 channels on the site's screen ---------------------------------------------------------

# More channels than this do not fit a row a remote scrolls through.
TV_MAX_CHANNELS = 20


def tv_channels(site: Site, today: datetime.date) -> list[dict[str, Any]]:
    """The 展播 channels on now that reach the site's org, newest first, with how many
    lessons the room may watch in each (the lessons come with `tv_channel`, signed when
    asked)."""
    shows = showcases_for_org(site.org, today).order_by("-created_at", "-id")[:TV_MAX_CHANNELS]
    return [
        {
            "id": show.pk,
            "title": show.title,
            "description": show.description,
            "count": getattr(show, "n", 0),
        }
        for show in shows
    ]


def tv_channel(site: Site, showcase_id: int) -> dict[str, Any]:
    """A channel that reaches the site's org (404 for any other), its playable lessons in
    the channel's order with their 第 N 期 and fresh signed URLs (the TV asks again before
    each lesson, so a screen left on for hours never holds an expired URL)."""
    show, lessons = showcase_lessons_for_org(site.org, showcase_id)
    return {
        "id": show.pk,
        "title": show.title,
        "description": show.description,
        "lessons": [
            {**_lesson(lesson), "issue_no": getattr(lesson, "issue_no", None)}
            for lesson in lessons
            if lesson.video is not None and lesson.video.is_playable
        ],
    }


def tv_viewing(site: Site, viewing_id: int) -> Viewing:
    """A viewing of the device's own site (404 for any other, as for plans)."""
    from django.http import Http404

    viewing = Viewing.objects.select_related("site__org").filter(pk=viewing_id, site=site).first()
    if viewing is None:
        raise Http404("找不到该次收看")
    return viewing
