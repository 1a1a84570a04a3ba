"""Compliance periods on both sides of each boundary: founding dates around "at least half
of the period", the local date of the founding, the day a period ends, quarter edges, the
committee of three, every party group (README, "三会一课 ledger")."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import MeetingFactory, OrgFactory, UserFactory, default_branch, grant
from xianfeng.meetings.enums import MeetingKind, Period
from xianfeng.meetings.periods import span_of, spans
from xianfeng.meetings.selectors.compliance import compliance_table, obligations
from xianfeng.orgs.enums import OrgKind, RoleKind
from xianfeng.orgs.models import Org

TZ = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai has no DST


# --- the periods themselves: who owes a period, by founding date ---------------------------
#
# "At least half of it": a period of d days is owed by a branch that existed on at least
# d/2 of them, the founding day included.


@pytest.mark.parametrize(
    ("period", "year", "index", "last_owing", "days"),
    [
        # June, 30 days: from the 16th it exists 15 days (exactly half); from the 17th, 14.
        (Period.MONTH, 2026, 5, datetime.date(2026, 6, 16), 30),
        # July, 31 days: from the 16th 16 days (≥ 15.5); from the 17th only 15.
        (Period.MONTH, 2026, 6, datetime.date(2026, 7, 16), 31),
        # February 2026, 28 days: from the 15th 14 days; from the 16th 13.
        (Period.MONTH, 2026, 1, datetime.date(2026, 2, 15), 28),
        # February 2024, 29 days: from the 15th 15 days (≥ 14.5); from the 16th 14.
        (Period.MONTH, 2024, 1, datetime.date(2024, 2, 15), 29),
        # Q1 2026, 90 days: from 15 Feb 14 + 31 = 45 days; from 16 Feb 44.
        (Period.QUARTER, 2026, 0, datetime.date(2026, 2, 15), 90),
        # Q3, 92 days: from 16 Aug 16 + 30 = 46; from 17 Aug 45.
        (Period.QUARTER, 2026, 2, datetime.date(2026, 8, 16), 92),
        # Q4, 92 days: from 16 Nov 15 + 31 = 46; from 17 Nov 45.
        (Period.QUARTER, 2026, 3, datetime.date(2026, 11, 16), 92),
        # The second half, 184 days: from 1 Oct 92; from 2 Oct 91.
        (Period.HALF, 2026, 1, datetime.date(2026, 10, 1), 184),
        # The first half of 2026, 181 days: from 1 Apr 30 + 31 + 30 = 91 (≥ 90.5); from
        # 2 Apr 90.
        (Period.HALF, 2026, 0, datetime.date(2026, 4, 1), 181),
        # A leap year, 366 days: from 2 July 183; from 3 July 182.
        (Period.YEAR, 2024, 0, datetime.date(2024, 7, 2), 366),
    ],
)
def test_span_required_for_founding_on_either_side_of_half(period, year, index, last_owing, days):
    span = spans(period, year)[index]
    assert span.days == days
    assert span.creation_cutoff == last_owing
    assert span.required_for(span.start - datetime.timedelta(days=400))
    assert span.required_for(last_owing - datetime.timedelta(days=1))
    assert span.required_for(last_owing)
    assert not span.required_for(last_owing + datetime.timedelta(days=1))
    assert not span.required_for(span.end)


@pytest.mark.parametrize(
    ("day", "quarter", "half"),
    [
        (datetime.date(2026, 1, 1), "2026-Q1", "2026-H1"),
        (datetime.date(2026, 3, 31), "2026-Q1", "2026-H1"),
        (datetime.date(2026, 4, 1), "2026-Q2", "2026-H1"),
        (datetime.date(2026, 6, 30), "2026-Q2", "2026-H1"),
        (datetime.date(2026, 7, 1), "2026-Q3", "2026-H2"),
        (datetime.date(2026, 9, 30), "2026-Q3", "2026-H2"),
        (datetime.date(2026, 10, 1), "2026-Q4", "2026-H2"),
        (datetime.date(2026, 12, 31), "2026-Q4", "2026-H2"),
    ],
)
def test_span_of_quarter_and_half_edges(day, quarter, half):
    assert span_of(Period.QUARTER, day).key == quarter
    assert span_of(Period.HALF, day).key == half
    assert span_of(Period.YEAR, day).key == "2026"
    assert span_of(Period.MONTH, day).key == f"2026-{day.month:02d}"
    assert span_of(Period.NONE, day) is None


def test_span_labels_and_masks():
    q = spans(Period.QUARTER, 2026)
    assert [s.label for s in q] == ["第一季度", "第二季度", "第三季度", "第四季度"]
    assert [s.mask for s in q] == [0b111, 0b111000, 0b111000000, 0b111000000000]
    assert [s.last_month for s in q] == [3, 6, 9, 12]
    h1, h2 = spans(Period.HALF, 2026)
    assert (h1.key, h1.label, h1.mask, h1.end) == (
        "2026-H1",
        "上半年",
        0b111111,
        datetime.date(2026, 6, 30),
    )
    assert (h2.key, h2.label, h2.mask, h2.start) == (
        "2026-H2",
        "下半年",
        0b111111000000,
        datetime.date(2026, 7, 1),
    )
    june = spans(Period.MONTH, 2026)[5]
    assert (june.key, june.label, june.full_label, june.mask) == (
        "2026-06",
        "6月",
        "2026年6月",
        0b100000,
    )
    (year,) = spans(Period.YEAR, 2026)
    assert (year.label, year.full_label) == ("全年", "2026年全年")
    assert q[2].full_label == "2026年第三季度"
    assert q[0].contains(datetime.date(2026, 1, 1)) and q[0].contains(datetime.date(2026, 3, 31))
    assert not q[0].contains(datetime.date(2026, 4, 1))
    assert not q[1].contains(datetime.date(2026, 3, 31))


# --- the compliance table on the same boundaries --------------------------------------------

pytestmark_db = pytest.mark.django_db


def branch_founded(day: datetime.date, *, code: str) -> Org:
    """A branch founded on `day` (09:00 Beijing time when the founding is a timestamp)."""
    org = default_branch()
    fields: dict = {
        "code": code,
        "created_at": datetime.datetime.combine(day, datetime.time(9), tzinfo=TZ),
    }
    if any(f.name == "founded_on" for f in Org._meta.get_fields()):
        fields["founded_on"] = day
    Org.objects.filter(pk=org.pk).update(**fields)
    org.refresh_from_db()
    return org


def statuses(org, kind, *, year=2026, today):
    table = compliance_table(org, year=year, today=today, kinds=[kind])
    (row,) = [r for r in table.rows if r.info.id == org.pk]
    return {ob.span.key: ob.status for ob in obligations(row, year=year, today=today)}, row


@pytestmark_db
def test_compliance_founded_on_the_16th_of_june_owes_june():
    org = branch_founded(datetime.date(2026, 6, 16), code="J16")
    got, row = statuses(org, MeetingKind.THEME_DAY, today=datetime.date(2026, 7, 10))
    assert (got["2026-05"], got["2026-06"], got["2026-07"]) == ("exempt", "overdue", "due")
    assert (row.met, row.due, row.failed) == (0, 1, 1)


@pytestmark_db
def test_compliance_founded_on_the_17th_of_june_does_not_owe_june():
    org = branch_founded(datetime.date(2026, 6, 17), code="J17")
    got, row = statuses(org, MeetingKind.THEME_DAY, today=datetime.date(2026, 7, 10))
    assert (got["2026-06"], got["2026-07"]) == ("exempt", "due")
    assert (row.met, row.due, row.failed) == (0, 0, 0)
    detail = obligations(row, year=2026, today=datetime.date(2026, 7, 10))[5].detail
    assert detail == "成立不足半个周期"


@pytestmark_db
def test_compliance_founded_mid_quarter_on_either_side_of_half():
    # Q3 (92 days): founded 16 August owes it, 17 August does not.
    owes = branch_founded(datetime.date(2026, 8, 16), code="Q16")
    free = branch_founded(datetime.date(2026, 8, 17), code="Q17")
    today = datetime.date(2026, 10, 8)
    assert statuses(owes, MeetingKind.ASSEMBLY, today=today)[0] == {
        "2026-Q1": "exempt",
        "2026-Q2": "exempt",
        "2026-Q3": "overdue",
        "2026-Q4": "due",
    }
    assert statuses(free, MeetingKind.ASSEMBLY, today=today)[0]["2026-Q3"] == "exempt"


@pytestmark_db
def test_compliance_a_period_is_due_on_its_last_day_and_overdue_the_day_after():
    org = branch_founded(datetime.date(2020, 1, 1), code="OLD")
    got, row = statuses(org, MeetingKind.ASSEMBLY, today=datetime.date(2026, 6, 30))
    assert (got["2026-Q2"], got["2026-Q3"]) == ("due", "future")
    assert (row.due, row.failed) == (1, 1)  # only Q1 has ended
    got, row = statuses(org, MeetingKind.ASSEMBLY, today=datetime.date(2026, 7, 1))
    assert (got["2026-Q2"], got["2026-Q3"]) == ("overdue", "due")
    assert (row.due, row.failed) == (2, 2)


@pytestmark_db
def test_compliance_a_meeting_on_the_last_day_of_a_quarter_counts_for_that_quarter():
    org = branch_founded(datetime.date(2020, 1, 1), code="EDGE")
    # 23:00 on 31 March, Beijing time.
    MeetingFactory(
        org=org,
        approved=True,
        starts_at=datetime.datetime(2026, 3, 31, 23, 0, tzinfo=TZ),
        ends_at=datetime.datetime(2026, 3, 31, 23, 50, tzinfo=TZ),
    )
    got, row = statuses(org, MeetingKind.ASSEMBLY, today=datetime.date(2026, 7, 1))
    assert (got["2026-Q1"], got["2026-Q2"]) == ("held", "overdue")
    assert (row.met, row.due, row.failed, row.rate) == (1, 2, 1, 50)


@pytestmark_db
def test_compliance_approved_and_archived_count_held_and_submitted_do_not():
    org = branch_founded(datetime.date(2020, 1, 1), code="ST")
    march = datetime.datetime(2026, 3, 10, 15, tzinfo=TZ)
    for month, trait in ((1, "archived"), (2, "approved"), (3, "submitted"), (4, "held")):
        starts = march.replace(month=month)
        MeetingFactory(
            org=org,
            kind=MeetingKind.THEME_DAY,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            **{trait: True},
        )
    got, row = statuses(org, MeetingKind.THEME_DAY, today=datetime.date(2026, 4, 20))
    assert [got[f"2026-0{m}"] for m in range(1, 6)] == [
        "held",
        "held",
        "unapproved",
        "pending",
        "future",
    ]
    assert (row.met, row.due, row.failed) == (2, 3, 1)


def _committee(org, size):
    for kind in [RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA][:size]:
        grant(UserFactory(name=f"支委{kind}"), org, kind)


@pytestmark_db
def test_compliance_committee_meetings_need_three_committee_members():
    two = branch_founded(datetime.date(2020, 1, 1), code="C2")
    three = branch_founded(datetime.date(2020, 1, 1), code="C3")
    # Three committee roles held by two people: two members, no committee.
    both = UserFactory(name="书记兼组织委员")
    grant(both, two, RoleKind.SECRETARY)
    grant(both, two, RoleKind.ORGANIZER)
    grant(UserFactory(name="宣传委员"), two, RoleKind.PROPAGANDA)
    _committee(three, 3)
    today = datetime.date(2026, 2, 10)
    got2, row2 = statuses(two, MeetingKind.COMMITTEE, today=today)
    got3, row3 = statuses(three, MeetingKind.COMMITTEE, today=today)
    assert (got2["2026-01"], row2.due) == ("exempt", 0)
    assert (got3["2026-01"], got3["2026-02"], row3.due) == ("overdue", "due", 1)


def _group(branch, name):
    group = OrgFactory(name=name, kind=OrgKind.GROUP, parent=branch)
    Org.objects.filter(pk=group.pk).update(created_at=branch.created_at)
    return group


@pytestmark_db
def test_compliance_every_party_group_meets_or_the_branch_has_not():
    org = branch_founded(datetime.date(2020, 1, 1), code="G")
    today = datetime.date(2026, 2, 10)
    got, _ = statuses(org, MeetingKind.GROUP, today=today)
    assert got["2026-01"] == "exempt"  # no groups: no 党小组会 owed
    first, second = _group(org, "第一党小组"), _group(org, "第二党小组")
    jan = datetime.datetime(2026, 1, 12, 19, tzinfo=TZ)
    end = jan + datetime.timedelta(hours=1)
    MeetingFactory(org=first, branch=org, kind=MeetingKind.GROUP, approved=True,
                   starts_at=jan, ends_at=end)  # fmt: skip
    got, row = statuses(org, MeetingKind.GROUP, today=today)
    assert got["2026-01"] == "overdue"
    detail = obligations(row, year=2026, today=today)[0].detail
    assert detail == "1/2 个党小组已开"
    MeetingFactory(org=second, branch=org, kind=MeetingKind.GROUP, approved=True,
                   starts_at=jan, ends_at=end)  # fmt: skip
    got, row = statuses(org, MeetingKind.GROUP, today=today)
    assert (got["2026-01"], got["2026-02"]) == ("held", "due")
    assert obligations(row, year=2026, today=today)[0].detail == "2/2 个党小组已开"
    assert (row.met, row.due, row.failed) == (1, 1, 0)


@pytestmark_db
def test_compliance_a_branch_without_groups_shows_no_group_meeting_as_held():
    """Regression: with no party groups, every month's 党小组会 was reported 已开, so future
    months showed as held in the heat map and counted as met in the month summary."""
    org = branch_founded(datetime.date(2020, 1, 1), code="NG")
    today = datetime.date(2026, 2, 10)
    got, _ = statuses(org, MeetingKind.GROUP, today=today)
    assert set(got.values()) == {"exempt"}
    table = compliance_table(org, year=2026, today=today, kinds=[MeetingKind.GROUP])
    assert table.rows[0].month_statuses == ["exempt"] * 12
    assert [m.met for m in table.summary] == [0] * 12
    everything = compliance_table(org, year=2026, today=today)
    assert everything.rows[0].month_statuses[3:11] == ["future"] * 8
    assert [m.met for m in everything.summary] == [0] * 12


@pytestmark_db
def test_compliance_a_month_is_met_only_in_the_months_every_group_met():
    org = branch_founded(datetime.date(2020, 1, 1), code="GM")
    first, second = _group(org, "第一党小组"), _group(org, "第二党小组")
    for group, months in ((first, (1, 3)), (second, (1, 2))):
        for month in months:
            starts = datetime.datetime(2026, month, 12, 19, tzinfo=TZ)
            ends = starts + datetime.timedelta(hours=1)
            MeetingFactory(
                org=group, branch=org, kind="group", approved=True, starts_at=starts, ends_at=ends
            )
    got, row = statuses(org, MeetingKind.GROUP, today=datetime.date(2026, 4, 10))
    assert [got[f"2026-0{m}"] for m in (1, 2, 3)] == ["held", "overdue", "overdue"]
    assert (row.met, row.due, row.failed) == (1, 3, 2)
