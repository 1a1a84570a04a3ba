"""Reads of the remote app that decide what a person (or a paired device) may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from xianfeng.orgs import paths
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import scope_q
from xianfeng.remote.enums import (
    SITE_MANAGE_ROLES,
    SITE_VIEW_ROLES,
    JoinState,
    PlanState,
    SiteKind,
)
from xianfeng.remote.models import (
    DeviceToken,
    Festival,
    HouseholdJoinRequest,
    HouseholdMember,
    MenuOffer,
    MenuOrder,
    MenuSlot,
    OfflinePack,
    OfflineSlot,
    RemoteTarget,
    Site,
    SiteImportBatch,
    SiteSuspension,
    Viewing,
    ViewingPhoto,
    ViewingPlan,
)

PLAN_ROLES = frozenset({RoleKind.ADMIN})


def sites_visible_to(user: Any) -> QuerySet[Site]:
    """The sites of the subtrees where the person is 站点管理员, an org admin or a branch
    officer (nothing for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return Site.objects.none()
    return Site.objects.filter(scope_q(user, SITE_VIEW_ROLES, field="org__path"))


def sites_managed_by(user: Any) -> QuerySet[Site]:
    """The sites the person runs (pairs devices, starts viewings)."""
    if not getattr(user, "is_authenticated", False):
        return Site.objects.none()
    return Site.objects.filter(scope_q(user, SITE_MANAGE_ROLES, field="org__path"))


def get_site_for_user(user: Any, code: str) -> Site:
    site = sites_visible_to(user).select_related("org").filter(code=code).first()
    if site is None:
        raise Http404("找不到该站点")
    return site


def get_managed_site(user: Any, code: str) -> Site:
    site = sites_managed_by(user).select_related("org").filter(code=code).first()
    if site is None:
        raise Http404("找不到该站点")
    return site


def devices_of(site: Site) -> QuerySet[DeviceToken]:
    return DeviceToken.objects.filter(site=site).order_by("revoked_at", "-created_at")


def get_device_for_user(user: Any, device_id: int) -> DeviceToken:
    device = (
        DeviceToken.objects.filter(site__in=sites_managed_by(user))
        .select_related("site", "site__org")
        .filter(pk=device_id)
        .first()
    )
    if device is None:
        raise Http404("找不到该设备")
    return device


# --- the loop ------------------------------------------------------------------------------


def plans_visible_to(user: Any) -> QuerySet[ViewingPlan]:
    """Plans the person publishes (org admins of the plan's org or above) and published
    plans that include a site the person sees."""
    if not getattr(user, "is_authenticated", False):
        return ViewingPlan.objects.none()
    if getattr(user, "is_superuser", False):
        return ViewingPlan.objects.all()
    own = scope_q(user, PLAN_ROLES, field="org__path")
    site_ids = sites_visible_to(user).values("pk")
    return ViewingPlan.objects.filter(
        own | Q(state=PlanState.PUBLISHED, sites__in=site_ids)
    ).distinct()


def get_plan_for_user(user: Any, pk: int) -> ViewingPlan:
    plan = plans_visible_to(user).select_related("org", "previous").filter(pk=pk).first()
    if plan is None:
        raise Http404("找不到该收看计划")
    return plan


def viewings_visible_to(user: Any) -> QuerySet[Viewing]:
    return Viewing.objects.filter(site__in=sites_visible_to(user).values("pk"))


def get_viewing_for_user(user: Any, pk: int) -> Viewing:
    viewing = (
        viewings_visible_to(user).select_related("site", "site__org", "plan").filter(pk=pk).first()
    )
    if viewing is None:
        raise Http404("找不到该次收看")
    return viewing


def get_attended_viewing(user: Any, pk: int) -> Viewing:
    """A viewing the person signed in to (their feedback page)."""
    viewing = (
        Viewing.objects.select_related("site", "site__org")
        .filter(pk=pk, attendance__user=user)
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if viewing is None:
        raise Http404("找不到该次收看")
    return viewing


# --- administration --------------------------------------------------------------------------


def site_imports_visible_to(user: Any) -> QuerySet[SiteImportBatch]:
    """Site workbooks uploaded for orgs where the person is an org admin."""
    if not getattr(user, "is_authenticated", False):
        return SiteImportBatch.objects.none()
    return SiteImportBatch.objects.filter(scope_q(user, PLAN_ROLES, field="org__path"))


def get_site_import_for_user(user: Any, pk: int) -> SiteImportBatch:
    batch = site_imports_visible_to(user).select_related("org", "created_by").filter(pk=pk).first()
    if batch is None:
        raise Http404("找不到该导入批次")
    return batch


def get_suspension_for_user(user: Any, code: str, pk: int) -> SiteSuspension:
    suspension = (
        SiteSuspension.objects.filter(site__in=sites_managed_by(user), site__code=code, pk=pk)
        .select_related("site", "site__org")
        .first()
    )
    if suspension is None:
        raise Http404("找不到该停用期")
    return suspension


def get_viewing_photo_for_user(user: Any, pk: int, photo_id: int) -> ViewingPhoto:
    """A discussion photo, for those who may see the viewing."""
    photo = (
        ViewingPhoto.objects.filter(
            viewing__in=viewings_visible_to(user).filter(pk=pk), pk=photo_id
        )
        .select_related("viewing", "viewing__site", "viewing__site__org")
        .first()
    )
    if photo is None:
        raise Http404("找不到该照片")
    return photo


@dataclass(frozen=True)
class TargetRow:
    """An org's monthly targets and the org they come from (itself, above, or the defaults)."""

    org: Org
    min_viewings: int
    min_hours: int
    boot_rate_pct: int
    source: Org | None  # None: DESIGN.md's defaults
    own: bool


def targets_of(orgs: list[Org]) -> list[TargetRow]:
    """The effective targets of some orgs (one query for every org up their trees)."""
    from xianfeng.remote.bulletin import DEFAULT_TARGET

    ancestors = {a for o in orgs for a in paths.ancestor_paths(o.path)}
    rows = {
        t.org.path: t
        for t in RemoteTarget.objects.select_related("org").filter(org__path__in=ancestors)
    }
    found = []
    for org in orgs:
        chosen = None
        for a in paths.ancestor_paths(org.path):
            chosen = rows.get(a, chosen)
        if chosen is None:
            viewings, hours, rate = DEFAULT_TARGET
            found.append(TargetRow(org, viewings, hours, rate, None, False))
        else:
            found.append(
                TargetRow(
                    org,
                    chosen.min_viewings,
                    chosen.min_hours,
                    chosen.boot_rate_pct,
                    chosen.org,
                    chosen.org.pk == org.pk,
                )
            )
    return found


# --- the weekly menu -------------------------------------------------------------------------


def community_paths(user: Any) -> list[str]:
    """The org paths a person belongs to for the menu: their branch (a member) or the
    village they registered in (a resident), and every org above it."""
    if not getattr(user, "is_authenticated", False):
        return []
    from xianfeng.people.selectors import member_of

    member = member_of(user)
    if member is not None:
        return paths.ancestor_paths(member.org.path)
    home = getattr(user, "home_org", None) if getattr(user, "home_org_id", None) else None
    return paths.ancestor_paths(home.path) if home is not None else []


def menu_offers_for_person(user: Any, week: Any) -> QuerySet[MenuOffer]:
    """A week's offers that reach the person: their community's sites and towns."""
    above = community_paths(user)
    if not above:
        return MenuOffer.objects.none()
    return MenuOffer.objects.filter(
        Q(site__org__path__in=above) | Q(org__path__in=above), week=week
    )


def get_menu_offer_for_person(user: Any, pk: int) -> MenuOffer:
    above = community_paths(user)
    offer = (
        MenuOffer.objects.filter(Q(site__org__path__in=above) | Q(org__path__in=above), pk=pk)
        .select_related("site", "org", "lesson")
        .first()
        if above
        else None
    )
    if offer is None:
        raise Http404("找不到该点单课件")
    return offer


def menu_offers_for_site(site: Site, week: Any) -> QuerySet[MenuOffer]:
    """A site's offers of a week: its own and those of the orgs above it (its town)."""
    return MenuOffer.objects.filter(
        Q(site=site) | Q(org__path__in=paths.ancestor_paths(site.org.path)), week=week
    )


def order_counts(offer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Orders per offer and audience group (one query)."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in offer_ids}
    rows = (
        MenuOrder.objects.filter(offer_id__in=offer_ids)
        .values_list("offer_id", "audience")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for offer_id, audience, n in rows:
        counts[offer_id][audience] = n
    return counts


def get_managed_offer(user: Any, pk: int) -> MenuOffer:
    """An offer the person may take off: of a site they run, or of an org they administer."""
    offer = (
        MenuOffer.objects.filter(
            Q(site__in=sites_managed_by(user)) | Q(scope_q(user, PLAN_ROLES, field="org__path")),
            pk=pk,
        )
        .select_related("site", "site__org", "org")
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if offer is None:
        raise Http404("找不到该点单课件")
    return offer


def get_managed_slot(user: Any, pk: int) -> MenuSlot:
    slot = (
        MenuSlot.objects.filter(site__in=sites_managed_by(user), pk=pk)
        .select_related("site", "offer")
        .first()
    )
    if slot is None:
        raise Http404("找不到该菜单项")
    return slot


def festivals_of(org: Org) -> QuerySet[Festival]:
    return Festival.objects.filter(org=org).order_by("month", "day", "pk")


# --- offline packs ---------------------------------------------------------------------------


def offline_packs_visible_to(user: Any) -> QuerySet[OfflinePack]:
    """Packs of sites the person runs, and packs of plans the person publishes (org admins
    of the plan's org or above); nobody else may read or download them."""
    if not getattr(user, "is_authenticated", False):
        return OfflinePack.objects.none()
    return OfflinePack.objects.filter(
        Q(site__in=sites_managed_by(user).values("pk"))
        | Q(
            plan__isnull=False,
            plan__in=ViewingPlan.objects.filter(
                scope_q(user, PLAN_ROLES, field="org__path")
            ).values("pk"),
        )
    )


def get_offline_pack_for_user(user: Any, pk: int) -> OfflinePack:
    pack = (
        offline_packs_visible_to(user)
        .select_related("site", "site__org", "plan", "plan__org", "created_by")
        .filter(pk=pk)
        .first()
    )
    if pack is None:
        raise Http404("找不到该离线包")
    return pack


def get_offline_slot_for_entry(user: Any, code: str) -> OfflineSlot:
    """A pack slot whose sheet the person may enter: of a site they run."""
    slot = (
        OfflineSlot.objects.filter(pack__site__in=sites_managed_by(user).values("pk"), code=code)
        .select_related("pack", "pack__site", "pack__site__org", "pack__plan", "lesson", "viewing")
        .first()
        if code and getattr(user, "is_authenticated", False)
        else None
    )
    if slot is None:
        raise Http404("找不到该签到表")
    return slot


# --- 入户终端 (household TVs) ------------------------------------------------------------------


def household_of(site: Site) -> QuerySet[HouseholdMember]:
    """The members registered as living in an 入户终端's household."""
    return (
        HouseholdMember.objects.filter(site=site)
        .select_related("member__user", "member__org")
        .order_by("added_at", "pk")
    )


def my_household(user: Any) -> HouseholdMember | None:
    """The person's own household TV (a member lives in at most one household)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        HouseholdMember.objects.filter(member__user=user)
        .select_related("site", "site__org", "member")
        .first()
    )


def household_open_viewings(user: Any, *, now: Any = None) -> QuerySet[Viewing]:
    """What is playing now on the person's own household TV (nothing for anyone else)."""
    from django.utils import timezone

    from xianfeng.remote.enums import ViewingState
    from xianfeng.remote.services.household import STALE_AFTER

    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        return Viewing.objects.none()
    return Viewing.objects.filter(
        site__household__member__user=user,
        site__kind=SiteKind.HOUSEHOLD,
        state=ViewingState.OPEN,
        starts_at__gte=now - STALE_AFTER,
    )


def household_confirmed_viewings(user: Any) -> QuerySet[Viewing]:
    """The household viewings the person confirmed: their 入户收看 study record."""
    if not getattr(user, "is_authenticated", False):
        return Viewing.objects.none()
    return Viewing.objects.filter(attendance__user=user, site__kind=SiteKind.HOUSEHOLD)


def get_household_viewing_for_member(user: Any, pk: int) -> Viewing:
    """A viewing on the person's own household TV (404 for any other household's)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("找不到该次收看")
    viewing = (
        Viewing.objects.filter(
            pk=pk, site__household__member__user=user, site__kind=SiteKind.HOUSEHOLD
        )
        .select_related("site", "site__org")
        .first()
    )
    if viewing is None:
        raise Http404("找不到该次收看")
    return viewing


def get_household_entry_for_user(user: Any, code: str, pk: int) -> HouseholdMember:
    """A household registration of a site the person runs."""
    entry = (
        HouseholdMember.objects.filter(site__in=sites_managed_by(user), site__code=code, pk=pk)
        .select_related("site", "site__org", "member__user")
        .first()
    )
    if entry is None:
        raise Http404("找不到该家庭成员")
    return entry


def household_join_waiting(site: Site) -> QuerySet[HouseholdJoinRequest]:
    """The requests to join an 入户终端's household that wait for its admin."""
    return (
        HouseholdJoinRequest.objects.filter(site=site, state=JoinState.PENDING)
        .select_related("member__user", "member__org")
        .order_by("created_at", "pk")
    )


def my_household_requests(user: Any) -> QuerySet[HouseholdJoinRequest]:
    """All the person's own requests to join a household, newest first."""
    if not getattr(user, "is_authenticated", False):
        return HouseholdJoinRequest.objects.none()
    return (
        HouseholdJoinRequest.objects.filter(member__user=user)
        .select_related("site", "site__org")
        .order_by("-created_at", "-pk")
    )


def my_household_requests_shown(
    user: Any, *, limit: int
) -> tuple[HouseholdJoinRequest | None, list[HouseholdJoinRequest]]:
    """The person's request that waits (if any) and their settled ones, newest first, in
    one query: a waiting request is always the newest (at most one waits, and asking for
    another household withdraws it first)."""
    asked = list(my_household_requests(user)[:limit])
    waiting = asked[0] if asked and asked[0].state == JoinState.PENDING else None
    return waiting, [r for r in asked if r.state != JoinState.PENDING]


def get_my_join_request(user: Any, pk: int) -> HouseholdJoinRequest:
    """One of the person's own join requests (404 for anyone else's)."""
    found = my_household_requests(user).select_related("member").filter(pk=pk).first()
    if found is None:
        raise Http404("找不到该加入申请")
    return found


def join_requests_waiting_for_manager(user: Any) -> QuerySet[HouseholdJoinRequest]:
    """The waiting join requests of every 入户终端 the person runs, newest first."""
    return (
        HouseholdJoinRequest.objects.filter(
            site__in=sites_managed_by(user), state=JoinState.PENDING
        )
        .select_related("site", "site__org", "member__user", "member__org")
        .order_by("-created_at", "-pk")
    )


def get_managed_join_request(user: Any, pk: int) -> HouseholdJoinRequest:
    """A join request (any state) of a site the person runs (404 for any other site's)."""
    found = (
        HouseholdJoinRequest.objects.filter(site__in=sites_managed_by(user), pk=pk)
        .select_related("site", "site__org", "member__user", "member__org")
        .first()
    )
    if found is None:
        raise Http404("找不到该加入申请")
    return found


def get_join_request_for_manager(user: Any, code: str, pk: int) -> HouseholdJoinRequest:
    """A join request of a site the person runs (404 for any other site's)."""
    found = (
        HouseholdJoinRequest.objects.filter(site__in=sites_managed_by(user), site__code=code, pk=pk)
        .select_related("site", "site__org", "member__user", "member__org")
        .first()
    )
    if found is None:
        raise Http404("找不到该加入申请")
    return found


def household_sites_reach(member: Any) -> bool:
    """Whether an 入户终端 serves the member's org or one above it (one they could join)."""
    if member is None:
        return False
    return Site.objects.filter(
        kind=SiteKind.HOUSEHOLD, org__path__in=paths.ancestor_paths(member.org.path)
    ).exists()
