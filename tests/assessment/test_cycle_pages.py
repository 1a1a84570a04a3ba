"""Who sees which self-check and 通报, queries that do not grow with the branches, and
the reminder job (due from the 25th, overdue after the 5th, once each)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import OrgFactory, UserFactory, grant
from xianfeng.assessment.enums import SELFCHECK_DUE_KIND
from xianfeng.assessment.models import Bulletin, SelfCheckReminder
from xianfeng.assessment.services.bulletins import bulletin_draft, bulletin_publish
from xianfeng.assessment.services.checks import selfcheck_start, selfchecks_remind
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common import periodic
from xianfeng.common.indicators import Month
from xianfeng.notify import kinds
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1


@pytest.fixture
def active(county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    return scheme


def test_a_draft_bulletin_is_for_its_makers_a_published_one_for_the_tree(client, county, active):
    draft = bulletin_draft(actor=county.county_admin, org=county.county, year=YEAR, quarter=1)
    client.force_login(county.secretary_a1)
    assert client.get(f"/indicators/bulletins/{draft.pk}/").status_code == 404
    assert draft.title not in client.get("/indicators/bulletins/").content.decode()
    assert client.get(f"/indicators/bulletins/{draft.pk}/bulletin.pdf").status_code == 404
    assert client.get(f"/indicators/bulletins/{draft.pk}/bulletin.xlsx").status_code == 404
    # A branch cannot publish or comment on the county's draft.
    assert client.post(f"/indicators/bulletins/{draft.pk}/do/publish/").status_code == 404
    client.force_login(county.town_a_admin)  # a town reads the county's, does not draft it
    assert client.get(f"/indicators/bulletins/{draft.pk}/").status_code == 404
    bulletin_publish(actor=county.county_admin, bulletin=draft)
    client.force_login(county.secretary_a1)
    html = client.get(f"/indicators/bulletins/{draft.pk}/").content.decode()
    assert "西街社区党支部" in html and "柳湾村党支部" in html  # the ranking is for all
    assert draft.title in client.get("/indicators/bulletins/").content.decode()
    response = client.post(f"/indicators/bulletins/{draft.pk}/do/comment/", {"comment": "x"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.comment == ""
    # Another county, a member without a role, anonymous: nothing.
    other = OrgFactory(code="X", name="外县县委", kind="committee", parent=None)
    outsider = UserFactory(username="outsider")
    grant(outsider, other, "admin")
    for user in (outsider, county.member_a1.user):
        client.force_login(user)
        assert client.get(f"/indicators/bulletins/{draft.pk}/").status_code == 404
        assert client.get(f"/indicators/bulletins/{draft.pk}/bulletin.pdf").status_code == 404
    client.logout()
    assert client.get(f"/indicators/bulletins/{draft.pk}/").status_code == 302


def test_a_town_sees_its_subtree_self_checks_only(client, county, active):
    a1 = selfcheck_start(actor=county.secretary_a1, org=county.branch_a1, month=Month(YEAR, 2))
    b1 = selfcheck_start(actor=county.secretary_b1, org=county.branch_b1, month=Month(YEAR, 2))
    client.force_login(county.town_a_admin)
    assert client.get(f"/indicators/checks/{a1.pk}/").status_code == 200
    assert client.get(f"/indicators/checks/{b1.pk}/").status_code == 404
    html = client.get(f"/indicators/checks/?month={YEAR}-02").content.decode()
    assert "东街社区党支部" in html and "西街社区党支部" in html and "柳湾村党支部" not in html
    # A spot check of another town's branch is refused.
    response = client.post(
        "/indicators/checks/spot/", {"org": "TB", "month": f"{YEAR}-02", "size": "1"}
    )
    assert response.status_code == 404
    client.force_login(county.secretary_a1)
    response = client.post(
        "/indicators/checks/spot/", {"org": "A1", "month": f"{YEAR}-02", "size": "1"}, follow=True
    )
    assert response.status_code == 200
    a1.refresh_from_db()
    assert a1.spot_check_id is None


def _branches(county, n):
    for i in range(n):
        OrgFactory(code=f"Q{i}", name=f"新增第{i}党支部", parent=county.town_a)


@pytest.mark.parametrize("extra", [0, 3])
def test_cycle_pages_queries_do_not_grow(
    client, county, active, extra, django_assert_max_num_queries
):
    _branches(county, extra)
    admin = county.county_admin
    for branch in (county.branch_a1, county.branch_b1, *[]):
        selfcheck_start(actor=admin, org=branch, month=Month(YEAR, 1))
    for i in range(extra):
        from xianfeng.orgs.models import Org

        selfcheck_start(actor=admin, org=Org.objects.get(code=f"Q{i}"), month=Month(YEAR, 1))
    bulletin = bulletin_draft(actor=admin, org=county.county, year=YEAR, quarter=1)
    client.force_login(admin)
    check = bulletin.rows.first()
    assert check is not None
    client.get(f"/indicators/checks/?month={YEAR}-01")
    with django_assert_max_num_queries(12):
        assert client.get(f"/indicators/checks/?month={YEAR}-01").status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get("/indicators/bulletins/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/indicators/bulletins/{bulletin.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/indicators/bulletins/{bulletin.pk}/bulletin.xlsx").status_code == 200
    first = county.branch_a1.selfchecks.get()
    with django_assert_max_num_queries(12):
        assert client.get(f"/indicators/checks/{first.pk}/").status_code == 200


def test_reminders_due_then_overdue_once_each(county, active):
    zone = timezone.get_default_timezone()
    june_25 = datetime.datetime(YEAR, 6, 25, 9, tzinfo=zone)
    # June is due (from the 25th) and May overdue (after the 5th): A1, A2, B1 each.
    assert selfchecks_remind(now=june_25) == 6
    assert selfchecks_remind(now=june_25) == 0  # once per branch, month and stage
    told = Notification.objects.filter(kind=SELFCHECK_DUE_KIND)
    assert sorted(told.values_list("user__username", "title")) == [
        ("secretary_a1", f"东街社区党支部 {YEAR}年5月自查已逾期"),
        ("secretary_a1", f"东街社区党支部 {YEAR}年6月自查请按时提交"),
        ("secretary_b1", f"柳湾村党支部 {YEAR}年5月自查已逾期"),
        ("secretary_b1", f"柳湾村党支部 {YEAR}年6月自查请按时提交"),
    ]
    # 东街 submits nothing but starts June; 柳湾's June is told overdue on 6 July, once.
    selfcheck_start(actor=county.secretary_a1, org=county.branch_a1, month=Month(YEAR, 6))
    july_6 = datetime.datetime(YEAR, 7, 6, 9, tzinfo=zone)
    assert selfchecks_remind(now=july_6) == 3  # a draft is not a submission
    assert selfchecks_remind(now=july_6) == 0
    assert SelfCheckReminder.objects.count() == 9
    assert kinds.get(SELFCHECK_DUE_KIND).label == "月度自查提醒"
    assert "assessment.selfcheck_remind" in {job.name for job in periodic.jobs()}
    assert not Bulletin.objects.exists()


def test_the_grade_bands_are_set_on_a_draft_from_the_scheme_page(client, county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    url = f"/indicators/schemes/{scheme.pk}/do/grades/"
    client.force_login(county.secretary_a1)
    client.post(url, {"bands": "好:80,差:0", "standard_min": "60", "benchmark_min": "90"})
    scheme.refresh_from_db()
    assert scheme.grade_bands == "五星:95,四星:85,三星:75,二星:60,一星:0"  # unchanged
    client.force_login(county.county_admin)
    response = client.post(
        url, {"bands": "好:80,较好", "standard_min": "60", "benchmark_min": "90"}, follow=True
    )
    assert "应写作“等次名:最低分”" in response.content.decode()
    response = client.post(
        url,
        {"bands": "好:90，较好:75,一般:60,差:0", "standard_min": "x", "benchmark_min": "90"},
        follow=True,
    )
    assert "达标线应为 0 到 100 之间的数字" in response.content.decode()
    client.post(
        url, {"bands": "好:90，较好:75,一般:60,差:0", "standard_min": "75", "benchmark_min": "92.5"}
    )
    scheme.refresh_from_db()
    assert (scheme.grade_bands, scheme.standard_min, scheme.benchmark_min) == (
        "好:90,较好:75,一般:60,差:0",
        75,
        Decimal("92.5"),
    )
    html = client.get(f"/indicators/schemes/{scheme.pk}/").content.decode()
    assert "等次划分：好:90,较好:75,一般:60,差:0" in html
    scheme_activate(actor=county.county_admin, scheme=scheme)
    client.post(url, {"bands": "好:80,差:0", "standard_min": "60", "benchmark_min": "90"})
    scheme.refresh_from_db()
    assert scheme.grade_bands == "好:90,较好:75,一般:60,差:0"  # a scheme in use is not edited


def test_a_dissolved_branch_is_reminded_only_for_the_months_it_lived(county, active):
    from xianfeng.orgs.services import org_create, org_dissolve

    gone = org_create(
        actor=None, parent=county.town_a, code="A9", name="旧村党支部", kind="branch",
        founded_on=datetime.date(YEAR - 5, 1, 1),
    )  # fmt: skip
    grant(UserFactory(username="secretary_a9"), gone, "secretary")
    org_dissolve(
        actor=county.county_admin, org=gone, on=datetime.date(YEAR, 5, 10), reason="村社合并"
    )
    zone = timezone.get_default_timezone()

    def told(month: int, day: int) -> list[str]:
        selfchecks_remind(now=datetime.datetime(YEAR, month, day, 9, tzinfo=zone))
        return sorted(f"{r.month:%m}{r.stage}" for r in SelfCheckReminder.objects.filter(org=gone))

    assert told(5, 6) == ["04overdue"]  # April: it lived all of it
    assert told(5, 25) == ["04overdue"]  # May: dissolved on the 10th, before half of it
    assert told(6, 6) == ["04overdue"]
    assert told(6, 25) == ["04overdue"]
    assert SelfCheckReminder.objects.filter(org=county.branch_a1).count() == 4


def test_a_branch_founded_mid_year_is_reminded_only_from_the_month_it_lived_half_of(county, active):
    from xianfeng.orgs.services import org_create

    new = org_create(
        actor=None, parent=county.town_a, code="A8", name="新建村党支部", kind="branch",
        founded_on=datetime.date(YEAR, 6, 17),
    )  # fmt: skip
    grant(UserFactory(username="secretary_a8"), new, "secretary")
    zone = timezone.get_default_timezone()

    def told(month: int, day: int) -> list[str]:
        selfchecks_remind(now=datetime.datetime(YEAR, month, day, 9, tzinfo=zone))
        return sorted(f"{r.month:%m}{r.stage}" for r in SelfCheckReminder.objects.filter(org=new))

    # June has 30 days: founded on the 17th it lived 14 of them, less than half: nothing
    # is owed for June, nor for May, before it existed.
    assert told(6, 25) == []
    assert told(7, 6) == []
    assert told(7, 25) == ["07due"]
    assert told(8, 6) == ["07due", "07overdue"]
    # An old branch was told of May, June and July all along.
    assert sorted(
        f"{r.month:%m}{r.stage}" for r in SelfCheckReminder.objects.filter(org=county.branch_a1)
    ) == ["05overdue", "06due", "06overdue", "07due", "07overdue"]


def test_a_branch_founded_on_the_middle_day_owes_that_month(county, active):
    from xianfeng.orgs.services import org_create

    new = org_create(
        actor=None, parent=county.town_a, code="A8", name="新建村党支部", kind="branch",
        founded_on=datetime.date(YEAR, 6, 16),
    )  # fmt: skip
    zone = timezone.get_default_timezone()
    selfchecks_remind(now=datetime.datetime(YEAR, 6, 25, 9, tzinfo=zone))
    assert list(SelfCheckReminder.objects.filter(org=new).values_list("stage", flat=True)) == [
        "due"
    ]


def test_a_bulletin_leaves_out_a_branch_founded_after_half_the_quarter(county, active):
    from xianfeng.orgs.services import org_create

    late = org_create(
        actor=None, parent=county.town_a, code="A8", name="新建村党支部", kind="branch",
        founded_on=datetime.date(YEAR, 5, 17),
    )  # fmt: skip
    early = org_create(
        actor=None, parent=county.town_a, code="A7", name="早建村党支部", kind="branch",
        founded_on=datetime.date(YEAR, 5, 16),
    )  # fmt: skip
    q2 = bulletin_draft(actor=county.county_admin, org=county.county, year=YEAR, quarter=2)
    ranked = set(q2.rows.values_list("org__code", flat=True))
    assert early.code in ranked and late.code not in ranked and "A1" in ranked
    q3 = bulletin_draft(actor=county.county_admin, org=county.county, year=YEAR, quarter=3)
    assert late.code in set(q3.rows.values_list("org__code", flat=True))
