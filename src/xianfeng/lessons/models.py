from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.common.storage import private_storage
from xianfeng.lessons.enums import LessonState, TextStatus
from xianfeng.lessons.practice.enums import SpeakerCategory
from xianfeng.moderation.models import ModeratedText


class Tag(models.Model):
    """A topic tag (党章党规, 党史, 先进事迹 …)."""

    slug = models.SlugField(_("标识"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("主题标签")
        verbose_name_plural = _("主题标签")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Series(models.Model):
    """A 专题: lessons grouped under one theme by an org."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="series"
    )
    title = models.CharField(_("专题名称"), max_length=100)
    description = models.TextField(_("简介"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专题")
        verbose_name_plural = _("专题")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    """A micro party lesson (微党课): 一事、一思、一议 around a short video or audio."""

    title = models.CharField(_("标题"), max_length=80)
    summary = models.CharField(_("简介"), max_length=200, blank=True)
    story = models.TextField(_("一事（讲述的故事）"), blank=True)
    reflection = models.TextField(_("一思（引发的思考）"), blank=True)
    question = models.TextField(_("一议（讨论的问题）"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="lessons",
    )
    speaker = models.ForeignKey(
        "people.Member",
        verbose_name=_("主讲人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    speaker_name = models.CharField(_("主讲人姓名"), max_length=50)
    speaker_category = models.CharField(
        _("主讲人类别"),
        max_length=16,
        choices=SpeakerCategory.choices,
        default=SpeakerCategory.MEMBER,
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="lessons"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("主题"), blank=True, related_name="lessons")
    series = models.ForeignKey(
        Series,
        verbose_name=_("专题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    video = models.ForeignKey(
        "media.Video",
        verbose_name=_("音视频"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lessons",
    )
    duration = models.FloatField(_("时长（秒）"), default=0)
    # Published to this org's subtree, or to everyone (residents and visitors too).
    audience = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("发布范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audience_lessons",
    )
    is_public = models.BooleanField(_("公开"), default=False)
    state = models.CharField(
        _("状态"), max_length=16, choices=LessonState.choices, default=LessonState.DRAFT
    )
    text_status = models.CharField(
        _("文字审核"), max_length=16, choices=TextStatus.choices, default=TextStatus.VISIBLE
    )
    flagged_words = models.JSONField(_("敏感词"), default=list, blank=True)
    search_text = models.TextField(_("检索分词"), blank=True, editable=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Counters, changed only with F() in services.
    view_count = models.PositiveIntegerField(_("观看人数"), default=0)
    completion_count = models.PositiveIntegerField(_("看完人数"), default=0)
    like_count = models.PositiveIntegerField(_("点赞数"), default=0)
    rating_count = models.PositiveIntegerField(_("评分人数"), default=0)
    rating_sum = models.PositiveIntegerField(_("评分总和"), default=0)
    comment_count = models.PositiveIntegerField(_("评论数"), default=0)
    reflection_count = models.PositiveIntegerField(_("心得数"), default=0)
    share_count = models.PositiveIntegerField(_("分享次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("微党课")
        verbose_name_plural = _("微党课")
        indexes = [
            # The feed's order in full (published_at, then id), so a page is read off the
            # index and stops after 12 rows, at any size of the table.
            models.Index(fields=["state", "-published_at", "-id"], name="lesson_feed_idx"),
            # A 专题's feed: its lessons in the feed's order, not all of them sorted.
            models.Index(fields=["series", "-published_at", "-id"], name="lesson_series_feed_idx"),
            models.Index(fields=["audience", "state"], name="lesson_audience_idx"),
            # Lessons published to everyone, beside the audience index: a person's
            # visibility (is_public OR audience_id IN …, selectors._audience_q) is then two
            # index scans PostgreSQL ORs and ANDs with a search's GIN bitmap.
            models.Index(fields=["id"], condition=Q(is_public=True), name="lesson_public_idx"),
            models.Index(fields=["state", "-view_count"], name="lesson_popular_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        """Published and its text visible: watched, discussed and rated by its audience."""
        return self.state == LessonState.PUBLISHED and self.text_status == TextStatus.VISIBLE

    @property
    def is_open_to_all(self) -> bool:
        """Published to everyone and visible: its media may sit in a public (CDN) cache."""
        return self.is_public and self.is_published

    @property
    def rating_average(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class WatchProgress(models.Model):
    """One person's watching of one lesson: the union of watched sections, never shrinking."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("观看人"),
        on_delete=models.CASCADE,
        related_name="watch_progress",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="progress"
    )
    # Sorted, non-overlapping [start, end] pairs in seconds (lessons/watch.py).
    sections = models.JSONField(_("已看区间"), default=list)
    covered = models.FloatField(_("已看秒数"), default=0)
    position = models.FloatField(_("上次位置"), default=0)
    reports = models.PositiveIntegerField(_("上报次数"), default=0)
    completed_at = models.DateTimeField(_("看完时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始观看"), auto_now_add=True)
    last_report_at = models.DateTimeField(_("最近上报"), null=True, blank=True)

    class Meta:
        verbose_name = _("观看进度")
        verbose_name_plural = _("观看进度")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="watch_once_per_person")
        ]
        indexes = [models.Index(fields=["lesson", "completed_at"], name="watch_lesson_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


class Reflection(ModeratedText):
    """A 心得体会 on a lesson: at least 50 characters, one per person, seen by the branch."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作者"),
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="reflections"
    )
    # The author's branch when written: who may read it.
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("心得"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("心得体会")
        verbose_name_plural = _("心得体会")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="reflection_once_per_person")
        ]
        indexes = [models.Index(fields=["lesson", "org", "status"], name="reflection_lesson_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


class Comment(ModeratedText):
    """Discussion under a lesson: top-level comments and one level of replies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作者"),
        on_delete=models.CASCADE,
        related_name="lesson_comments",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("回复"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    text = models.CharField(_("内容"), max_length=500)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["lesson", "parent", "created_at"], name="comment_lesson_idx")
        ]

    def __str__(self) -> str:
        return self.text[:30]


class Rating(models.Model):
    """One 1–5 rating per person per lesson; changing it updates the same row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评分人"),
        on_delete=models.CASCADE,
        related_name="lesson_ratings",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="ratings"
    )
    score = models.PositiveSmallIntegerField(_("评分"))
    created_at = models.DateTimeField(_("评分时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="rating_once_per_person"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson} · {self.score}"


class Like(models.Model):
    """One like per person per lesson."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("点赞人"),
        on_delete=models.CASCADE,
        related_name="lesson_likes",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="likes"
    )
    created_at = models.DateTimeField(_("点赞时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("点赞")
        verbose_name_plural = _("点赞")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="like_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


class Share(models.Model):
    """A share of a lesson (link or poster), counted for the lesson's reach."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分享人"),
        on_delete=models.CASCADE,
        related_name="lesson_shares",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="shares"
    )
    channel = models.CharField(_("方式"), max_length=16, default="link")
    created_at = models.DateTimeField(_("分享时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分享")
        verbose_name_plural = _("分享")

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


class Showcase(models.Model):
    """A 展播: an org's curated, ordered playlist of lessons."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织"), on_delete=models.CASCADE, related_name="showcases"
    )
    title = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("简介"), max_length=200, blank=True)
    # Who finds it: this org's subtree (the showcase's own org when empty).
    audience = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("展播范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The period it is shown in (open-ended when empty); its org's officers always see it.
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    # A series published in numbered issues (第 N 期): items are numbered by position.
    numbered = models.BooleanField(_("按期编号"), default=False)
    # A cover picture, re-encoded (no EXIF) and private like other photos: served only
    # through the channel's page to those the channel reaches. 720 px for a 360 px phone
    # at 2x, a 360 px thumbnail for the feed's tiles.
    cover = models.FileField(
        _("封面"), upload_to="showcases/%Y/%m/", storage=private_storage, blank=True
    )
    cover_thumb = models.FileField(
        _("封面缩略图"), upload_to="showcases/%Y/%m/", storage=private_storage, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("展播")
        verbose_name_plural = _("展播")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "title"], name="showcase_title_once")]

    def __str__(self) -> str:
        return self.title


class ShowcaseItem(models.Model):
    showcase = models.ForeignKey(
        Showcase, verbose_name=_("展播"), on_delete=models.CASCADE, related_name="items"
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="showcase_items"
    )
    position = models.PositiveIntegerField(_("顺序"))
    # A scheduled issue: hidden from the audience until a periodic job releases it (then
    # `released_at` is set and, in a numbered channel, `issue_no` is the next 第 N 期).
    # No `publish_at` means shown at once.
    publish_at = models.DateTimeField(_("定时发布"), null=True, blank=True)
    released_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    issue_no = models.PositiveIntegerField(_("期号"), null=True, blank=True)

    class Meta:
        verbose_name = _("展播课程")
        verbose_name_plural = _("展播课程")
        ordering = ["showcase", "position"]
        constraints = [
            models.UniqueConstraint(fields=["showcase", "lesson"], name="showcase_lesson_once"),
            models.UniqueConstraint(fields=["showcase", "issue_no"], name="showcase_issue_no_once"),
        ]
        indexes = [models.Index(fields=["released_at", "publish_at"], name="showcase_item_due_idx")]

    def __str__(self) -> str:
        return f"{self.showcase} #{self.position}"

    @property
    def is_released(self) -> bool:
        return self.publish_at is None or self.released_at is not None


class Commentary(models.Model):
    """专业人士点评: an expert's commentary on a published lesson, shown under its video;
    written by a 审核员 (reviewer) of the lesson's org or above, one per expert (rewritten
    in place). Members' 谈体会 stay reflections."""

    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="commentaries"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("点评人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    author_title = models.CharField(_("点评人身份"), max_length=40, blank=True)
    text = models.TextField(_("点评"))
    created_at = models.DateTimeField(_("点评时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("专业人士点评")
        verbose_name_plural = _("专业人士点评")
        ordering = ["lesson", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "author"], name="commentary_once_per_expert")
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.lesson}"


class GroupViewing(models.Model):
    """集体收看: a person watched a lesson together with others — at a remote-education
    viewing or at a 党课 / 主题党日 meeting that showed it. It counts in 参学率 and "my
    learning" beside personal watching; written only by `group_viewing_credit`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收看人"),
        on_delete=models.CASCADE,
        related_name="group_viewings",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("微党课"), on_delete=models.CASCADE, related_name="group_viewings"
    )
    # Where it happened: "remote.viewing" or "meetings.meeting", and that row's id.
    source = models.CharField(_("来源"), max_length=32)
    source_id = models.PositiveBigIntegerField(_("来源编号"))
    viewed_on = models.DateField(_("收看日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("集体收看")
        verbose_name_plural = _("集体收看")
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "user", "source", "source_id"], name="group_viewing_once"
            )
        ]
        indexes = [models.Index(fields=["user", "viewed_on"], name="group_viewing_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson} · {self.source}"


# The year-round practice (点课, 轮番主讲, 讲课记录) keeps its models beside its code.
from xianfeng.lessons.practice.models import (  # noqa: E402
    Lecture as Lecture,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    LessonRequest as LessonRequest,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    LessonRequestVote as LessonRequestVote,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    LessonSpeaker as LessonSpeaker,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    LessonVersion as LessonVersion,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    RotaSlot as RotaSlot,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    SpeakerRota as SpeakerRota,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    Tour as Tour,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    TourFeedback as TourFeedback,
)
from xianfeng.lessons.practice.models import (  # noqa: E402
    TourStop as TourStop,
)
