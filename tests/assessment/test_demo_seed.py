"""A seeded small demo county has a published annual 通报 with grades and 标杆支部."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from xianfeng.assessment.demo import seed_cycle
from xianfeng.assessment.enums import BulletinState
from xianfeng.assessment.models import Bulletin
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def test_a_seeded_small_demo_has_the_annual_bulletin(client):
    call_command("seed_demo", "--members", "300", "--no-content", stdout=io.StringIO())
    report = seed_cycle()
    last = timezone.localdate().year - 1
    secretary = User.objects.get(username="secretary")
    home = Role.objects.get(user=secretary, kind=RoleKind.SECRETARY).org
    year = Bulletin.objects.get(year=last, quarter=0, state=BulletinState.PUBLISHED)
    assert year.org_id == home.parent_id
    rows = list(year.rows.select_related("org"))
    # Every branch of the town is graded (those that never self-checked score 0); the
    # persona's branch leads and is the 标杆支部.
    assert len(rows) >= 2 and all(r.grade for r in rows)
    assert rows[0].org == home and [r.org for r in rows if r.benchmark] == [home]
    assert "年度通报已发布（标杆支部 1 个）" in report
    client.force_login(secretary)  # the branch reads the published 通报 with its grade
    html = client.get(f"/indicators/bulletins/{year.pk}/").content.decode()
    assert f"标杆支部：{home.name}" in html
