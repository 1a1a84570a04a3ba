from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import UserFactory, grant, make_site
from xianfeng.orgs.enums import RoleKind
from xianfeng.people.models import User
from xianfeng.remote.models import Site


@dataclass
class Sites:
    """A site in village A1 (town A) and one in village B1 (town B), each with its admin."""

    a: Site
    b: Site
    admin_a: User
    admin_b: User


@pytest.fixture
def sites2(county) -> Sites:
    a = make_site(county.branch_a1, code="DJ01", name="东街社区远程教育站点")
    b = make_site(county.branch_b1, code="LW01", name="柳湾村远程教育站点")
    admin_a = UserFactory(username="site_admin_a", name="东街站点管理员")
    grant(admin_a, county.branch_a1, RoleKind.SITE_ADMIN)
    admin_b = UserFactory(username="site_admin_b", name="柳湾站点管理员")
    grant(admin_b, county.branch_b1, RoleKind.SITE_ADMIN)
    return Sites(a=a, b=b, admin_a=admin_a, admin_b=admin_b)


@pytest.fixture
def private_storage_in_tmp(monkeypatch, tmp_path):
    """Discussion photos go to tmp_path, not var/private."""
    from xianfeng.remote.models import ViewingPhoto

    storage = ViewingPhoto._meta.get_field("image").storage
    monkeypatch.setattr(storage, "base_location", str(tmp_path / "private"))
    monkeypatch.setattr(storage, "location", str(tmp_path / "private"))
    return tmp_path / "private"
