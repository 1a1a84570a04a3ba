"""A dissolved (撤销) branch owes nothing after its dissolution; its history stays."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import MemberFactory, OrgFactory
from tests.meetings.test_compliance import statuses_of
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.meetings.enums import MeetingKind
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.services import org_dissolve
from xianfeng.people.enums import StatusChangeKind
from xianfeng.people.services.history import member_leave

pytestmark = pytest.mark.django_db

D = datetime.date
A = MeetingKind.ASSEMBLY


@pytest.fixture
def old_branch(branch):
    org = OrgFactory(code="OLD", name="老街社区党支部", parent=branch.county.town_b)
    Org.objects.filter(pk=org.pk).update(founded_on=D(2015, 3, 1))
    org.refresh_from_db()
    return org


def test_a_dissolved_branch_owes_nothing_after_its_dissolution(branch, old_branch):
    county = branch.county
    org_dissolve(actor=county.county_admin, org=old_branch, on=D(2026, 5, 10), reason="村社合并")
    today = D(2026, 11, 22)
    monthly, row = statuses_of(county.county, MeetingKind.THEME_DAY, today=today, code="OLD")
    # May: existed 9 of 31 days (less than half), so not owed; April and before owed.
    assert [s for _, s in monthly] == ["overdue"] * 4 + ["exempt"] * 8
    assert (row.met, row.due, row.failed) == (0, 4, 4)
    quarterly, _ = statuses_of(county.county, A, today=today, code="OLD")
    # Q2 (1 April – 30 June, 91 days): 39 days is less than half.
    assert [s for _, s in quarterly] == ["overdue", "exempt", "exempt", "exempt"]


def test_dissolution_on_the_half_period_day_still_owes_the_period(branch, old_branch):
    county = branch.county
    # April has 30 days: dissolved on 16 April it existed 15 days, half of the month.
    org_dissolve(actor=county.county_admin, org=old_branch, on=D(2026, 4, 16), reason="撤并")
    monthly, _ = statuses_of(
        county.county, MeetingKind.THEME_DAY, today=D(2026, 11, 22), code="OLD"
    )
    assert [s for _, s in monthly][2:5] == ["overdue", "overdue", "exempt"]


def test_dissolution_day_before_half_is_exempt(branch, old_branch):
    county = branch.county
    org_dissolve(actor=county.county_admin, org=old_branch, on=D(2026, 4, 15), reason="撤并")
    monthly, _ = statuses_of(
        county.county, MeetingKind.THEME_DAY, today=D(2026, 11, 22), code="OLD"
    )
    assert [s for _, s in monthly][2:5] == ["overdue", "exempt", "exempt"]


def test_a_branch_with_members_cannot_be_dissolved(branch, old_branch):
    county = branch.county
    member = MemberFactory(org=old_branch)
    with pytest.raises(Refused) as excinfo:
        org_dissolve(actor=county.county_admin, org=old_branch, on=D(2026, 5, 10), reason="合并")
    assert excinfo.value.message == "该组织还有党员，请先办理组织关系转接"
    old_branch.refresh_from_db()
    assert old_branch.dissolved_on is None
    # Someone who has died is history, not a member: the branch may then be dissolved.
    member_leave(
        actor=county.county_admin,
        member=member,
        kind=StatusChangeKind.DECEASE,
        effective_on=D(2026, 4, 1),
    )
    org_dissolve(actor=county.county_admin, org=old_branch, on=D(2026, 5, 10), reason="合并")
    old_branch.refresh_from_db()
    assert (old_branch.dissolved_on, old_branch.dissolve_reason) == (D(2026, 5, 10), "合并")
    assert AuditLog.objects.get(action="org.dissolve").data == {
        "on": "2026-05-10",
        "reason": "合并",
    }


def test_dissolution_refusals_change_nothing(branch, old_branch):
    county = branch.county
    OrgFactory(code="OLDG", name="第一党小组", kind=OrgKind.GROUP, parent=old_branch)
    with pytest.raises(PermissionDenied):
        org_dissolve(actor=county.secretary_a1, org=old_branch, on=D(2026, 5, 10), reason="合并")
    with pytest.raises(Refused) as excinfo:
        org_dissolve(actor=county.county_admin, org=old_branch, on=D(2014, 1, 1), reason="合并")
    assert excinfo.value.message == "撤销日期早于成立日期"
    with pytest.raises(Refused) as excinfo:
        org_dissolve(actor=county.county_admin, org=old_branch, on=D(2026, 5, 10), reason=" ")
    assert excinfo.value.message == "请填写撤销原因（如村社合并、企业改制）"
    assert not Org.objects.filter(dissolved_on__isnull=False).exists()
    # Its party groups go with it.
    org_dissolve(actor=county.county_admin, org=old_branch, on=D(2026, 5, 10), reason="合并")
    assert Org.objects.get(code="OLDG").dissolved_on == D(2026, 5, 10)
    with pytest.raises(Refused) as excinfo:
        org_dissolve(actor=county.county_admin, org=old_branch, on=D(2026, 6, 1), reason="合并")
    assert excinfo.value.message == "“老街社区党支部”已于 2026-05-10 撤销"


def test_dissolve_through_the_org_page_and_who_may(client, branch, old_branch):
    county = branch.county
    url = f"/orgs/{old_branch.code}/dissolve/"
    client.force_login(county.secretary_b1)  # a branch secretary elsewhere: out of reach
    assert client.post(url, {"on": "2026-05-10", "reason": "合并"}).status_code == 404
    client.force_login(county.secretary_a1)
    assert client.post(url, {"on": "2026-05-10", "reason": "合并"}).status_code == 404
    old_branch.refresh_from_db()
    assert old_branch.dissolved_on is None
    client.force_login(county.county_admin)
    page = client.get(f"/orgs/{old_branch.code}/").content.decode()
    assert 'id="org-dissolve"' in page
    client.post(url, {"on": "2026-05-10", "reason": "村社合并"})
    old_branch.refresh_from_db()
    assert old_branch.dissolved_on == D(2026, 5, 10)
    page = client.get(f"/orgs/{old_branch.code}/").content.decode()
    assert "2026-05-10（村社合并）" in page and 'id="org-dissolve"' not in page
