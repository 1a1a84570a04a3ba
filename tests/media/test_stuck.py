from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from xianfeng.media.enums import VideoStatus
from xianfeng.media.models import Video
from xianfeng.media.services.videos import videos_fail_stuck

pytestmark = pytest.mark.django_db


def test_a_transcode_silent_for_half_an_hour_fails_with_a_retry(settings):
    owner = UserFactory()
    stuck = Video.objects.create(owner=owner, original_name="a.mp4", status=VideoStatus.TRANSCODING)
    busy = Video.objects.create(owner=owner, original_name="b.mp4", status=VideoStatus.TRANSCODING)
    Video.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=31)
    )
    assert videos_fail_stuck() == 1
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert (stuck.status, stuck.failure_reason) == (
        "failed",
        "处理中断（服务器重启或超时），请点击重试",
    )
    assert busy.status == "transcoding"
