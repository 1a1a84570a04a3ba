"""Reads of lessons that decide who sees what: feeds, search, a lesson page, the branch view."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.http import Http404
from django.utils import timezone

from xianfeng.common.pagination import COUNT_LIMIT
from xianfeng.lessons import search
from xianfeng.lessons.enums import LessonState, TextStatus
from xianfeng.lessons.models import (
    Comment,
    GroupViewing,
    Lesson,
    LessonSpeaker,
    Like,
    Rating,
    Reflection,
    Series,
    Showcase,
    ShowcaseItem,
    WatchProgress,
)
from xianfeng.lessons.rules import LESSON_MANAGE_ROLES
from xianfeng.orgs import paths
from xianfeng.orgs.enums import RECORD_ROLES, RoleKind
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.orgs.selectors import role_root_paths, roles_of, scope_q
from xianfeng.people.models import Member
from xianfeng.people.selectors import member_of, members_on


def _audience_q(user: Any) -> Q:
    """Published lessons whose audience reaches the person.

    On the lesson's own columns, with no join of the audience org: an org's path is its
    ancestors' ids and its own (orgs/paths.py), so "published to the person's org or one
    above it" is `audience_id IN (those ids)`, and a subtree where the person holds a role
    is a subquery of org ids. PostgreSQL can then answer the visibility from indexes
    (is_public, audience) and AND it with a search's GIN bitmap, reading only the rows
    the person may see."""
    if getattr(user, "is_superuser", False):
        return Q()
    query = Q(is_public=True)
    if not getattr(user, "is_authenticated", False):
        return query
    reach: set[int] = set()
    member = member_of(user)
    if member is not None:
        reach.update(paths.ids_in(member.org.path))
    for role in roles_of(user):
        if role.kind in RECORD_ROLES:
            reach.update(paths.ids_in(role.org.path))
    if reach:
        # Published to the person's org or to one above it.
        query |= Q(audience_id__in=sorted(reach))
    # Anything published inside a subtree where the person holds a role.
    role_roots = role_root_paths(user, RECORD_ROLES)
    if role_roots:
        query |= Q(
            audience_id__in=Org.objects.filter(subtree_q(role_roots, field="path")).values("pk")
        )
    return query


def lessons_visible_to(user: Any) -> QuerySet[Lesson]:
    """Published lessons the person may watch, their own lessons in any state, and the
    unpublished ones of orgs they manage lessons for."""
    published = Q(state=LessonState.PUBLISHED, text_status=TextStatus.VISIBLE) & _audience_q(user)
    if not getattr(user, "is_authenticated", False):
        return Lesson.objects.filter(published)
    own = Q(author_id=user.pk)
    managed = scope_q(user, LESSON_MANAGE_ROLES, field="org__path")
    if getattr(user, "is_superuser", False):
        return Lesson.objects.all()
    return Lesson.objects.filter(published | own | managed)


def published_lessons_for(user: Any) -> QuerySet[Lesson]:
    """What feeds and search show: published, visible, reaching the person."""
    return Lesson.objects.filter(
        Q(state=LessonState.PUBLISHED, text_status=TextStatus.VISIBLE) & _audience_q(user)
    )


def get_lesson_for_user(user: Any, pk: int) -> Lesson:
    """The lesson if the person may see it (404 otherwise), with the person's own state
    (liked, rating, progress, reflection: `viewer_state_of`) in the same query."""
    lesson = (
        lessons_with_viewer_state(
            user,
            lessons_visible_to(user).select_related(
                "org", "video", "series", "speaker__user", "author", "audience"
            ),
            reflection_text=True,
        )
        .annotate(has_co_speakers=Exists(LessonSpeaker.objects.filter(lesson_id=OuterRef("pk"))))
        .prefetch_related("tags")
        .filter(pk=pk)
        .first()
    )
    if lesson is None:
        raise Http404("找不到该微党课")
    return lesson


def lessons_with_viewer_state(
    user: Any, qs: QuerySet[Lesson], *, reflection_text: bool = False
) -> QuerySet[Lesson]:
    """The lessons with the person's own state as annotations, for a page or a list alike
    (no query per lesson): viewer_liked, viewer_rating, viewer_covered, viewer_position,
    viewer_completed_at, viewer_reflection_id, and with `reflection_text` (a lesson page,
    where the form shows it) viewer_reflection_text. A visitor gets the empty state."""
    if not getattr(user, "is_authenticated", False):
        if reflection_text:
            qs = qs.annotate(viewer_reflection_text=Value(None, output_field=TextField()))
        return qs.annotate(
            viewer_liked=Value(False, output_field=BooleanField()),
            viewer_rating=Value(None, output_field=IntegerField()),
            viewer_covered=Value(None, output_field=FloatField()),
            viewer_position=Value(None, output_field=FloatField()),
            viewer_completed_at=Value(None, output_field=DateTimeField()),
            viewer_reflection_id=Value(None, output_field=IntegerField()),
        )
    progress = WatchProgress.objects.filter(user_id=user.pk, lesson_id=OuterRef("pk"))
    mine = Reflection.objects.filter(user_id=user.pk, lesson_id=OuterRef("pk"))
    if reflection_text:
        qs = qs.annotate(viewer_reflection_text=Subquery(mine.values("text")[:1]))
    return qs.annotate(
        viewer_liked=Exists(Like.objects.filter(user_id=user.pk, lesson_id=OuterRef("pk"))),
        viewer_rating=Subquery(
            Rating.objects.filter(user_id=user.pk, lesson_id=OuterRef("pk")).values("score")[:1]
        ),
        viewer_covered=Subquery(progress.values("covered")[:1]),
        viewer_position=Subquery(progress.values("position")[:1]),
        viewer_completed_at=Subquery(progress.values("completed_at")[:1]),
        viewer_reflection_id=Subquery(mine.values("pk")[:1]),
    )


@dataclass(frozen=True)
class ViewerState:
    """The person's own state on one lesson (from `lessons_with_viewer_state`)."""

    liked: bool
    my_rating: int | None
    covered: float | None  # None: never watched
    position: float
    completed_at: datetime.datetime | None
    reflection_id: int | None
    reflection_text: str | None = None  # only where asked for (a lesson page)

    @property
    def progress(self) -> ViewerState | None:
        """Itself when the person has watched (what the page's progress line needs)."""
        return self if self.covered is not None else None

    def share(self, duration: float) -> float:
        if not self.covered or not duration:
            return 0.0
        return round(min(1.0, self.covered / duration), 4)


def viewer_state_of(lesson: Lesson) -> ViewerState:
    """The annotations `lessons_with_viewer_state` put on the lesson, as one value."""
    return ViewerState(
        liked=bool(getattr(lesson, "viewer_liked", False)),
        my_rating=getattr(lesson, "viewer_rating", None),
        covered=getattr(lesson, "viewer_covered", None),
        position=getattr(lesson, "viewer_position", None) or 0.0,
        completed_at=getattr(lesson, "viewer_completed_at", None),
        reflection_id=getattr(lesson, "viewer_reflection_id", None),
        reflection_text=getattr(lesson, "viewer_reflection_text", None),
    )


def lesson_viewer_state(user: Any, lesson_id: int) -> tuple[Lesson, ViewerState]:
    """A lesson's counters fresh from the database with the person's state (after a like
    or a rating), in one query."""
    lesson = lessons_with_viewer_state(user, Lesson.objects.filter(pk=lesson_id)).get()
    return lesson, viewer_state_of(lesson)


def series_for_user(user: Any) -> QuerySet[Any]:
    """专题 of the person's orgs and the orgs above them (public ones for visitors: none)."""

    reach: set[str] = set()
    member = member_of(user)
    if member is not None:
        reach.update(paths.ancestor_paths(member.org.path))
    for role in roles_of(user):
        if role.kind in RECORD_ROLES:
            reach.update(paths.ancestor_paths(role.org.path))
    if getattr(user, "is_superuser", False):
        return Series.objects.order_by("-created_at")
    return Series.objects.filter(org__path__in=sorted(reach)).order_by("-created_at")


def creation_orgs(user: Any) -> list[Org]:
    """Where the person may start a lesson: their own branch first, then the member orgs
    they manage lessons for (the page's choice and the API's check alike)."""
    from xianfeng.orgs.enums import MEMBER_ORG_KINDS
    from xianfeng.orgs.selectors import orgs_managed_by

    orgs = list(
        orgs_managed_by(user, LESSON_MANAGE_ROLES)
        .filter(kind__in=MEMBER_ORG_KINDS)
        .order_by("path")[:500]
    )
    member = member_of(user)
    if member is not None and member.org not in orgs:
        orgs.insert(0, member.org)
    return orgs


def series_for_org(org: Org) -> QuerySet[Any]:
    """专题 a lesson of `org` may be filed under: its own and those of the orgs above."""
    from xianfeng.lessons.models import Series

    return Series.objects.filter(org__path__in=paths.ancestor_paths(org.path)).order_by(
        "-created_at"
    )


def publish_audiences(user: Any, lesson: Lesson) -> QuerySet[Org]:
    """Where a manager may publish: their managed orgs on the lesson's line (the lesson's
    org and the orgs above it that they manage)."""
    from xianfeng.orgs.selectors import orgs_managed_by

    return orgs_managed_by(user, LESSON_MANAGE_ROLES).filter(
        path__in=paths.ancestor_paths(lesson.org.path)
    )


WATCHABLE_SECONDS = 300
# Per process: key → (until, the lesson with its id and duration). The instance is reused
# for the minute (building a model instance is a tenth of a report's time) and only read.
_watchable_local: dict[str, tuple[float, Lesson]] = {}


def watchable_lesson(user: Any, pk: int) -> Lesson:
    """The lesson (id and duration only) if the person may watch it now; 404 otherwise.

    A player reports every ten seconds; the full visibility query costs more than the
    report itself, so a positive answer is remembered for five minutes per person and
    lesson. Losing access takes effect within that time.
    """
    from django.core.cache import cache

    key = f"watchable:{getattr(user, 'pk', 0)}:{pk}"
    now = time.monotonic()
    local = _watchable_local.get(key)
    if local is not None and local[0] > now:
        return local[1]
    duration = cache.get(key)
    if duration is None:
        duration = (
            published_lessons_for(user).filter(pk=pk).values_list("duration", flat=True).first()
        )
        if duration is None:
            raise Http404("找不到该微党课")
        cache.set(key, duration, WATCHABLE_SECONDS)
    if len(_watchable_local) > 20_000:
        _watchable_local.clear()
    # A per-process copy for a minute spares the shared cache a round trip per report.
    lesson = Lesson(pk=pk, duration=duration)
    _watchable_local[key] = (now + 60, lesson)
    return lesson


FEEDS = {
    "latest": "最新",
    "branch": "本支部",
    "county": "全县",
    "popular": "最热",
}


@dataclass(frozen=True)
class FeedFilters:
    feed: str = "latest"
    q: str = ""
    tag: str = ""
    series: int | None = None


def _county_root_path(user: Any) -> str | None:
    member = member_of(user)
    if member is not None:
        return member.org.path[: paths.SEGMENT]
    roles = [role for role in roles_of(user) if role.kind in RECORD_ROLES]
    return roles[0].org.path[: paths.SEGMENT] if roles else None


class RankedLessons(Sequence[Lesson]):
    """Search results in rank order, as a sequence a paginator can count and slice: the
    ranked ids come from one bounded query (`search.ranked_window`), and a page's lessons
    (with what each card shows) from one query by id."""

    def __init__(self, ids: list[int], cards: QuerySet[Lesson]) -> None:
        self.ids = ids
        self.cards = cards

    def __len__(self) -> int:
        return len(self.ids)

    def count(self, value: Any = None) -> int:  # Paginator counts with count()
        return len(self.ids) if value is None else int(value.pk in self.ids)

    @overload
    def __getitem__(self, index: int) -> Lesson: ...

    @overload
    def __getitem__(self, index: slice) -> list[Lesson]: ...

    def __getitem__(self, index: int | slice) -> Lesson | list[Lesson]:
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        wanted = self.ids[index]
        found = {lesson.pk: lesson for lesson in self.cards.filter(pk__in=wanted)}
        return [found[pk] for pk in wanted if pk in found]

    def __iter__(self) -> Iterator[Lesson]:
        return iter(self[:])


def lesson_feed(user: Any, filters: FeedFilters) -> QuerySet[Lesson] | RankedLessons:
    """A feed of published lessons with what each card shows, in a fixed number of queries."""
    qs = published_lessons_for(user)
    member = member_of(user)
    if filters.feed == "branch":
        qs = qs.filter(org_id=member.org_id) if member is not None else qs.none()
    elif filters.feed == "county":
        root = _county_root_path(user)
        qs = (
            qs.filter(org__path__gte=root, org__path__lt=paths.upper_bound(root))
            if root
            else qs.filter(is_public=True)
        )
    if filters.tag:
        qs = qs.filter(tags__slug=filters.tag)
    related = ["org", "video", "series"]
    if filters.series:
        qs = qs.filter(series_id=filters.series)
        # Joined, the 专题 would lead the plan and every lesson of it be sorted; the
        # cards do not show it (every lesson here has the same one), so it is not joined
        # and the page is read off lesson_series_feed_idx.
        related.remove("series")
    popular = filters.feed == "popular"
    if filters.q and not popular:
        # Search answers the best matches first and stops at a window as large as the
        # bounded feed offers (COUNT_LIMIT + 1, so the page still says "more than 1000").
        ids = search.ranked_window(qs, filters.q, window=COUNT_LIMIT + 1)
        return RankedLessons(ids, qs.select_related(*related).prefetch_related("tags"))
    if filters.q:
        qs = search.filter_lessons(qs, filters.q)  # the 热门 feed keeps its own order
    order = ["-view_count", "-published_at", "-id"] if popular else ["-published_at", "-id"]
    return qs.select_related(*related).prefetch_related("tags").order_by(*order)


def my_lessons(user: Any) -> QuerySet[Lesson]:
    return (
        Lesson.objects.filter(author_id=user.pk)
        .select_related("org", "video")
        .order_by("-created_at", "-id")
    )


def lessons_awaiting_publication(user: Any) -> QuerySet[Lesson]:
    """Submitted lessons of the orgs the person publishes for."""
    return (
        Lesson.objects.filter(scope_q(user, LESSON_MANAGE_ROLES, field="org__path"))
        .filter(state=LessonState.SUBMITTED)
        .select_related("org", "video", "author")
        .order_by("submitted_at", "id")
    )


def watch_history(user: Any) -> QuerySet[WatchProgress]:
    return (
        WatchProgress.objects.filter(user_id=user.pk, lesson__in=published_lessons_for(user))
        .select_related("lesson", "lesson__video")
        .order_by("-last_report_at", "-id")
    )


def progress_of(user: Any, lesson: Lesson) -> WatchProgress | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return WatchProgress.objects.filter(user_id=user.pk, lesson=lesson).first()


def reflections_for(user: Any, lesson: Lesson) -> QuerySet[Reflection]:
    """Reflections the person may read: those of their own branch, of the branches they
    manage, and their own (also while held for review)."""
    visible = Q(status=TextStatus.VISIBLE) & (
        scope_q(user, LESSON_MANAGE_ROLES | {RoleKind.ORGANIZER}, field="org__path")
        | Q(org_id=getattr(member_of(user), "org_id", -1))
    )
    own = Q(user_id=getattr(user, "pk", None))
    return (
        Reflection.objects.filter(lesson=lesson)
        .filter(visible | own)
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def comments_for(user: Any, lesson: Lesson) -> QuerySet[Comment]:
    """Top-level comments with their replies; held ones only for their author."""
    shown = Q(status=TextStatus.VISIBLE) | Q(user_id=getattr(user, "pk", None))
    replies = Comment.objects.filter(shown).select_related("user").order_by("created_at", "id")
    return (
        Comment.objects.filter(lesson=lesson, parent__isnull=True)
        .filter(shown)
        .select_related("user")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class ParticipationRow:
    member: Member
    status: str  # "completed", "watching", "not_started"
    share: float
    completed_at: Any
    group_viewed_on: Any = None  # 集体收看: the first day they watched it together


PARTICIPATION_LABELS = {
    "completed": "已学完",
    "group": "集体收看",
    "watching": "学习中",
    "not_started": "未开始",
}
# What counts in 参学率: learnt alone (个人学习, completed) or together (集体收看).
PARTICIPATED = frozenset({"completed", "group"})


def branch_participation(
    lesson: Lesson, branch: Org, on: datetime.date | None = None
) -> list[ParticipationRow]:
    """参学率: every member of the branch (and its groups) on the day `on` (today by
    default) with how far they got; someone transferred out, or who died, before that day
    is not counted, someone transferred in by then is."""
    day = on or timezone.localdate()
    members = list(
        members_on(branch, day, subtree=True)
        .select_related("user", "group")
        .order_by("group__name", "user__name", "pk")
    )
    progress = {
        p.user_id: p
        for p in WatchProgress.objects.filter(
            lesson=lesson, user_id__in=[m.user_id for m in members]
        )
    }
    together: dict[int, Any] = {}
    for user_id, day in (
        GroupViewing.objects.filter(lesson=lesson, user_id__in=[m.user_id for m in members])
        .order_by("viewed_on")
        .values_list("user_id", "viewed_on")
    ):
        together.setdefault(user_id, day)
    duration = lesson.duration or 0
    rows = []
    for m in members:
        p = progress.get(m.user_id)
        group_day = together.get(m.user_id)
        if p is None:
            status = "group" if group_day else "not_started"
            rows.append(ParticipationRow(m, status, 0.0, None, group_day))
        else:
            share = min(1.0, p.covered / duration) if duration else 0.0
            personal = "completed" if p.completed_at else "watching"
            status = "group" if personal == "watching" and group_day else personal
            rows.append(ParticipationRow(m, status, share, p.completed_at, group_day))
    order = {"completed": 0, "group": 1, "watching": 2, "not_started": 3}
    rows.sort(key=lambda r: (order[r.status], -r.share))
    return rows


def showcases_visible_to(user: Any) -> QuerySet[Showcase]:
    """展播 whose audience (its org when none) reaches the person, in their period; the
    officers over its org see it at any time."""
    if getattr(user, "is_superuser", False):
        return Showcase.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Showcase.objects.none()
    reach: set[str] = set()
    member = member_of(user)
    if member is not None:
        reach.update(paths.ancestor_paths(member.org.path))
    for role in roles_of(user):
        if role.kind in RECORD_ROLES:
            reach.update(paths.ancestor_paths(role.org.path))
    roots = role_root_paths(user, RECORD_ROLES)
    today = timezone.localdate()
    current = (Q(starts_on__isnull=True) | Q(starts_on__lte=today)) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    reaches = (
        Q(audience__isnull=True, org__path__in=sorted(reach))
        | Q(audience__path__in=sorted(reach))
        | subtree_q(roots, field="audience__path")
    )
    return Showcase.objects.filter((reaches & current) | subtree_q(roots, field="org__path"))


def showcase_cover_for(user: Any, pk: int, *, thumb: bool = False) -> Any:
    """A channel's cover file (or its 360 px thumbnail) for someone the channel reaches;
    404 otherwise and when it has none. The page and the API serve it the same way."""
    show = showcases_visible_to(user).filter(pk=pk).first()
    if show is None:
        raise Http404("找不到该展播")
    field = show.cover_thumb if thumb else show.cover
    if not field:
        raise Http404("没有封面")
    return field


def showcases_curated_by(user: Any) -> QuerySet[Showcase]:
    """The channels the person may arrange: those of the orgs under their 书记, 宣传委员 or
    管理员 role (can_manage_lessons, as a query)."""
    if getattr(user, "is_superuser", False):
        return Showcase.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Showcase.objects.none()
    return Showcase.objects.filter(scope_q(user, LESSON_MANAGE_ROLES, field="org__path"))


def showcases_on_now_for(user: Any) -> QuerySet[Showcase]:
    """The channels a person finds in the lesson feed: reaching them and in their period
    (a curator's channels out of their period are not news to anyone), with `n` released
    lessons; empty ones left out. Newest first."""
    today = timezone.localdate()
    current = (Q(starts_on__isnull=True) | Q(starts_on__lte=today)) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    return (
        showcases_visible_to(user)
        .filter(current)
        .annotate(n=Count("items", filter=showcase_released_q("items__")))
        .filter(n__gt=0)
        .order_by("-created_at", "-id")
    )


def showcase_lessons(user: Any, pk: int) -> tuple[Any, list[Lesson]]:
    """A showcase the person may see, with the lessons they may watch, in order."""
    showcases = showcases_visible_to(user).select_related("org")
    show = showcases.filter(pk=pk).first()
    if show is None:
        raise Http404("找不到该展播")
    # Released items only (a scheduled 第 N 期 is hidden until the job releases it); each
    # lesson carries its item's issue number, read in the same query.
    visible = published_lessons_for(user).filter(
        showcase_released_q("showcase_items__"), showcase_items__showcase=show
    )
    item = ShowcaseItem.objects.filter(showcase=show, lesson_id=OuterRef("pk"))
    lessons: list[Lesson] = list(
        visible.annotate(issue_no=Subquery(item.values("issue_no")[:1]))
        .select_related("org", "video")
        .prefetch_related("tags")
        .order_by("showcase_items__position")
    )
    return show, lessons


def _org_audience_q(org: Org, prefix: str = "") -> Q:
    """Published lessons a member of the org may watch (public, or published to the org or
    one above it): what a screen shown to the org's room may play."""
    return Q(
        **{
            f"{prefix}state": LessonState.PUBLISHED,
            f"{prefix}text_status": TextStatus.VISIBLE,
        }
    ) & (
        Q(**{f"{prefix}is_public": True})
        | Q(**{f"{prefix}audience__path__in": paths.ancestor_paths(org.path)})
    )


def lessons_reaching_org(org: Org) -> QuerySet[Lesson]:
    """Published lessons every member of the org may watch (public, or published to the org
    or one above it): what an organiser may put before the org as a whole (a study plan's
    day). A person's own view still goes through `published_lessons_for`."""
    return Lesson.objects.filter(_org_audience_q(org))


def showcases_for_org(org: Org, today: datetime.date | None = None) -> QuerySet[Showcase]:
    """展播 on now whose audience (its org when none) reaches the org, each annotated with
    `n`, the released lessons in it that the org's members may watch; empty ones left out.
    For a shared screen of the org (a remote-education site's TV), not for a person."""
    today = today or timezone.localdate()
    reach = paths.ancestor_paths(org.path)
    current = (Q(starts_on__isnull=True) | Q(starts_on__lte=today)) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    reaches = Q(audience__isnull=True, org__path__in=reach) | Q(audience__path__in=reach)
    shown = showcase_released_q("items__") & _org_audience_q(org, "items__lesson__")
    return (
        Showcase.objects.filter(reaches & current)
        .annotate(n=Count("items", filter=shown))
        .filter(n__gt=0)
    )


def showcase_lessons_for_org(org: Org, pk: int) -> tuple[Showcase, list[Lesson]]:
    """A channel the org's screen may show (404 otherwise) with its released lessons that
    the org's members may watch, in the channel's order, each with its `issue_no`."""
    show = showcases_for_org(org).filter(pk=pk).first()
    if show is None:
        raise Http404("找不到该展播")
    item = ShowcaseItem.objects.filter(showcase=show, lesson_id=OuterRef("pk"))
    lessons: list[Lesson] = list(
        Lesson.objects.filter(
            _org_audience_q(org),
            showcase_released_q("showcase_items__"),
            showcase_items__showcase=show,
        )
        .annotate(issue_no=Subquery(item.values("issue_no")[:1]))
        .select_related("video")
        .order_by("showcase_items__position", "showcase_items__id")
    )
    return show, lessons


def showcase_released_q(prefix: str = "") -> Q:
    """Items shown to a channel's audience: not scheduled, or released."""
    return Q(**{f"{prefix}publish_at__isnull": True}) | Q(**{f"{prefix}released_at__isnull": False})
