from __future__ import annotations

import io

import pytest
from PIL import Image

from xianfeng.community import services
from xianfeng.community.enums import WishCategory
from xianfeng.community.services import Upload


@pytest.fixture(autouse=True)
def private_storage_in_tmp(monkeypatch, tmp_path):
    """Wish photos go to tmp_path, not var/private."""
    from xianfeng.community.models import WishPhoto

    storage = WishPhoto._meta.get_field("image").storage
    monkeypatch.setattr(storage, "base_location", str(tmp_path / "private"))
    monkeypatch.setattr(storage, "location", str(tmp_path / "private"))
    return tmp_path / "private"


def png(width: int = 64, height: int = 48, color: str = "red") -> Upload:
    """A real picture, as a phone would send it."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    data = out.getvalue()
    return Upload(handle=io.BytesIO(data), size=len(data))


@pytest.fixture
def resident_a1(county):
    """A resident registered in 东街社区 (branch_a1), with a phone that must never leak."""
    county.resident.home_org = county.branch_a1
    county.resident.phone = "13712345678"
    county.resident.name = "孙桂芳"
    county.resident.save()
    return county.resident


def post(actor, org, title="给孙子买一个新书包", **kw):
    kw.setdefault("category", WishCategory.STUDY)
    kw.setdefault("value_yuan", 120)
    return services.wish_post(actor=actor, org=org, title=title, **kw)


def open_wish(county, actor, org=None, title="给孙子买一个新书包", **kw):
    """A wish posted by `actor` and approved by the community's secretary."""
    org = org or county.branch_a1
    wish = post(actor, org, title=title, **kw)
    reviewer = (
        county.secretary_a1 if org.path.startswith(county.branch_a1.path) else county.county_admin
    )
    return services.wish_review(actor=reviewer, wish=wish, approve=True)
