"""Reads of wishes that decide who sees what; a miss is a 404."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.community.enums import (
    ORG_CLAIM_ROLES,
    PUBLIC_STATES,
    REVIEW_ROLES,
    WishState,
)
from xianfeng.community.models import Wish, WishCampaign, WishPhoto, WishTally
from xianfeng.meetings.enums import MeetingKind, MeetingState
from xianfeng.meetings.selectors import meetings_visible_to
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.orgs.selectors import orgs_managed_by, scope_q

if TYPE_CHECKING:
    from xianfeng.meetings.models import Meeting

# What a wish list needs besides the wish: no contact (the public never gets it).
_LIST_RELATED = ("org", "claimer_org", "claimer", "campaign")


def wishes_public() -> QuerySet[Wish]:
    """Reviewed wishes: the wall everyone sees, anonymous visitors too."""
    return Wish.objects.filter(state__in=sorted(PUBLIC_STATES))


def wishes_visible_to(user: Any) -> QuerySet[Wish]:
    """The public wishes, plus the person's own (posted, entered, claimed) and those of
    the communities whose officers they are."""
    where = Q(state__in=PUBLIC_STATES)
    if getattr(user, "is_authenticated", False):
        where |= Q(wisher_id=user.pk) | Q(posted_by_id=user.pk) | Q(claimer_id=user.pk)
        where |= scope_q(user, REVIEW_ROLES, field="org__path")
    return Wish.objects.filter(where)


def get_wish_for_user(user: Any, pk: int) -> Wish:
    wish = (
        wishes_visible_to(user)
        .select_related(*_LIST_RELATED, "wisher", "posted_by")
        .filter(pk=pk)
        .first()
    )
    if wish is None:
        raise Http404("找不到该微心愿")
    return wish


@dataclass(frozen=True)
class WishFilters:
    org: Org | None = None  # a village or a town: its subtree
    category: str = ""
    state: str = ""  # one of PUBLIC_STATES, or "" for all of them
    campaign: WishCampaign | None = None


def wish_wall(filters: WishFilters) -> QuerySet[Wish]:
    """The public wall, filtered, newest first, with what each card shows."""
    rows = wishes_public()
    if filters.org is not None:
        rows = rows.filter(subtree_q([filters.org.path], field="org__path"))
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.state in PUBLIC_STATES:
        rows = rows.filter(state=filters.state)
    if filters.campaign is not None:
        rows = rows.filter(campaign=filters.campaign)
    return rows.select_related(*_LIST_RELATED).order_by("-published_at", "-id")


def my_wishes(user: Any) -> QuerySet[Wish]:
    """Wishes the person made or entered for someone."""
    return (
        Wish.objects.filter(Q(wisher_id=user.pk) | Q(posted_by_id=user.pk))
        .select_related(*_LIST_RELATED)
        .order_by("-created_at", "-id")
    )


def my_claims(user: Any) -> QuerySet[Wish]:
    """Wishes the person holds or has fulfilled."""
    return (
        Wish.objects.filter(claimer_id=user.pk)
        .select_related(*_LIST_RELATED)
        .order_by("-claimed_at", "-id")
    )


def wishes_to_review(user: Any) -> QuerySet[Wish]:
    """Pending wishes of the communities the person reviews, oldest first."""
    if not getattr(user, "is_authenticated", False):
        return Wish.objects.none()
    return (
        Wish.objects.filter(scope_q(user, REVIEW_ROLES, field="org__path"))
        .filter(state=WishState.PENDING)
        .select_related("org", "posted_by", "contact")
        .order_by("created_at", "id")
    )


def wishes_managed_by(user: Any) -> QuerySet[Wish]:
    """Every wish of the communities whose officers the person is (any state)."""
    if not getattr(user, "is_authenticated", False):
        return Wish.objects.none()
    return Wish.objects.filter(scope_q(user, REVIEW_ROLES, field="org__path"))


def claim_orgs_for(user: Any) -> list[Org]:
    """The orgs the person may claim in the name of (outermost first)."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return []
    return list(orgs_managed_by(user, ORG_CLAIM_ROLES).order_by("path")[:50])


def photos_of(wish: Wish) -> list[WishPhoto]:
    return list(wish.photos.all())


def get_photo_for_user(user: Any, wish_id: int, photo_id: int) -> WishPhoto:
    """A photo, to whoever may see its wish (the wall's wishes: everyone)."""
    wish = get_wish_for_user(user, wish_id)
    photo = WishPhoto.objects.filter(wish=wish, pk=photo_id).first()
    if photo is None:
        raise Http404("找不到该照片")
    return photo


def campaign_for_org(org: Org, *, on: Any) -> WishCampaign | None:
    """The running campaign that collects this community's wishes (the newest one)."""
    ancestors = [*org.ancestor_ids(), org.pk]
    running = WishCampaign.objects.filter(starts_on__lte=on, ends_on__gte=on).filter(
        Q(covers__in=ancestors) | Q(covers__isnull=True, org_id__in=ancestors)
    )
    return running.order_by("-starts_on", "-id").first()


def open_claims_count(*, claimer: Any, org: Org | None) -> int:
    """Claims the party holds now: an org's when claiming as an org, else the person's own."""
    rows = Wish.objects.filter(state__in=[WishState.CLAIMED, WishState.CONFIRMING])
    if org is not None:
        return rows.filter(claimer_org=org).count()
    return rows.filter(claimer_id=claimer.pk, claimer_org__isnull=True).count()


def get_campaign(pk: int) -> WishCampaign:
    """A campaign: its page and wall are public, like the wishes on it."""
    campaign = WishCampaign.objects.select_related("org", "meeting").filter(pk=pk).first()
    if campaign is None:
        raise Http404("找不到该活动")
    return campaign


def campaigns_list() -> QuerySet[WishCampaign]:
    """Every campaign, newest first (their pages are public)."""
    return WishCampaign.objects.select_related("org").order_by("-starts_on", "-id")


@dataclass(frozen=True)
class CampaignStats:
    total: int
    by_state: dict[str, int]
    fulfilled: int
    target: int
    # (state, category) -> wishes: the count of the campaign's wall filtered by either.
    cells: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def share(self) -> int:
        """Fulfilled toward the target, in whole percent (capped at 100)."""
        if not self.target:
            return 0
        return min(100, self.fulfilled * 100 // self.target)

    def count_for(self, filters: WishFilters) -> int | None:
        """The number of wishes on the campaign's wall under `filters`, when the counts
        already hold it (a state and/or a category, no place); None otherwise."""
        if filters.org is not None:
            return None
        return sum(
            n
            for (state, category), n in self.cells.items()
            if (not filters.state or state == filters.state)
            and (not filters.category or category == filters.category)
        )


def campaign_stats(campaign: WishCampaign) -> CampaignStats:
    """Counts by state and category (the public states only), read from the campaign's
    tally rows: a few dozen rows however many wishes the campaign holds."""
    rows = WishTally.objects.filter(
        campaign=campaign, state__in=sorted(PUBLIC_STATES), n__gt=0
    ).values_list("state", "category", "n")
    cells = {(state, category): n for state, category, n in rows}
    by_state: dict[str, int] = {}
    for (state, _category), n in cells.items():
        by_state[state] = by_state.get(state, 0) + n
    return CampaignStats(
        total=sum(by_state.values()),
        by_state=by_state,
        fulfilled=by_state.get(WishState.FULFILLED, 0),
        target=campaign.target,
        cells=cells,
    )


def campaign_leaderboard(campaign: WishCampaign, *, limit: int = 10) -> list[dict[str, Any]]:
    """Orgs by wishes fulfilled in the campaign: the org that claimed, or for a personal
    claim the claimer's own branch at the time ("爱心群众" for residents). One grouped
    query on an index, then the names of the few orgs on the board."""
    rows = list(
        Wish.objects.filter(campaign=campaign, state=WishState.FULFILLED)
        .values("credit_org_id")
        .annotate(n=Count("*"))  # COUNT(*), not COUNT(id): the index alone answers
        .order_by("-n", "credit_org_id")
    )
    names = dict(
        Org.objects.filter(
            pk__in=[r["credit_org_id"] for r in rows if r["credit_org_id"]]
        ).values_list("pk", "name")
    )
    board = [{"name": names.get(r["credit_org_id"], "爱心群众"), "fulfilled": r["n"]} for r in rows]
    board.sort(key=lambda row: (-row["fulfilled"], row["name"]))
    return board[:limit]


# --- 主题党日 a campaign is held together with --------------------------------------------------


def theme_days_for(user: Any, orgs: Sequence[Org], *, on: datetime.date) -> QuerySet[Meeting]:
    """The 主题党日 of the branches under `orgs` that the person may see (the ledger's own
    selector), from 60 days before `on`, soonest first: what a campaign may be tied to."""
    if not orgs:
        return meetings_visible_to(user).none()
    since = datetime.datetime.combine(on - datetime.timedelta(days=60), datetime.time.min)
    return (
        meetings_visible_to(user)
        .filter(subtree_q([o.path for o in orgs], field="org__path"))
        .filter(kind=MeetingKind.THEME_DAY, starts_at__gte=timezone.make_aware(since))
        .exclude(state=MeetingState.CANCELLED)
        .select_related("org")
        .order_by("starts_at", "id")
    )


def may_see_meeting(user: Any, meeting_id: int) -> bool:
    """Whether the person may open the meeting (its topic and page are the ledger's)."""
    return meetings_visible_to(user).filter(pk=meeting_id).exists()


def campaigns_with_meeting(meeting_id: int) -> list[WishCampaign]:
    """The campaigns tied to a meeting (their pages are public)."""
    return list(WishCampaign.objects.filter(meeting_id=meeting_id).order_by("-starts_on", "-id"))
