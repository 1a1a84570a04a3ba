"""The demo's assessment year: a scheme, the town's monthly self-checks, a spot check and
the 通报 of the quarters already over, with evidence behind every score."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import UserFactory, grant
from xianfeng.assessment.demo import seed_cycle
from xianfeng.assessment.enums import BulletinState, CheckState
from xianfeng.assessment.models import Adjustment, Bulletin, Evidence, Scheme, SelfCheck
from xianfeng.common.indicators import Month

pytestmark = pytest.mark.django_db


def test_the_demo_year_of_assessments(county):
    secretary = UserFactory(username="secretary", name="演示书记")
    grant(secretary, county.branch_a1, "secretary")
    report = seed_cycle()
    this = Month.of(timezone.localdate())
    done = this.month - 1
    scheme = Scheme.objects.get()
    assert (scheme.org, scheme.year, scheme.state) == (county.county, this.year, "active")
    # 东街 and 西街 (the persona's town); 西街, last, skips April and August.
    skipped = len([m for m in range(1, this.month) if m % 4 == 0])
    submitted = SelfCheck.objects.filter(submitted_at__isnull=False)
    assert submitted.count() == 2 * done - skipped
    assert f"2 个支部自查 {2 * done - skipped} 次" in report
    draft = SelfCheck.objects.get(month=this.first)
    assert (draft.org, draft.state) == (county.branch_a1, CheckState.DRAFT)
    quarters = (this.month - 1) // 3
    assert Bulletin.objects.filter(org=county.town_a, state=BulletinState.PUBLISHED).count() == (
        quarters
    )
    if this.month > 1:
        assert Adjustment.objects.count() == 1
    # Every self-scored evidence item has its evidence.
    assert not submitted.filter(lines__item__rule="evidence", lines__evidence__isnull=True).exists()
    assert Evidence.objects.count() == 3 * submitted.count()  # the template's three
