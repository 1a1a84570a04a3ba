"""Reads of the remote app that decide what a person (or a paired device) may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from xianfeng.orgs.selectors import scope_q
from xianfeng.remote.enums import SITE_MANAGE_ROLES, SITE_VIEW_ROLES
from xianfeng.remote.models import DeviceToken, Site


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
