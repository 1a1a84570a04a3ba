"""Compliance math: which required meetings each branch held, missed or is still due."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import OrgFactory, grant
from tests.meetings.conftest import held_and_approved, held_only, local, plan
from xianfeng.common.errors import Refused
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind, Period
from xianfeng.meetings.selectors.compliance import compliance_table, obligations
from xianfeng.orgs.enums import OrgKind, RoleKind
from xianfeng.orgs.models import Org

pytestmark = pytest.mark.django_db

A = MeetingKind.ASSEMBLY


def statuses_of(root, kind, *, year=2026, today=datetime.date(2026, 10, 15), code="A1"):
    table = compliance_table(root, year=year, today=today, kinds=[kind])
    row = next(r for r in table.rows if r.info.code == code)
    return [(ob.span.key, ob.status) for ob in obligations(row, year=year, today=today)], row


def test_quarter_boundary_follows_the_local_date(branch):
    late_march = held_and_approved(branch, starts=local(2026, 3, 31, 23, 0), minutes=50)
    # 00:30 on 1 April in Beijing is still 31 March in UTC: it counts for the second quarter.
    early_april = held_and_approved(branch, starts=local(2026, 4, 1, 0, 30))
    assert (late_march.year, late_march.month) == (2026, 3)
    assert (early_april.year, early_april.month) == (2026, 4)
    assert early_april.starts_at.astimezone(datetime.UTC).date() == datetime.date(2026, 3, 31)
    got, row = statuses_of(branch.org, A)
    assert got == [
        ("2026-Q1", "held"),
        ("2026-Q2", "held"),
        ("2026-Q3", "overdue"),
        ("2026-Q4", "due"),
    ]
    assert (row.met, row.due, row.failed, row.rate) == (2, 3, 1, 67)
    assert row.month_statuses == ["", "", "held", "", "", "held", "", "", "overdue", "", "", "due"]


def test_year_boundary_follows_the_local_date(branch):
    held_and_approved(branch, kind=MeetingKind.LIFE, starts=local(2025, 12, 31, 22, 0), minutes=60)
    held_and_approved(branch, kind=MeetingKind.LIFE, starts=local(2026, 1, 1, 0, 30))
    got_2025, _ = statuses_of(branch.org, MeetingKind.LIFE, year=2025)
    got_2026, _ = statuses_of(branch.org, MeetingKind.LIFE, year=2026)
    assert got_2025 == [("2025", "held")]
    assert got_2026 == [("2026", "held")]
    # The next year starts with nothing held, due until 31 December.
    got_2027, _ = statuses_of(
        branch.org, MeetingKind.LIFE, year=2027, today=datetime.date(2027, 1, 5)
    )
    assert got_2027 == [("2027", "due")]
    # December of 2025 counts for the monthly 主题党日 only in 2025.
    held_and_approved(branch, kind=MeetingKind.THEME_DAY, starts=local(2025, 12, 31, 20, 0))
    dec, _ = statuses_of(branch.org, MeetingKind.THEME_DAY, year=2025)
    jan, _ = statuses_of(branch.org, MeetingKind.THEME_DAY, year=2026)
    assert dec[11] == ("2025-12", "held")
    assert jan[0] == ("2026-01", "overdue")


def _new_branch(county, code, founded):
    org = OrgFactory(code=code, name=f"新支部{code}", parent=county.town_b)
    Org.objects.filter(pk=org.pk).update(founded_on=founded)
    return org


def test_founding_date_not_the_row_date_decides_what_is_owed(branch):
    """A branch founded in 2015 but typed in today owes the whole year."""
    county = branch.county
    old = _new_branch(county, "OLD", datetime.date(2015, 3, 1))
    Org.objects.filter(pk=old.pk).update(
        created_at=datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)
    )
    today = datetime.date(2026, 11, 22)
    monthly, _ = statuses_of(county.county, MeetingKind.THEME_DAY, today=today, code="OLD")
    assert [s for _, s in monthly] == ["overdue"] * 10 + ["due", "future"]


def test_branch_founded_mid_year_owes_only_what_it_existed_for(branch):
    county = branch.county
    _new_branch(county, "NEW5", datetime.date(2026, 5, 10))
    _new_branch(county, "NEW10", datetime.date(2026, 10, 20))
    today = datetime.date(2026, 11, 22)
    monthly, row = statuses_of(county.county, MeetingKind.THEME_DAY, today=today, code="NEW5")
    assert [s for _, s in monthly] == ["exempt"] * 4 + ["overdue"] * 6 + ["due", "future"]
    assert (row.met, row.due, row.failed) == (0, 6, 6)
    quarterly, _ = statuses_of(county.county, A, today=today, code="NEW5")
    assert [s for _, s in quarterly] == ["exempt", "overdue", "overdue", "due"]
    yearly, _ = statuses_of(county.county, MeetingKind.LIFE, today=today, code="NEW5")
    assert yearly == [("2026", "due")]

    october, _ = statuses_of(county.county, MeetingKind.THEME_DAY, today=today, code="NEW10")
    assert [s for _, s in october][9:] == ["exempt", "due", "future"]
    quarters, _ = statuses_of(county.county, A, today=today, code="NEW10")
    assert [s for _, s in quarters] == ["exempt", "exempt", "exempt", "due"]
    year, row10 = statuses_of(county.county, MeetingKind.LIFE, today=today, code="NEW10")
    assert year == [("2026", "exempt")]
    assert (row10.met, row10.due, row10.failed) == (0, 0, 0)


def test_planned_but_never_held_counts_as_nothing(branch):
    plan(branch, starts=local(2026, 2, 10))
    during, _ = statuses_of(branch.org, A, today=datetime.date(2026, 2, 20))
    assert during[0] == ("2026-Q1", "planned")
    after, row = statuses_of(branch.org, A, today=datetime.date(2026, 4, 2))
    assert after[0] == ("2026-Q1", "overdue")
    assert (row.met, row.failed) == (0, 1)
    # A meeting planned for a coming quarter shows as planned, not as held.
    plan(branch, starts=local(2026, 5, 10))
    ahead, _ = statuses_of(branch.org, A, today=datetime.date(2026, 3, 1))
    assert ahead[1] == ("2026-Q2", "planned")


def test_held_but_minutes_never_approved_does_not_count(branch):
    meeting = held_only(branch, starts=local(2026, 2, 10))
    during, row = statuses_of(branch.org, A, today=datetime.date(2026, 3, 1))
    assert during[0] == ("2026-Q1", "pending")
    assert (row.met, row.due, row.failed) == (0, 0, 0)
    after, row = statuses_of(branch.org, A, today=datetime.date(2026, 4, 15))
    assert after[0] == ("2026-Q1", "unapproved")
    assert (row.met, row.due, row.failed) == (0, 1, 1)
    # Approval after the quarter still fulfils the meeting's own quarter.
    services.minutes_approve(actor=branch.recorder_b, meeting=meeting)
    later, row = statuses_of(branch.org, A, today=datetime.date(2026, 4, 20))
    assert later[0] == ("2026-Q1", "held")
    assert (row.met, row.due, row.failed) == (1, 1, 0)


def test_cancelled_meetings_count_for_nothing(branch):
    meeting = plan(branch, starts=local(2026, 2, 10))
    services.meeting_cancel(actor=branch.secretary, meeting=meeting, reason="疫情防控")
    got, _ = statuses_of(branch.org, A, today=datetime.date(2026, 2, 20))
    assert got[0] == ("2026-Q1", "due")


def test_committee_meetings_only_where_there_is_a_committee(branch):
    county = branch.county
    got, _ = statuses_of(county.county, MeetingKind.COMMITTEE, today=datetime.date(2026, 2, 15))
    assert got[:2] == [("2026-01", "overdue"), ("2026-02", "due")]
    no_committee, row = statuses_of(
        county.county, MeetingKind.COMMITTEE, today=datetime.date(2026, 2, 15), code="A2"
    )
    assert {s for _, s in no_committee} == {"exempt"}
    assert row.due == 0
    detail = obligations(row, year=2026, today=datetime.date(2026, 2, 15))[0].detail
    assert detail == "未设支委会"


def test_every_party_group_must_hold_its_meeting(branch):
    second = OrgFactory(code="A1G2", name="第二党小组", kind=OrgKind.GROUP, parent=branch.org)
    Org.objects.filter(pk=second.pk).update(founded_on=branch.org.founded_on)
    held_and_approved(branch, kind=MeetingKind.GROUP, starts=local(2026, 1, 12))
    table = compliance_table(
        branch.org, year=2026, today=datetime.date(2026, 2, 3), kinds=[MeetingKind.GROUP]
    )
    jan = obligations(table.rows[0], year=2026, today=datetime.date(2026, 2, 3))[0]
    assert (jan.status, jan.detail) == ("overdue", "1/2 个党小组已开")
    grant(branch.organizer, second, RoleKind.ORGANIZER)
    held_and_approved(branch, kind=MeetingKind.GROUP, org=second, starts=local(2026, 1, 20))
    table = compliance_table(
        branch.org, year=2026, today=datetime.date(2026, 2, 3), kinds=[MeetingKind.GROUP]
    )
    jan = obligations(table.rows[0], year=2026, today=datetime.date(2026, 2, 3))[0]
    assert (jan.status, jan.detail) == ("held", "2/2 个党小组已开")


def test_rules_apply_to_the_subtree_unless_a_lower_org_overrides(branch):
    county = branch.county
    services.rule_set(actor=county.county_admin, org=county.county, kind=A, period=Period.MONTH)
    services.rule_set(actor=county.town_a_admin, org=county.town_a, kind=A, period=Period.HALF)
    today = datetime.date(2026, 8, 1)
    a1, _ = statuses_of(county.county, A, today=today)
    b1, _ = statuses_of(county.county, A, today=today, code="B1")
    assert [k for k, _ in a1] == ["2026-H1", "2026-H2"]
    assert len(b1) == 12
    services.rule_set(actor=county.town_a_admin, org=county.town_a, kind=A, period=Period.NONE)
    a1, row = statuses_of(county.county, A, today=today)
    assert a1 == []
    assert row.due == 0
    # Back to the county's rule once the town's is cleared.
    services.rule_set(actor=county.town_a_admin, org=county.town_a, kind=A, period=None)
    a1, _ = statuses_of(county.county, A, today=today)
    assert len(a1) == 12


def test_the_month_cell_shows_the_worst_obligation_ending_then(branch):
    held_and_approved(branch, kind=MeetingKind.THEME_DAY, starts=local(2026, 3, 5))
    table = compliance_table(branch.org, year=2026, today=datetime.date(2026, 4, 2))
    row = table.rows[0]
    # March: 主题党日 held, but 支委会 and 党小组会 of March and the first quarter's
    # 支部党员大会 and 党课 were not: overdue.
    assert row.month_statuses[2] == "overdue"
    assert row.month_statuses[3] == "due"
    assert row.month_statuses[4] == "future"
    only_theme = compliance_table(
        branch.org, year=2026, today=datetime.date(2026, 4, 2), kinds=[MeetingKind.THEME_DAY]
    )
    assert only_theme.rows[0].month_statuses[:4] == ["overdue", "overdue", "held", "due"]
    march = only_theme.summary[2]
    assert (march.branches, march.met, march.failed, march.open, march.rate) == (1, 1, 0, 0, 100)


def test_county_table_covers_every_branch_in_the_subtree(branch):
    county = branch.county
    held_and_approved(branch, starts=local(2026, 2, 10))
    table = compliance_table(county.county, year=2026, today=datetime.date(2026, 4, 15), kinds=[A])
    assert [r.info.code for r in table.rows] == ["A1", "A2", "B1"]
    assert [r.failed for r in table.rows] == [0, 1, 1]
    assert table.failed_branches == 2
    assert table.rate == 33
    town = compliance_table(county.town_a, year=2026, today=datetime.date(2026, 4, 15))
    assert [r.info.code for r in town.rows] == ["A1", "A2"]
    assert town.rows[0].info.parent_name == "城关镇党委"


def test_rules_set_saves_all_or_nothing(branch):
    """The rules page saves several kinds at once: a refusal of one leaves none saved."""
    from xianfeng.meetings.models import MeetingRule

    admin = branch.county.county_admin
    with pytest.raises(Refused, match="请选择频次"):
        services.rules_set(
            actor=admin,
            org=branch.county.town_a,
            periods={MeetingKind.ASSEMBLY: Period.MONTH, MeetingKind.COMMITTEE: "fortnightly"},
        )
    assert not MeetingRule.objects.exists()
    services.rules_set(
        actor=admin,
        org=branch.county.town_a,
        periods={MeetingKind.ASSEMBLY: Period.MONTH, MeetingKind.COMMITTEE: Period.QUARTER},
    )
    assert sorted(MeetingRule.objects.values_list("kind", "period")) == [
        ("assembly", "month"),
        ("committee", "quarter"),
    ]
