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


@pytest.fixture(scope="session")
def offline_clip(tmp_path_factory):
    """A real 3-second 1280×720 clip with sound (both rungs of the ladder: 360p and 720p)."""
    from tests.media.conftest import AAC, H264, ffmpeg, sine, testsrc

    path = tmp_path_factory.mktemp("offline") / "lesson.mp4"
    ffmpeg(*testsrc("1280x720", 3), *sine(3), *H264, *AAC, str(path))
    return path


@pytest.fixture
def real_lesson(county, settings, tmp_path, monkeypatch, offline_clip):
    """A published lesson whose video went through the real pipeline (HLS 360p + 720p in
    the media storage under tmp_path); packs are kept in a private storage there too."""
    from django.core.files.storage import storages

    from tests.factories import published_lesson
    from xianfeng.lessons.models import Lesson
    from xianfeng.media.enums import VideoStatus
    from xianfeng.media.models import Video
    from xianfeng.media.pipeline import video_process
    from xianfeng.media.services import video_create

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRANSCODE_DIR = tmp_path / "work"
    settings.VIDEO_MIN_SECONDS = 1  # a 3-second clip keeps the test quick
    field_storage = Video._meta.get_field("source").storage
    for storage in {id(s): s for s in (field_storage, storages["private"])}.values():
        monkeypatch.setattr(storage, "base_location", str(tmp_path / "private"))
        monkeypatch.setattr(storage, "location", str(tmp_path / "private"))

    def make(title: str = "学习二十届四中全会精神") -> Lesson:
        lesson = published_lesson(
            org=county.county, author=county.member_a1.user, title=title, public=True
        )
        video = video_create(
            owner=county.member_a1.user,
            source_path=offline_clip,
            original_name="lesson.mp4",
            target_kind="lesson",
            target_id=str(lesson.pk),
        )
        assert video_process(video_id=video.pk) == VideoStatus.READY
        Lesson.objects.filter(pk=lesson.pk).update(video=video)
        lesson.refresh_from_db()
        return lesson

    return make
