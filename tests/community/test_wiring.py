"""How the community app is plugged in: its notice kinds, its hourly job, its menu entry."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.community.conftest import open_wish
from xianfeng.common import nav, periodic
from xianfeng.community import services
from xianfeng.community.enums import WishState
from xianfeng.community.models import Wish
from xianfeng.community.tasks import expire_wishes
from xianfeng.notify import kinds


def test_notice_kinds_are_registered_with_chinese_labels():
    found = {k.key: (k.label, k.app) for k in kinds.registered() if k.app == "community"}
    assert found == {
        "wish.review": ("微心愿待审核", "community"),
        "wish.progress": ("我的微心愿进展", "community"),
        "wish.claim": ("我认领的微心愿", "community"),
        "civic.review": ("微实事待审核", "community"),
        "civic.progress": ("我关注的微实事进展", "community"),
        "activity.signup": ("我报名的活动", "community"),
        "honor.review": ("微星光待审批", "community"),
        "honor.result": ("微星光审批结果", "community"),
    }
    assert kinds.get("wish.progress").default_channels == {"email", "wechat", "sms"}


def test_the_expiry_job_runs_hourly():
    (job,) = [j for j in periodic.jobs() if j.name == "community.expire_wishes"]
    assert job.every == datetime.timedelta(hours=1)
    assert job.task is expire_wishes


@pytest.mark.django_db
def test_the_expiry_task_reopens_an_overdue_claim(county, resident_a1):
    wish = open_wish(county, resident_a1)
    services.wish_claim(
        actor=county.member_a2.user,
        wish=wish,
        now=timezone.now() - datetime.timedelta(days=31),
    )
    result = expire_wishes.enqueue()
    assert result.return_value == [1, 0]
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN


@pytest.mark.django_db
def test_the_menu_has_the_wall_for_anyone_signed_in(county):
    labels = [link.label for link in nav.links_for(county.resident)]
    assert "微心愿" in labels
    assert nav.links_for(type("Anon", (), {"is_authenticated": False})()) == []
