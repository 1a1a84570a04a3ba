"""Branch A's minutes are invisible to branch B's secretary: pages, exports, calendar, API."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.meetings.conftest import local, plan, write_minutes
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.tokens import calendar_token

pytestmark = pytest.mark.django_db

SECRET_TOPIC = "东街支部秘密议题"
SECRET_MINUTES = "东街内部决议：调整低保名单"


@pytest.fixture
def leaky(branch):
    """A1's meeting with minutes worth hiding, and one of B1's own."""
    meeting = plan(branch, topic=SECRET_TOPIC, starts=local(2026, 3, 10))
    services.minutes_save(
        actor=branch.recorder_a,
        meeting=meeting,
        data=services.MinutesData(agenda="议程", resolutions=SECRET_MINUTES),
        now=meeting.ends_at,
    )
    county = branch.county
    own = services.meeting_plan(
        actor=county.secretary_b1,
        org=county.branch_b1,
        data=services.MeetingData(
            kind=MeetingKind.ASSEMBLY,
            topic="柳湾村党员大会",
            starts_at=local(2026, 3, 11),
            ends_at=local(2026, 3, 11, 17),
            place="村委会",
            host=county.secretary_b1,
            recorder_a=county.member_b1.user,
            recorder_b=_b1_member(county),
        ),
    )
    return meeting, own


def _b1_member(county):
    from tests.factories import MemberFactory, UserFactory

    return MemberFactory(org=county.branch_b1, user=UserFactory(name="柳湾记录B")).user


def test_pages_leak_nothing(client, branch, leaky):
    meeting, _own = leaky
    client.force_login(branch.county.secretary_b1)
    for url in (
        reverse("meetings:index"),
        reverse("meetings:list"),
        reverse("meetings:list") + "?year=2026",
        reverse("meetings:overview") + "?year=2026",
        reverse("notify:inbox"),
        reverse("common:home"),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET_TOPIC not in body and SECRET_MINUTES not in body, url
    assert "柳湾村党员大会" in client.get(reverse("meetings:list")).content.decode()
    for name in ("detail", "minutes", "pdf", "qr", "edit", "attendees", "amend"):
        response = client.get(reverse(f"meetings:{name}", args=[meeting.pk]))
        assert response.status_code == 404, name
        assert SECRET_TOPIC not in response.content.decode()
    for name, args in (
        ("branch", ["A1"]),
        ("ledger", ["A1", 2026]),
        ("rules", ["A1"]),
    ):
        assert client.get(reverse(f"meetings:{name}", args=args)).status_code == 404, name
    assert client.get(reverse("meetings:list") + "?org=A1").status_code == 404
    assert client.get(reverse("meetings:overview") + "?org=TA").status_code == 404


def test_writes_on_another_branch_are_404_and_change_nothing(client, branch, leaky):
    meeting, _ = leaky
    client.force_login(branch.county.secretary_b1)
    for name, data in (
        ("cancel", {"reason": "x"}),
        ("held", {}),
        ("record", {"user": branch.recorder_a.pk, "status": "absent", "reason": "缺席"}),
        ("leave", {"reason": "有事"}),
        ("attachment_add", {"kind": "photo"}),
    ):
        assert client.post(reverse(f"meetings:{name}", args=[meeting.pk]), data).status_code == 404
    for action in ("submit", "approve", "return", "archive"):
        url = reverse("meetings:action", args=[meeting.pk, action])
        assert client.post(url, {"note": "x"}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.state == "held"
    assert meeting.attendances.filter(status="expected").count() == 6


def test_a_member_sees_the_meeting_but_not_the_minutes(client, branch, leaky):
    meeting, _ = leaky
    client.force_login(branch.full[2].user)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert SECRET_TOPIC in html and SECRET_MINUTES not in html
    assert client.get(reverse("meetings:pdf", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("meetings:minutes", args=[meeting.pk])).status_code == 404
    # Another branch's member does not even see it.
    client.force_login(branch.county.member_a2.user)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404


def test_upper_orgs_see_their_subtree_only(client, branch, leaky):
    meeting, own = leaky
    client.force_login(branch.county.town_a_admin)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("meetings:detail", args=[own.pk])).status_code == 404
    body = client.get(reverse("meetings:overview") + "?year=2026").content.decode()
    assert "东街社区党支部" in body and "柳湾村党支部" not in body
    client.force_login(branch.county.county_admin)
    pdf = client.get(reverse("meetings:pdf", args=[meeting.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_exports_leak_nothing(client, branch, leaky):
    client.force_login(branch.county.secretary_b1)
    response = client.get(reverse("meetings:ledger", args=["B1", 2026]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "柳湾村党员大会" in cells
    assert not any(SECRET_TOPIC in c or SECRET_MINUTES in c for c in cells)


def test_calendar_leaks_nothing(client, branch, leaky):
    import datetime

    from django.utils import timezone

    soon = timezone.now() + datetime.timedelta(days=3)
    plan(branch, topic=SECRET_TOPIC + "（下周）", starts=soon)
    _, own = leaky
    services.meeting_update(
        actor=branch.county.secretary_b1,
        meeting=own,
        data=services.MeetingData(
            kind=own.kind,
            topic=own.topic,
            starts_at=soon,
            ends_at=soon + datetime.timedelta(hours=1),
            place=own.place,
            host=own.host,
            recorder_a=own.recorder_a,
            recorder_b=own.recorder_b,
        ),
    )
    secretary_b1 = branch.county.secretary_b1
    services.calendar_enable(user=secretary_b1)
    feed = client.get(reverse("meetings:calendar", args=[calendar_token(secretary_b1.pk, 0)]))
    body = feed.content.decode()
    assert feed.status_code == 200
    assert "柳湾村党员大会" in body and SECRET_TOPIC not in body
    # Someone else's feed cannot be had by changing the id in the address.
    forged = calendar_token(secretary_b1.pk, 0).replace(
        f"{secretary_b1.pk}-", f"{branch.recorder_a.pk}-", 1
    )
    assert client.get(reverse("meetings:calendar", args=[forged])).status_code == 404
    # Nor the feed of a person who never turned it on.
    assert (
        client.get(
            reverse("meetings:calendar", args=[calendar_token(branch.recorder_a.pk, 0)])
        ).status_code
        == 404
    )


def test_api_leaks_nothing(client, branch, leaky):
    meeting, _own = leaky
    client.force_login(branch.county.secretary_b1)
    body = client.get("/api/v1/meetings/", {"page_size": 100}).content.decode()
    assert "柳湾村党员大会" in body and SECRET_TOPIC not in body
    body = client.get("/api/v1/meetings/", {"mine": "true"}).content.decode()
    assert SECRET_TOPIC not in body
    for url in (
        f"/api/v1/meetings/{meeting.pk}",
        f"/api/v1/meetings/{meeting.pk}/minutes.pdf",
        f"/api/v1/meetings/{meeting.pk}/checkin-code",
        "/api/v1/meetings/compliance/A1",
        "/api/v1/meetings/ledger/A1/2026",
        "/api/v1/meetings/?org=A1",
        "/api/v1/meetings/compliance?org=TA",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SECRET_TOPIC not in response.content.decode()
    response = client.put(
        f"/api/v1/meetings/{meeting.pk}/minutes",
        {"agenda": "篡改"},
        content_type="application/json",
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/meetings/{meeting.pk}/minutes/approve", content_type="application/json"
    )
    assert response.status_code == 404
    overview = client.get("/api/v1/meetings/compliance").json()
    assert [r["code"] for r in overview["rows"]] == ["B1"]


def test_a_member_reads_no_minutes_through_the_api(client, branch, leaky):
    meeting, _ = leaky
    write_minutes(meeting, branch.recorder_a)
    client.force_login(branch.full[2].user)
    data = client.get(f"/api/v1/meetings/{meeting.pk}").json()
    assert data["topic"] == SECRET_TOPIC
    assert (data["minutes"], data["attendance"], data["quorum"], data["pdf_url"]) == (
        None,
        [],
        None,
        None,
    )
    assert data["my_status"] == "expected"


def test_attachments_are_never_public(client, branch, leaky, private_storage_in_tmp):
    """A photo and a sign-in sheet scan: the recorders and officers get them through the
    checked view; another branch, a plain member, a judge and an anonymous visitor get
    nothing, and no URL outside the view reaches the stored files."""
    from tests.meetings.test_minutes import jpeg

    meeting, _ = leaky
    photo = services.attachment_add(
        actor=branch.recorder_a,
        meeting=meeting,
        kind="photo",
        handle=jpeg(800, 600),
        size=50_000,
        name="现场.jpg",
    )
    sheet = services.attachment_add(
        actor=branch.recorder_a,
        meeting=meeting,
        kind="sheet",
        handle=jpeg(800, 600),
        size=50_000,
        name="签到表.jpg",
    )
    urls = [
        reverse("meetings:attachment", args=[meeting.pk, item.pk]) + suffix
        for item in (photo, sheet)
        for suffix in ("", "?size=thumb")
    ]
    client.force_login(branch.secretary)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("private")
    county = branch.county
    for outsider in (county.secretary_b1, county.member_b1.user, county.judge, branch.full[2].user):
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
    # The files themselves: no URL maps to the private storage.
    for item in (photo, sheet):
        for name in (item.image.name, item.thumb.name):
            assert client.get(f"/media/{name}").status_code == 404
            assert client.get(f"/private/{name}").status_code == 404
