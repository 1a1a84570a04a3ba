"""Models of the year-round practice; imported by `xianfeng.lessons.models`."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xianfeng.lessons.practice.enums import (
    LectureKind,
    RequestState,
    SlotStatus,
    SpeakerCategory,
)
from xianfeng.moderation.models import ModeratedText


class LessonRequest(models.Model):
    """A 点课: a member asks for a topic, others second it, someone takes and gives it."""

    # Whose members see and second it: the requester's branch, or an org above it (a town).
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("征集范围"), on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField(_("想听的课"), max_length=60)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("点课人"),
        on_delete=models.CASCADE,
        related_name="lesson_requests",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=RequestState.choices, default=RequestState.OPEN
    )
    # Seconds by others (the requester's own ask is not a vote); changed only with F().
    vote_count = models.PositiveIntegerField(_("附议人数"), default=0)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认领人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("开讲的微党课"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    given_at = models.DateTimeField(_("开讲时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("点课时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("点课")
        verbose_name_plural = _("点课")
        ordering = ["-vote_count", "-created_at", "-id"]
        indexes = [models.Index(fields=["org", "state", "-vote_count"], name="request_open_idx")]

    def __str__(self) -> str:
        return self.topic


class LessonRequestVote(models.Model):
    """One second (附议) per person per request: the database keeps it once."""

    request = models.ForeignKey(
        LessonRequest, verbose_name=_("点课"), on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("附议人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("附议时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        constraints = [
            models.UniqueConstraint(fields=["request", "user"], name="request_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.request_id}"


class LessonSpeaker(models.Model):
    """A co-speaker of a lesson beside its main speaker (the "1+1" pairing: a staff member
    and a student, a 书记 and a 先进典型). Each co-speaker's lecture is recorded when the
    lesson is published, so they count in "每人至少讲过一次" too."""

    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("微党课"),
        on_delete=models.CASCADE,
        related_name="co_speakers",
    )
    member = models.ForeignKey(
        "people.Member", verbose_name=_("联合主讲人"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(
        _("主讲人类别"),
        max_length=16,
        choices=SpeakerCategory.choices,
        default=SpeakerCategory.MEMBER,
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("添加人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)
    # The order the co-speakers are named in (the author or an officer sets it).
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("联合主讲")
        verbose_name_plural = _("联合主讲")
        ordering = ["lesson", "position", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["lesson", "member"], name="co_speaker_once")]

    def __str__(self) -> str:
        return f"{self.lesson_id} · {self.member_id}"


class Lecture(models.Model):
    """A time a member spoke (讲课记录): a published lesson they give, a 党课 meeting they
    spoke at (once approved), a tour stop. Filled from those sources, never typed in;
    the coverage of "每人至少讲过一次" and the rota's fulfilment are counted from it."""

    member = models.ForeignKey(
        "people.Member", verbose_name=_("主讲人"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("形式"), max_length=16, choices=LectureKind.choices)
    # The lesson's, meeting's or tour stop's id (a reference, not a key into another app).
    source_id = models.PositiveBigIntegerField(_("来源编号"))
    title = models.CharField(_("题目"), max_length=100)
    given_on = models.DateField(_("讲课日期"))
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("举办组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("讲课记录")
        verbose_name_plural = _("讲课记录")
        ordering = ["-given_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id", "member"], name="lecture_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["member", "given_on"], name="lecture_member_idx")]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_kind_display()}）"


class SpeakerRota(models.Model):
    """A branch's 轮番主讲 rota for a year: who speaks in which period."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("轮番主讲安排")
        verbose_name_plural = _("轮番主讲安排")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "title"], name="rota_title_once")
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.title}"


class RotaSlot(models.Model):
    """One turn on a rota: a speaker and the period (a month, or a meeting's date) they
    speak in. Fulfilled by the speaker's lecture (讲课记录) within the period; a period that
    ends without one is a missed turn, shown as such (and as 逾期补讲 if given later)."""

    rota = models.ForeignKey(
        SpeakerRota, verbose_name=_("轮番主讲"), on_delete=models.CASCADE, related_name="slots"
    )
    speaker = models.ForeignKey(
        "people.Member", verbose_name=_("主讲人"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(
        _("主讲人类别"),
        max_length=16,
        choices=SpeakerCategory.choices,
        default=SpeakerCategory.MEMBER,
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    topic = models.CharField(_("题目"), max_length=60, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    lecture = models.OneToOneField(
        Lecture,
        verbose_name=_("讲课记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rota_slot",
    )
    # A swap the speaker proposed with another slot; done when that slot's speaker agrees.
    swap_with = models.ForeignKey(
        "self",
        verbose_name=_("申请对调"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("主讲轮次")
        verbose_name_plural = _("主讲轮次")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="slot_dates")
        ]
        indexes = [models.Index(fields=["speaker", "starts_on"], name="slot_speaker_idx")]

    def __str__(self) -> str:
        return f"{self.rota} · {self.starts_on:%Y-%m-%d}"

    def status_on(self, today: datetime.date) -> str:
        lecture = self.lecture
        if lecture is not None:
            return SlotStatus.LATE if lecture.given_on > self.ends_on else SlotStatus.DONE
        return SlotStatus.MISSED if today > self.ends_on else SlotStatus.UPCOMING


class LessonVersion(models.Model):
    """A version of a lesson's video (打磨): the one it was first given with, then each
    improved one (a contest's new version, recorded here by the contest through the lessons
    service). A tour stop names the version its audience saw, so the speaker reads each
    audience's opinions against the version they are about."""

    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("微党课"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveSmallIntegerField(_("版本"))
    video = models.ForeignKey(
        "media.Video", verbose_name=_("视频"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("打磨版本")
        verbose_name_plural = _("打磨版本")
        ordering = ["lesson", "number"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "number"], name="lesson_version_number"),
            models.UniqueConstraint(fields=["lesson", "video"], name="lesson_version_video"),
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id} 第{self.number}版"


def _feedback_key() -> str:
    import secrets

    return secrets.token_urlsafe(12)


class Tour(models.Model):
    """A 巡讲: a selected speaker (and lesson) presented at grass-roots venues in turn."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("巡讲名称"), max_length=80)
    speaker = models.ForeignKey(
        "people.Member", verbose_name=_("主讲人"), on_delete=models.PROTECT, related_name="+"
    )
    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("所讲微党课"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tours",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("巡讲")
        verbose_name_plural = _("巡讲")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TourStop(models.Model):
    """One stop of a tour: a date, a venue, the host org; held with an audience size. The
    audience gives feedback from the stop's QR code."""

    tour = models.ForeignKey(
        Tour, verbose_name=_("巡讲"), on_delete=models.CASCADE, related_name="stops"
    )
    held_on = models.DateField(_("日期"))
    venue = models.CharField(_("地点"), max_length=100)
    host_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("承办组织"), on_delete=models.PROTECT, related_name="+"
    )
    audience_size = models.PositiveIntegerField(_("听众人数"), null=True, blank=True)
    held_at = models.DateTimeField(_("确认举办"), null=True, blank=True)
    # The 打磨 version of the tour's lesson this stop's audience saw (set when it is held).
    version = models.ForeignKey(
        LessonVersion,
        verbose_name=_("所讲版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tour_stops",
    )
    # The QR code's address: random, so stops cannot be guessed from their ids.
    feedback_key = models.CharField(
        _("反馈码"), max_length=24, unique=True, default=_feedback_key, editable=False
    )
    rating_count = models.PositiveIntegerField(_("评分人数"), default=0)
    rating_sum = models.PositiveIntegerField(_("评分总和"), default=0)

    class Meta:
        verbose_name = _("巡讲场次")
        verbose_name_plural = _("巡讲场次")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.tour} · {self.venue}"

    @property
    def rating_average(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class TourFeedback(ModeratedText):
    """An audience member's rating and opinion at a stop: once per device (a random key
    kept in a cookie) or per person, whichever the database sees first."""

    stop = models.ForeignKey(
        TourStop, verbose_name=_("巡讲场次"), on_delete=models.CASCADE, related_name="feedback"
    )
    voter_key = models.CharField(_("提交人标识"), max_length=64)
    rating = models.PositiveSmallIntegerField(_("评分"))
    opinion = models.CharField(_("意见建议"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("巡讲反馈")
        verbose_name_plural = _("巡讲反馈")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["stop", "voter_key"], name="tour_feedback_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="tour_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stop_id} · {self.rating}"
