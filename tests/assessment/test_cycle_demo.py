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
    scheme = Scheme.objects.get(year=this.year)
    assert (scheme.org, scheme.year, scheme.state) == (county.county, this.year, "active")
    # 东街 and 西街 (the persona's town); 西街, last, skips April and August.
    skipped = len([m for m in range(1, this.month) if m % 4 == 0])
    submitted = SelfCheck.objects.filter(submitted_at__isnull=False, month__year=this.year)
    assert submitted.count() == 2 * done - skipped
    assert f"{this.year} 年自查 {2 * done - skipped} 次" in report
    draft = SelfCheck.objects.get(month=this.first)
    assert (draft.org, draft.state) == (county.branch_a1, CheckState.DRAFT)
    quarters = (this.month - 1) // 3
    published = Bulletin.objects.filter(org=county.town_a, state=BulletinState.PUBLISHED)
    assert published.filter(year=this.year).count() == quarters
    assert Adjustment.objects.count() == (2 if this.month > 1 else 1)
    # Every self-scored evidence item has its evidence.
    assert not submitted.filter(lines__item__rule="evidence", lines__evidence__isnull=True).exists()
    assert Evidence.objects.filter(line__selfcheck__in=submitted).count() == 3 * submitted.count()


def test_the_demo_has_last_year_whole_ending_in_the_annual_grades(county):
    """Last year: twelve months of self-checks (西街 skips April, August and December), four
    quarterly 通报 and the annual 通报 with grades; the persona's branch is the 标杆支部."""
    secretary = UserFactory(username="secretary", name="演示书记")
    grant(secretary, county.branch_a1, "secretary")
    report = seed_cycle()
    last = timezone.localdate().year - 1
    assert Scheme.objects.get(year=last).state == "active"
    assert SelfCheck.objects.filter(month__year=last, submitted_at__isnull=False).count() == 21
    published = Bulletin.objects.filter(org=county.town_a, year=last, state=BulletinState.PUBLISHED)
    assert sorted(published.values_list("quarter", flat=True)) == [0, 1, 2, 3, 4]
    year = published.get(quarter=0)
    rows = [(r.rank, r.org.code, r.grade, r.benchmark) for r in year.rows.select_related("org")]
    assert [(rank, code) for rank, code, _, _ in rows] == [(1, "A1"), (2, "A2")]
    assert all(grade for _, _, grade, _ in rows)
    assert [code for _, code, _, benchmark in rows if benchmark] == ["A1"]
    assert f"{last} 年 2 个支部自查 21 次，年度通报已发布（标杆支部 1 个）" in report
