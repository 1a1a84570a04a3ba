"""量化考评方案: the scoring rules, the 五个好 template, versions (a scheme in use is never
edited in place), a scheme applied to a branch with evidence links, who sees what, queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import LessonFactory, OrgFactory, WatchProgressFactory, grant
from xianfeng.assessment.enums import ItemRule, SchemeState
from xianfeng.assessment.models import Scheme
from xianfeng.assessment.scoring import computed_score, deduction_score
from xianfeng.assessment.services import facts_compute
from xianfeng.assessment.services.schemes import (
    ItemData,
    item_add,
    item_remove,
    scheme_activate,
    scheme_create,
    scheme_revise,
)
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.indicators import Month

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (100.0, D("20.0")),
        (120.0, D("20.0")),
        (80.0, D("10.0")),
        (60.0, D("0.0")),
        (10.0, D("0.0")),
        (99.0, D("19.5")),
        (None, None),
    ],
)
def test_computed_score_is_linear_between_zero_and_full(value, expected):
    assert computed_score(points=D(20), full_at=100, zero_at=60, value=value) == expected


def test_lower_is_better_scores_run_the_other_way_and_a_step_rule():
    # 逾期率: full marks at 0 %, none at 20 % or worse.
    assert computed_score(points=D(10), full_at=0, zero_at=20, value=5.0) == D("7.5")
    assert computed_score(points=D(10), full_at=0, zero_at=20, value=30.0) == D("0.0")
    assert computed_score(points=D(5), full_at=90, zero_at=90, value=91.0) == D("5.0")
    assert computed_score(points=D(5), full_at=90, zero_at=90, value=89.9) == D("0.0")
    assert deduction_score(points=D(10), per_case=D(5), cases=1) == D("5.0")
    assert deduction_score(points=D(10), per_case=D(5), cases=3) == D("0.0")


pytestmark = pytest.mark.django_db


def test_the_template_draft_adds_up_to_100_and_is_activated_once(county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=2026)
    assert scheme.state == SchemeState.DRAFT and scheme.version == 1
    items = list(scheme.items.all())
    assert sum(i.points for i in items) == 100
    assert {i.heading for i in items} == {
        "领导班子好",
        "党员队伍好",
        "工作机制好",
        "工作业绩好",
        "群众反映好",
    }
    computed = {i.indicator: (i.full_at, i.zero_at) for i in items if i.rule == ItemRule.COMPUTED}
    assert computed["meetings.completion"] == (100, 60)
    assert computed["meetings.rectification_overdue"] == (0, 2)  # 整改落实: none overdue
    scheme_activate(actor=county.county_admin, scheme=scheme)
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.ACTIVE and scheme.activated_at is not None
    assert AuditLog.objects.filter(action="scheme.active").exists()
    with pytest.raises(Refused, match="方案已启用，不能直接修改"):
        item_remove(actor=county.county_admin, scheme=scheme, item_id=items[0].pk)
    with pytest.raises(Refused, match="方案已启用"):
        scheme_activate(actor=county.county_admin, scheme=scheme)


def test_a_revision_is_a_new_version_that_retires_the_old_one(county):
    admin = county.county_admin
    v1 = scheme_create(actor=admin, org=county.county, year=2026)
    scheme_activate(actor=admin, scheme=v1)
    v2 = scheme_revise(actor=admin, scheme=v1, note="提高参学率要求")
    assert (v2.version, v2.based_on_id, v2.state) == (2, v1.pk, SchemeState.DRAFT)
    assert scheme_revise(actor=admin, scheme=v1, note="") == v2  # one draft at a time
    assert scheme_create(actor=admin, org=county.county, year=2026) == v2
    evidence = v2.items.get(name="群众满意度")
    item_remove(actor=admin, scheme=v2, item_id=evidence.pk)
    with pytest.raises(Refused, match="合计应为 100 分，现在是 90 分"):
        scheme_activate(actor=admin, scheme=v2)
    item_add(
        actor=admin,
        scheme=v2,
        data=ItemData("群众反映好", "<b>微心愿</b>办结", D(10), ItemRule.EVIDENCE),
    )
    scheme_activate(actor=admin, scheme=v2)
    v1.refresh_from_db()
    assert v1.state == SchemeState.RETIRED and v1.items.count() == 8  # kept as it was
    assert v2.items.filter(name="<b>微心愿</b>办结").exists()  # text, shown escaped


def test_items_that_cannot_be_scored_are_refused_in_chinese(county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=2026)
    bad = ItemData("工作机制好", "某指标", D(5), ItemRule.COMPUTED, "no.such", None)
    with pytest.raises(BadInput) as caught:
        item_add(actor=county.county_admin, scheme=scheme, data=bad)
    assert "已登记的指标" in caught.value.message and "满分线" in caught.value.message
    with pytest.raises(BadInput, match="每次扣分"):
        item_add(
            actor=county.county_admin,
            scheme=scheme,
            data=ItemData("群众反映好", "投诉", D(5), ItemRule.DEDUCTION),
        )


def test_only_committee_managers_make_schemes(county):
    with pytest.raises(Refused, match="党支部不能制定"):
        scheme_create(actor=county.secretary_a1, org=county.branch_a1, year=2026)
    with pytest.raises(Refused, match="组织管理员"):
        scheme_create(actor=county.town_a_admin, org=county.county, year=2026)
    assert (
        scheme_create(actor=county.town_a_admin, org=county.town_a, year=2026).org == county.town_a
    )


@pytest.fixture
def active(county):
    """The county's active scheme; this month 东街 (A1) watched, 西街 (A2) did not."""
    WatchProgressFactory(
        user=county.member_a1.user,
        lesson=LessonFactory(published=True),
        completed_at=timezone.now(),
    )
    facts_compute(month=Month.of(timezone.localdate()))
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=2026)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    return scheme


def test_a_branch_sheet_scores_from_the_fact_table_with_evidence_links(client, county, active):
    client.force_login(county.secretary_a1)
    html = client.get(f"/indicators/schemes/{active.pk}/org/A1/").content.decode()
    assert "东街社区党支部" in html
    participation = html[html.index("党员队伍好 · 参学率") :]
    assert "参学率 100%" in participation[:300] and "<b>15</b>" in participation[:400]
    assert "/lessons/coverage/?org=A1" in html  # 每人讲一课 → the records behind it
    assert "/meetings/compliance/A1/" in html
    assert "待评" in html  # evidence items wait for the self-check
    assert client.get(f"/indicators/schemes/{active.pk}/org/A2/").status_code == 404


def test_who_sees_a_scheme_and_whose_sheet(client, county, active):
    client.force_login(county.secretary_a1)
    assert client.get("/indicators/schemes/").content.decode().count(active.name) == 1
    page = client.get(f"/indicators/schemes/{active.pk}/").content.decode()
    # The page offers the secretary's own sheet, never a link to the county's (a 404 for them).
    assert f"/indicators/schemes/{active.pk}/org/A1/" in page
    assert f"/indicators/schemes/{active.pk}/org/C/" not in page
    assert client.get(f"/indicators/schemes/{active.pk}/org/A1/").status_code == 200
    assert client.get(f"/indicators/schemes/{active.pk}/org/B1/").status_code == 404
    assert client.get(f"/indicators/schemes/{active.pk}/org/TA/").status_code == 404
    # A secretary reads the scheme but does not edit it.
    assert client.post(f"/indicators/schemes/{active.pk}/do/revise/").status_code == 302
    assert Scheme.objects.count() == 1
    client.force_login(county.town_a_admin)
    page = client.get(f"/indicators/schemes/{active.pk}/").content.decode()
    assert "/org/TA/" in page and f"/indicators/schemes/{active.pk}/org/C/" not in page
    client.force_login(county.county_admin)
    assert (
        f"/indicators/schemes/{active.pk}/org/C/"
        in client.get(f"/indicators/schemes/{active.pk}/").content.decode()
    )
    client.force_login(county.member_a1.user)
    assert client.get(f"/indicators/schemes/{active.pk}/").status_code == 404
    other = OrgFactory(code="X", name="外县县委", kind="committee", parent=None)
    outsider = county.judge
    grant(outsider, other, "admin")
    client.force_login(outsider)
    assert client.get(f"/indicators/schemes/{active.pk}/").status_code == 404
    assert active.name not in client.get("/indicators/schemes/").content.decode()
    client.logout()
    assert client.get(f"/indicators/schemes/{active.pk}/").status_code == 302


def test_the_pages_let_a_county_admin_edit_a_draft(client, county):
    client.force_login(county.county_admin)
    response = client.post("/indicators/schemes/new/", {"org": "C", "year": "2026"}, follow=True)
    scheme = Scheme.objects.get()
    assert "已生成方案草稿" in response.content.decode()
    response = client.post(
        f"/indicators/schemes/{scheme.pk}/do/add/",
        {"heading": "工作业绩好", "name": "乡村振兴", "points": "abc", "rule": "evidence"},
        follow=True,
    )
    assert "分值：" in response.content.decode()
    item = scheme.items.get(name="重点任务完成情况")
    client.post(f"/indicators/schemes/{scheme.pk}/do/remove/", {"item": item.pk})
    response = client.post(f"/indicators/schemes/{scheme.pk}/do/activate/", follow=True)
    assert "合计应为 100 分，现在是 80 分" in response.content.decode()
    client.post(
        f"/indicators/schemes/{scheme.pk}/do/add/",
        {
            "heading": "工作业绩好",
            "name": "乡村<script>x</script>振兴",
            "points": "20",
            "rule": "evidence",
        },
    )
    html = client.get(f"/indicators/schemes/{scheme.pk}/").content.decode()
    assert "乡村&lt;script&gt;x&lt;/script&gt;振兴" in html and "<script>x" not in html
    response = client.post(f"/indicators/schemes/{scheme.pk}/do/activate/", follow=True)
    assert "方案已启用" in response.content.decode()
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.ACTIVE


def test_scheme_pages_queries_do_not_grow(client, county, active, django_assert_max_num_queries):
    client.force_login(county.county_admin)
    client.get("/indicators/schemes/")
    with django_assert_max_num_queries(9):
        assert client.get("/indicators/schemes/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"/indicators/schemes/{active.pk}/org/A1/").status_code == 200
