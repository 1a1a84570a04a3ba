"""Reads of the remote app that decide what a person (or a paired device) may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.selectors import scope_q
from xianfeng.remote.enums import SITE_MANAGE_ROLES, SITE_VIEW_ROLES, PlanState
from xianfeng.remote.models import DeviceToken, Site, Viewing, ViewingPlan

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
