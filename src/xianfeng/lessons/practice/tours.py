"""巡讲: tours, their stops, the audience's feedback from a QR code (services and reads)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice.enums import LectureKind
from xianfeng.lessons.practice.models import LessonVersion, Tour, TourFeedback, TourStop
from xianfeng.lessons.practice.rules import PRACTICE_ROLES, can_run_practice
from xianfeng.lessons.practice.services import lecture_record, lecture_withdraw
from xianfeng.media.models import Video
from xianfeng.moderation.enums import TextStatus
from xianfeng.moderation.services import text_status_for
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import scope_q
from xianfeng.people.models import Member, User

OPINION_MAX_CHARS = 500


# --- reads -------------------------------------------------------------------------------


def tours_visible_to(user: Any) -> QuerySet[Tour]:
    """Officers over the organising org or over a stop's host org, and the speaker."""
    if not getattr(user, "is_authenticated", False):
        return Tour.objects.none()
    if user.is_superuser:
        return Tour.objects.all()
    hosted = TourStop.objects.filter(scope_q(user, PRACTICE_ROLES, field="host_org__path"))
    return Tour.objects.filter(
        scope_q(user, PRACTICE_ROLES, field="org__path")
        | Q(speaker__user_id=user.pk)
        | Q(pk__in=hosted.values("tour_id"))
    )


def get_tour_for_user(user: Any, pk: int) -> Tour:
    tour = (
        tours_visible_to(user)
        .select_related("org", "speaker__user", "lesson")
        .filter(pk=pk)
        .first()
    )
    if tour is None:
        raise Http404("找不到该巡讲")
    return tour


def may_read_feedback(user: Any, tour: Tour) -> bool:
    """The speaker (to improve the lesson) and the organisers."""
    return tour.speaker.user_id == getattr(user, "pk", None) or can_run_practice(user, tour.org)


def tour_stops(tour: Tour) -> list[TourStop]:
    return list(
        TourStop.objects.filter(tour=tour)
        .select_related("host_org", "version")
        .order_by("held_on", "id")
    )


def lesson_versions(lesson: Lesson | None) -> list[LessonVersion]:
    """The lesson's 打磨 versions, first to last."""
    if lesson is None:
        return []
    return list(LessonVersion.objects.filter(lesson=lesson).order_by("number"))


def feedback_by_version(tour: Tour) -> list[dict[str, Any]]:
    """For the speaker: per version of the lesson, the held stops that saw it, their
    audience, ratings and average (one query). Stops held before versions were recorded
    are under no version."""
    rows = (
        TourStop.objects.filter(tour=tour, held_at__isnull=False)
        .values("version_id", "version__number", "version__note")
        .annotate(
            stops=Count("id"),
            audience=Sum("audience_size"),
            ratings=Sum("rating_count"),
            total=Sum("rating_sum"),
        )
        .order_by(F("version__number").asc(nulls_first=True))
    )
    return [
        {
            "number": r["version__number"],
            "note": r["version__note"] or "",
            "stops": r["stops"],
            "audience": r["audience"] or 0,
            "ratings": r["ratings"] or 0,
            "average": round(r["total"] / r["ratings"], 1) if r["ratings"] else None,
        }
        for r in rows
    ]


def stop_feedback(tour: Tour) -> dict[int, list[TourFeedback]]:
    """Visible opinions by stop, newest first (one query)."""
    found: dict[int, list[TourFeedback]] = {}
    for fb in TourFeedback.objects.filter(stop__tour=tour, status=TextStatus.VISIBLE).order_by(
        "-created_at", "-id"
    ):
        found.setdefault(fb.stop_id, []).append(fb)
    return found


def get_stop_by_key(key: str) -> TourStop:
    stop = (
        TourStop.objects.select_related("tour__speaker__user", "tour__lesson", "host_org")
        .filter(feedback_key=key)
        .first()
    )
    if stop is None:
        raise Http404("找不到该巡讲场次")
    return stop


# --- writes ------------------------------------------------------------------------------


def tour_create(
    *, actor: User, org: Org, title: str, speaker: Member, lesson: Lesson | None = None
) -> Tour:
    """An org's officers send a speaker (with a lesson) on a tour."""
    if not can_run_practice(actor, org):
        raise PermissionDenied("只有组织的书记、委员或管理员可以安排巡讲")
    title = " ".join(clean_text(title, multiline=False).split())
    if is_blank(title):
        raise Refused("请填写巡讲名称", field="title")
    title = title[:80]
    with transaction.atomic():
        # A double click: the speaker's row is the lock, the first click's tour the answer.
        Member.objects.select_for_update().filter(pk=speaker.pk).first()
        same = Tour.objects.filter(org=org, title=title, speaker=speaker, lesson=lesson).first()
        if same is not None:
            return same
        tour = Tour.objects.create(
            org=org, title=title, speaker=speaker, lesson=lesson, created_by=actor
        )
        audit_log(actor=actor, action="tour.created", obj=tour, org=org)
    return tour


def tour_stop_add(
    *, actor: User, tour: Tour, held_on: datetime.date, venue: str, host_org: Org
) -> TourStop:
    if not can_run_practice(actor, tour.org):
        raise PermissionDenied("只有主办组织可以安排巡讲场次")
    venue = " ".join(clean_text(venue, multiline=False).split())
    if is_blank(venue):
        raise Refused("请填写地点", field="venue")
    with transaction.atomic():
        Tour.objects.select_for_update().filter(pk=tour.pk).first()  # one stop per double click
        stop, created = TourStop.objects.get_or_create(
            tour=tour, held_on=held_on, venue=venue[:100], defaults={"host_org": host_org}
        )
        if created:
            audit_log(actor=actor, action="tour.stop_added", obj=stop, org=tour.org)
    return stop


def lesson_version_record(*, lesson: Lesson, video: Video, note: str = "") -> LessonVersion:
    """Record a version (打磨) of a lesson's video: the next number, once per video (a second
    call with the same video answers the version it already is). The contests app calls it
    for each entry version; a tour records the lesson's own video as its first."""
    with transaction.atomic():
        # The lesson's row is the lock: two versions at once are numbered in turn.
        Lesson.objects.select_for_update().filter(pk=lesson.pk).first()
        same = LessonVersion.objects.filter(lesson=lesson, video=video).first()
        if same is not None:
            return same
        last = LessonVersion.objects.filter(lesson=lesson).aggregate(n=Max("number"))["n"]
        version = LessonVersion.objects.create(
            lesson=lesson, number=(last or 0) + 1, video=video, note=clean_text(note)[:200]
        )
        audit_log(
            actor=None,
            action="lesson.version",
            obj=lesson,
            org=lesson.org,
            data={"number": version.number, "video": video.pk},
        )
    return version


def _version_for(tour: Tour, version: LessonVersion | None) -> LessonVersion | None:
    """The version a stop's audience saw: the one named (of the tour's lesson), else the
    lesson's latest, else its own video as the first."""
    lesson = tour.lesson
    if lesson is None:
        if version is not None:
            raise Refused("这次巡讲没有关联微党课，不能选择版本", field="version")
        return None
    if version is not None:
        if version.lesson_id != lesson.pk:
            raise Refused("所选版本不属于本次巡讲的微党课", field="version")
        return version
    latest = LessonVersion.objects.filter(lesson=lesson).order_by("-number").first()
    if latest is None and lesson.video is not None:
        latest = lesson_version_record(lesson=lesson, video=lesson.video)
    return latest


def tour_stop_version(*, actor: User, stop: TourStop, version: LessonVersion) -> TourStop:
    """Correct which version a held stop's audience saw."""
    tour = stop.tour
    if not (can_run_practice(actor, tour.org) or can_run_practice(actor, stop.host_org)):
        raise PermissionDenied("只有主办或承办组织可以修改所讲版本")
    chosen = _version_for(tour, version)
    with transaction.atomic():
        TourStop.objects.filter(pk=stop.pk).update(version=chosen)
        stop.version = chosen
        audit_log(
            actor=actor,
            action="tour.stop_version",
            obj=stop,
            org=tour.org,
            data={"version": chosen.number if chosen else None},
        )
    return stop


def tour_stop_held(
    *,
    actor: User,
    stop: TourStop,
    audience_size: int,
    version: LessonVersion | None = None,
) -> TourStop:
    """The stop took place: its audience is recorded, the 打磨 version they saw (the one
    named, else the lesson's latest), and it counts as the speaker's lecture."""
    tour = stop.tour
    if not (can_run_practice(actor, tour.org) or can_run_practice(actor, stop.host_org)):
        raise PermissionDenied("只有主办或承办组织可以确认举办")
    if stop.held_on > timezone.localdate():
        raise Refused("场次还没到日期，不能确认举办")
    if not 0 < audience_size <= 100000:
        raise Refused("请填写听众人数", field="audience_size")
    with transaction.atomic():
        chosen = _version_for(tour, version)
        TourStop.objects.filter(pk=stop.pk).update(
            audience_size=audience_size,
            held_at=stop.held_at or timezone.now(),
            version=chosen,
        )
        stop.refresh_from_db()
        audit_log(
            actor=actor,
            action="tour.stop_held",
            obj=stop,
            org=tour.org,
            data={
                "audience_size": audience_size,
                "version": chosen.number if chosen else None,
            },
        )
        lecture_record(
            member_id=tour.speaker_id,
            kind=LectureKind.TOUR,
            source_id=stop.pk,
            title=tour.title,
            given_on=stop.held_on,
            org_id=stop.host_org_id,
        )
    return stop


def tour_stop_remove(*, actor: User, stop: TourStop) -> None:
    if not can_run_practice(actor, stop.tour.org):
        raise PermissionDenied("只有主办组织可以删除巡讲场次")
    with transaction.atomic():
        audit_log(actor=actor, action="tour.stop_removed", obj=stop, org=stop.tour.org)
        lecture_withdraw(kind=LectureKind.TOUR, source_id=stop.pk)
        stop.delete()


def tour_feedback_give(
    *, stop: TourStop, voter_key: str, rating: int, opinion: str = "", user: Any = None
) -> tuple[TourFeedback, bool]:
    """The audience's rating (1–5) and opinion from the stop's QR code, once per device;
    an opinion with a listed word waits for a 审核员 before the speaker sees it. Returns
    the feedback and whether it was new."""
    if not 1 <= rating <= 5:
        raise Refused("请选择 1 到 5 分", field="rating")
    if stop.held_on > timezone.localdate():
        raise Refused("巡讲还没开始，开讲后再来评价吧")
    opinion = clean_text(opinion).strip()
    if len(opinion) > OPINION_MAX_CHARS:
        raise Refused(f"意见最多 {OPINION_MAX_CHARS} 个字", field="opinion")
    key = f"u{user.pk}" if getattr(user, "is_authenticated", False) else voter_key[:64]
    if not key:
        raise Refused("请允许浏览器保存 Cookie 后再提交")
    with transaction.atomic():
        try:
            with transaction.atomic():
                fb = TourFeedback.objects.create(
                    stop=stop, voter_key=key, rating=rating, opinion=opinion
                )
        except IntegrityError:
            return TourFeedback.objects.get(stop=stop, voter_key=key), False
        if opinion:
            status = text_status_for(
                kind="lesson.tour_feedback",
                object_id=str(fb.pk),
                org=stop.host_org,
                author=user if getattr(user, "is_authenticated", False) else None,
                text=opinion,
            )
            if status != TextStatus.VISIBLE:
                TourFeedback.objects.filter(pk=fb.pk).update(status=status)
                fb.status = status
        TourStop.objects.filter(pk=stop.pk).update(
            rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + rating
        )
    return fb, True


def tour_feedback_decided(object_id: str, approved: bool) -> None:
    """A 审核员's decision on a held opinion."""
    TourFeedback.objects.filter(pk=object_id, status=TextStatus.HELD).update(
        status=TextStatus.VISIBLE if approved else TextStatus.REJECTED
    )
