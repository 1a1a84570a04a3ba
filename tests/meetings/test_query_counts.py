"""Every list and dashboard of the ledger uses a fixed number of queries, whatever the
number of rows: the county overview most of all (one grouped query for a year of meetings)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import OrgFactory, grant
from tests.meetings.conftest import held_and_approved, local, plan
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind
from xianfeng.orgs.enums import OrgKind, RoleKind

pytestmark = pytest.mark.django_db

# session, user, roles, the org, committee sizes, party groups, branches, rules,
# the year's meetings grouped, child orgs
OVERVIEW_QUERIES = 10


def _branches(county, n):
    """n branches under town B (B1 and n - 1 new ones), each with a meeting and a group."""
    for i in range(n - 1):
        org = OrgFactory(code=f"BX{i}", name=f"河口新支部{i}", parent=county.town_b)
        OrgFactory(code=f"BX{i}G", name=f"第{i}小组", kind=OrgKind.GROUP, parent=org)
        grant(county.secretary_b1, org, RoleKind.SECRETARY)


@pytest.mark.parametrize("n", [1, 3])
def test_overview_query_count(client, branch, django_assert_num_queries, n):
    county = branch.county
    _branches(county, n)
    held_and_approved(branch, starts=local(2026, 2, 10))
    services.rule_set(actor=county.county_admin, org=county.town_b, kind="lecture", period="month")
    client.force_login(county.county_admin)
    with django_assert_num_queries(OVERVIEW_QUERIES + 1):  # + the header's unread badge
        html = client.get(
            reverse("meetings:overview"), {"org": "TB", "year": 2026}
        ).content.decode()
    assert html.count('<td class="org">') == n


@pytest.mark.parametrize("n", [1, 3])
def test_county_overview_query_count(client, branch, django_assert_num_queries, n):
    county = branch.county
    _branches(county, n)
    for month in (1, 2, 3):
        held_and_approved(branch, kind=MeetingKind.THEME_DAY, starts=local(2026, month, 8))
    client.force_login(county.county_admin)
    # the default root (the county): no org lookup, the roles give it; the unread badge
    with django_assert_num_queries(OVERVIEW_QUERIES):
        html = client.get(reverse("meetings:overview"), {"year": 2026}).content.decode()
    assert html.count('<td class="org">') == 2 + n


@pytest.mark.parametrize("n", [1, 3])
def test_api_overview_query_count(client, branch, django_assert_num_queries, n):
    county = branch.county
    _branches(county, n)
    client.force_login(county.county_admin)
    # session, user, roles, the org, committee, groups, branches, rules, meetings
    with django_assert_num_queries(9):
        data = client.get("/api/v1/meetings/compliance", {"org": "TB", "year": 2026}).json()
    assert len(data["rows"]) == n


def _meetings(branch, n):
    return [plan(branch, topic=f"会议{i}", starts=local(2026, 3, 10 + i)) for i in range(n)]


@pytest.mark.parametrize("n", [1, 3])
def test_my_meetings_query_count(client, branch, django_assert_num_queries, n):
    import datetime

    from django.utils import timezone

    soon = timezone.now() + datetime.timedelta(days=2)
    for i in range(n):
        plan(branch, topic=f"会议{i}", starts=soon + datetime.timedelta(days=i))
    client.force_login(branch.recorder_a)
    # session, user, roles (nav), the member record (nav: residents see no 三会一课 tab),
    # count, page, unread notices, to write, to approve (leave requests to decide: none
    # without a secretary role, so no query), the unread badge
    with django_assert_num_queries(10):
        html = client.get(reverse("meetings:index")).content.decode()
    assert html.count('class="meeting-row"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_ledger_list_query_count(client, branch, django_assert_num_queries, n):
    _meetings(branch, n)
    client.force_login(branch.secretary)
    # session, user, roles, count, page (org and host joined), the unread badge
    with django_assert_num_queries(6):
        html = client.get(reverse("meetings:list")).content.decode()
    assert html.count('class="meeting-row"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_meeting_notices_in_the_inbox_query_count(client, branch, django_assert_num_queries, n):
    _meetings(branch, n)
    client.force_login(branch.recorder_a)
    # session, user, roles (nav), the member record (nav), count, page, the unread badge
    with django_assert_num_queries(7):
        html = client.get(reverse("notify:inbox")).content.decode()
    assert html.count("会议通知：") == n


@pytest.mark.parametrize("n", [1, 3])
def test_branch_page_query_count(client, branch, django_assert_num_queries, n):
    for i in range(n):
        held_and_approved(branch, topic=f"会议{i}", starts=local(2026, 3, 10 + i))
    client.force_login(branch.secretary)
    # session, user, roles, the org, compliance (committee, groups, branches, rules,
    # meetings), the year's meetings, their attendance counts, the unread badge
    with django_assert_num_queries(12):
        html = client.get(reverse("meetings:branch", args=["A1"]), {"year": 2026}).content.decode()
    assert html.count("会议") >= n
    assert html.count('<span class="st st-approved">') == n


@pytest.mark.parametrize("n", [1, 3])
def test_detail_query_count(client, branch, django_assert_num_queries, n):
    from tests.factories import MemberFactory

    meeting = plan(branch, attendee_ids=[])
    extra = [MemberFactory(org=branch.org).user.pk for _ in range(n)]
    services.attendees_change(actor=branch.secretary, meeting=meeting, add=extra)
    client.force_login(branch.secretary)
    # session, user, meeting, roles, attendance rows (with members), quorum base,
    # minutes, attachments, amendments, leave requests, the unread badge, the latest
    # notice's batch and its reach, what other apps tie to it (a 点亮微心愿 campaign)
    with django_assert_num_queries(14):
        html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert html.count('<tr id="att-') == 3 + n


@pytest.mark.parametrize("n", [1, 3])
def test_api_list_query_count(client, branch, django_assert_num_queries, n):
    _meetings(branch, n)
    client.force_login(branch.secretary)
    # session, user, roles, count, page
    with django_assert_num_queries(5):
        data = client.get("/api/v1/meetings/").json()
    assert data["count"] == n
