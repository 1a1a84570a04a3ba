"""组织生活会 in substance: 对照检查材料, 批评与自我批评 and the 整改清单 (owner, deadline,
progress with evidence, 销号 by the secretary), the weekly reminder of overdue items, the
indicators, the ledger's sheet, and who may see any of it."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.meetings.conftest import local, plan, write_minutes
from xianfeng.audit.models import AuditLog
from xianfeng.common import periodic
from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.meetings import services
from xianfeng.meetings.enums import MeetingKind, RectificationState
from xianfeng.meetings.indicators import rectification_on_time, rectification_overdue
from xianfeng.meetings.models import (
    Criticism,
    Rectification,
    RectificationReminder,
    RectificationUpdate,
    ReviewMaterial,
)
from xianfeng.meetings.services import life
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db

SECRET = "东街支部对照检查：本人存在形式主义问题"
PDF = b"%PDF-1.4\n% test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DAY = datetime.date(2026, 3, 10)


def pdf(name: str = "材料.pdf", data: bytes = PDF) -> life.Upload:
    return life.Upload(handle=io.BytesIO(data), size=len(data), name=name)


@pytest.fixture
def meeting(branch):
    """A1's 组织生活会, held (minutes written, not yet submitted)."""
    m = plan(branch, kind=MeetingKind.LIFE, starts=local(2026, 3, 10), topic="年度组织生活会")
    write_minutes(m, branch.recorder_a, submit=False)
    m.refresh_from_db()
    return m


def add_item(
    branch,
    meeting,
    *,
    owner=None,
    deadline=DAY + datetime.timedelta(days=20),
    problem="谈心谈话开展不够",
):
    return life.rectification_add(
        actor=branch.secretary,
        meeting=meeting,
        data=life.RectificationData(
            problem=problem,
            measures="每季度谈心谈话一次",
            owner_id=(owner or branch.recorder_a).pk,
            deadline=deadline,
        ),
        today=DAY,
    )


# --- 对照检查材料 -----------------------------------------------------------------------------


def test_material_saved_again_is_one_row_and_a_file_replaces_the_old(branch, meeting):
    m = life.material_save(actor=branch.recorder_a, meeting=meeting, text="初稿")
    again = life.material_save(
        actor=branch.recorder_a, meeting=meeting, text=SECRET, upload=pdf("对照检查.pdf")
    )
    assert again.pk == m.pk
    assert ReviewMaterial.objects.count() == 1
    again.refresh_from_db()
    assert (again.text, again.original_name, again.content_type, again.size) == (
        SECRET,
        "对照检查.pdf",
        "application/pdf",
        len(PDF),
    )
    assert again.file.read() == PDF


def test_material_needs_text_or_file_and_a_real_file(branch, meeting):
    with pytest.raises(Refused, match="请填写材料内容或上传材料文件"):
        life.material_save(actor=branch.recorder_a, meeting=meeting, text="  ")
    with pytest.raises(Refused, match="不是 PDF 文件"):
        life.material_save(
            actor=branch.recorder_a, meeting=meeting, text="", upload=pdf(data=b"<html>")
        )
    with pytest.raises(Refused, match="只能是 PDF"):
        life.material_save(
            actor=branch.recorder_a, meeting=meeting, text="", upload=pdf(name="a.exe")
        )
    assert ReviewMaterial.objects.count() == 0


def test_material_by_another_branch_or_after_approval_is_refused(branch, meeting):
    county = branch.county
    with pytest.raises(PermissionDenied):
        life.material_save(actor=county.member_b1.user, meeting=meeting, text="外支部")
    services.minutes_submit(actor=branch.recorder_a, meeting=meeting, now=meeting.ends_at)
    services.minutes_approve(actor=branch.recorder_b, meeting=meeting, now=meeting.ends_at)
    with pytest.raises(Refused, match="会议记录已审核"):
        life.material_save(actor=branch.recorder_a, meeting=meeting, text="晚了")
    assert ReviewMaterial.objects.count() == 0


def test_only_a_life_meeting_has_materials(branch):
    other = plan(branch, kind=MeetingKind.ASSEMBLY, starts=local(2026, 3, 12))
    with pytest.raises(PermissionDenied):
        life.material_save(actor=branch.recorder_a, meeting=other, text="x")


# --- 批评与自我批评 ----------------------------------------------------------------------------


def test_criticism_by_recorder_self_and_other_and_double_click(branch, meeting):
    a, b = branch.recorder_a, branch.recorder_b
    own = life.criticism_add(
        actor=a, meeting=meeting, speaker_id=b.pk, target_id=b.pk, content="我学习不够深入"
    )
    assert own.target_id is None and own.is_self
    other = life.criticism_add(
        actor=branch.secretary,
        meeting=meeting,
        speaker_id=b.pk,
        target_id=branch.secretary.pk,
        content="书记谈心谈话偏少",
    )
    again = life.criticism_add(
        actor=branch.secretary,
        meeting=meeting,
        speaker_id=b.pk,
        target_id=branch.secretary.pk,
        content="书记谈心谈话偏少",
    )
    assert again.pk == other.pk
    assert Criticism.objects.count() == 2


def test_criticism_by_a_plain_member_or_about_an_outsider_is_refused(branch, meeting):
    member = branch.full[2].user
    with pytest.raises(PermissionDenied):
        life.criticism_add(
            actor=member, meeting=meeting, speaker_id=member.pk, target_id=None, content="x"
        )
    with pytest.raises(Refused, match="被批评人应是本支部党员"):
        life.criticism_add(
            actor=branch.recorder_a,
            meeting=meeting,
            speaker_id=member.pk,
            target_id=branch.county.member_b1.user.pk,
            content="外支部的人",
        )
    assert Criticism.objects.count() == 0


# --- 整改清单 ---------------------------------------------------------------------------------


def test_rectification_flow_owner_reports_secretary_closes(branch, meeting):
    owner = branch.recorder_a
    item = add_item(branch, meeting, owner=owner)
    told = Notification.objects.get(kind="meeting.rectification", user=owner)
    assert told.title == "整改任务：谈心谈话开展不够"
    assert told.url == reverse("meetings:rectification", args=[item.pk])
    assert add_item(branch, meeting, owner=owner).pk == item.pk  # a double click

    with pytest.raises(Refused, match="请责任人先报告整改进展"):
        life.rectification_close(actor=branch.secretary, item=item)
    update = life.rectification_progress(
        actor=owner, item=item, note="已完成一轮谈心谈话", upload=pdf("台账.pdf")
    )
    assert update.file.read() == PDF
    with pytest.raises(PermissionDenied):
        life.rectification_close(actor=branch.organizer, item=item)
    with pytest.raises(PermissionDenied):
        life.rectification_progress(actor=branch.full[3].user, item=item, note="不是我的")
    closed_at = local(2026, 3, 25, 10)
    life.rectification_close(actor=branch.secretary, item=item, note="到位", now=closed_at)
    item.refresh_from_db()
    assert (item.state, item.closed_on, item.closed_by, item.on_time) == (
        RectificationState.CLOSED,
        datetime.date(2026, 3, 25),
        branch.secretary,
        True,
    )
    assert (
        AuditLog.objects.filter(action="rectification.closed", object_id=str(item.pk)).count() == 1
    )
    # A second click changes nothing; no progress after 销号.
    life.rectification_close(actor=branch.secretary, item=item, now=closed_at)
    assert AuditLog.objects.filter(action="rectification.closed").count() == 1
    with pytest.raises(Refused, match="已销号"):
        life.rectification_progress(actor=owner, item=item, note="再报告")
    assert RectificationUpdate.objects.count() == 1


def test_rectification_refuses_bad_input(branch, meeting):
    with pytest.raises(Refused, match="整改时限不能早于今天"):
        add_item(branch, meeting, deadline=DAY - datetime.timedelta(days=1))
    with pytest.raises(Refused, match="责任人应是本支部党员"):
        add_item(branch, meeting, owner=branch.county.member_b1.user)
    with pytest.raises(PermissionDenied):
        life.rectification_add(
            actor=branch.full[3].user,
            meeting=meeting,
            data=life.RectificationData("问题", "措施", branch.full[3].user.pk, DAY),
            today=DAY,
        )
    assert Rectification.objects.count() == 0


# --- reminders --------------------------------------------------------------------------------


def test_overdue_reminder_once_per_item_per_week(branch, meeting):
    overdue = add_item(branch, meeting, deadline=datetime.date(2026, 3, 20))
    add_item(branch, meeting, deadline=datetime.date(2026, 4, 30), problem="尚未到期")
    done = add_item(branch, meeting, deadline=datetime.date(2026, 3, 20), problem="已销号")
    life.rectification_progress(actor=branch.recorder_a, item=done, note="完成")
    life.rectification_close(actor=branch.secretary, item=done, now=local(2026, 3, 19))
    Notification.objects.all().delete()

    monday = datetime.date(2026, 3, 23)
    assert life.rectification_remind(today=monday) == 2  # the owner and the secretary
    reminded = Notification.objects.filter(kind="meeting.rectification")
    assert sorted(n.user_id for n in reminded) == sorted(
        [branch.recorder_a.pk, branch.secretary.pk]
    )
    assert {n.title for n in reminded} == {"整改逾期提醒：谈心谈话开展不够"}
    assert "已超过时限 3 天" in reminded.first().body
    # The same week, again and again: nothing more.
    assert life.rectification_remind(today=monday) == 0
    assert life.rectification_remind(today=monday + datetime.timedelta(days=6)) == 0
    # The next week: once more.
    assert life.rectification_remind(today=monday + datetime.timedelta(days=7)) == 2
    assert list(
        RectificationReminder.objects.filter(item=overdue)
        .order_by("period_key")
        .values_list("period_key", flat=True)
    ) == ["2026-W13", "2026-W14"]
    assert Notification.objects.filter(kind="meeting.rectification").count() == 4


def test_the_reminder_job_is_registered(branch):
    jobs = {job.name: job for job in periodic.jobs()}
    assert jobs["meetings.rectification_remind"].every == datetime.timedelta(hours=6)
    assert jobs["meetings.rectification_remind"].task.enqueue().return_value == 0


# --- indicators -------------------------------------------------------------------------------


def test_indicators_on_hand_computed_items(branch, meeting):
    """March: four items due in March (deadline passed), one due in April.
    - p: due 3/15, closed 3/14 → on time
    - q: due 3/20, closed 3/20 → on time (the deadline day counts)
    - r: due 3/20, closed 4/02 → late; open on 3/31 → overdue at the end of March
    - s: due 3/25, open → late, overdue
    - t: due 4/10, open → not in March; not overdue on 3/31
    On time in March: 2 of 4 = 50.0 %; overdue at the end of March: 2."""
    from xianfeng.common import indicators

    def item(problem, deadline, closed=None):
        it = add_item(branch, meeting, deadline=deadline, problem=problem)
        if closed:
            life.rectification_progress(actor=branch.recorder_a, item=it, note="完成")
            life.rectification_close(actor=branch.secretary, item=it, now=local(*closed))
        return it

    item("p", datetime.date(2026, 3, 15), (2026, 3, 14))
    item("q", datetime.date(2026, 3, 20), (2026, 3, 20, 23))
    item("r", datetime.date(2026, 3, 20), (2026, 4, 2))
    item("s", datetime.date(2026, 3, 25))
    item("t", datetime.date(2026, 4, 10))
    Rectification.objects.update(created_at=local(2026, 3, 10, 17))
    march = Month(2026, 3)
    (on_time,) = rectification_on_time(march)
    assert (on_time.org_id, on_time.numerator, on_time.denominator) == (branch.org.pk, 2, 4)
    assert indicators.get("meetings.rectification_on_time").value(2, 4) == 50.0
    (overdue,) = rectification_overdue(march)
    assert (overdue.org_id, overdue.numerator) == (branch.org.pk, 2)
    # April: t is due 4/10 and open (late); r was closed 4/02 → not overdue any more;
    # s still open → overdue.
    (april_on_time,) = rectification_on_time(Month(2026, 4))
    assert (april_on_time.numerator, april_on_time.denominator) == (0, 1)
    (april_overdue,) = rectification_overdue(Month(2026, 4))
    assert april_overdue.numerator == 2  # s and t
    # February: nothing existed yet.
    assert list(rectification_overdue(Month(2026, 2))) == []
    assert list(rectification_on_time(Month(2026, 2))) == []
    ind = indicators.get("meetings.rectification_overdue")
    assert (ind.higher_is_better, ind.target, ind.ratio) == (False, 0, False)


# --- export -----------------------------------------------------------------------------------


def test_ledger_has_the_rectification_sheet(client, branch, meeting):
    item = add_item(branch, meeting, problem='=HYPERLINK("x")')
    life.rectification_progress(actor=branch.recorder_a, item=item, note="已整改一半")
    client.force_login(branch.secretary)
    response = client.get(reverse("meetings:ledger", args=["A1", 2026]))
    rows = list(load_workbook(io.BytesIO(response.content))["整改清单"].iter_rows(values_only=True))
    assert rows[0][:3] == ("会议日期", "会议主题", "存在问题")
    (row,) = rows[1:]
    assert row[:3] == ("2026-03-10", "年度组织生活会", '=HYPERLINK("x")')
    assert (row[4], row[5], row[6], row[10]) == ("张东街", "2026-03-30", "整改中", "已整改一半")


# --- pages ------------------------------------------------------------------------------------


def test_life_page_forms_keep_input_and_save(client, branch, meeting):
    client.force_login(branch.recorder_a)
    url = reverse("meetings:life", args=[meeting.pk])
    bad = client.post(
        url, {"form": "material", "text": "草稿内容", "file": SimpleUploadedFile("a.pdf", b"nope")}
    )
    assert bad.status_code == 400
    assert "草稿内容" in bad.content.decode()
    assert "不是 PDF 文件" in bad.content.decode()
    ok = client.post(
        url, {"form": "material", "text": SECRET, "file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert ok.status_code == 302
    material = ReviewMaterial.objects.get()
    assert (material.author, material.text, material.original_name) == (
        branch.recorder_a,
        SECRET,
        "a.pdf",
    )
    past = client.post(
        url,
        {
            "form": "rectification",
            "problem": "学习不够",
            "measures": "制定计划",
            "owner": branch.recorder_b.pk,
            "deadline": "2020-01-01",
        },
    )
    assert past.status_code == 400
    assert "学习不够" in past.content.decode() and "整改时限不能早于今天" in past.content.decode()
    page = client.get(url).content.decode()
    assert SECRET in page
    detail = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "对照检查材料 1 份" in detail
    download = client.get(reverse("meetings:material_file", args=[meeting.pk, material.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")


def test_item_page_progress_and_close(client, branch, meeting):
    item = add_item(branch, meeting)
    client.force_login(branch.recorder_a)
    url = reverse("meetings:rectification", args=[item.pk])
    assert client.post(url, {"note": "  "}).status_code == 400
    response = client.post(url, {"note": "已整改", "file": SimpleUploadedFile("证明.pdf", PDF)})
    assert response.status_code == 302
    update = RectificationUpdate.objects.get()
    got = client.get(reverse("meetings:evidence", args=[item.pk, update.pk]))
    assert b"".join(got.streaming_content) == PDF
    # The owner sees no close button and cannot close.
    assert "确认整改完成，销号" not in client.get(url).content.decode()
    client.post(reverse("meetings:rectification_close", args=[item.pk]))
    item.refresh_from_db()
    assert item.state == RectificationState.OPEN
    client.force_login(branch.secretary)
    assert "确认整改完成，销号" in client.get(url).content.decode()
    client.post(reverse("meetings:rectification_close", args=[item.pk]), {"note": "好"})
    item.refresh_from_db()
    assert (item.state, item.close_note) == (RectificationState.CLOSED, "好")


# --- scoping ----------------------------------------------------------------------------------


@pytest.fixture
def leaky(branch, meeting):
    material = life.material_save(
        actor=branch.recorder_a, meeting=meeting, text=SECRET, upload=pdf()
    )
    item = add_item(branch, meeting, problem="东街秘密问题")
    update = life.rectification_progress(
        actor=branch.recorder_a, item=item, note="东街秘密进展", upload=pdf()
    )
    life.criticism_add(
        actor=branch.recorder_a,
        meeting=meeting,
        speaker_id=branch.recorder_b.pk,
        target_id=None,
        content="东街秘密批评",
    )
    return meeting, material, item, update


def _urls(meeting, material, item, update):
    return [
        reverse("meetings:life", args=[meeting.pk]),
        reverse("meetings:material_file", args=[meeting.pk, material.pk]),
        reverse("meetings:rectification", args=[item.pk]),
        reverse("meetings:evidence", args=[item.pk, update.pk]),
    ]


def test_another_branch_sees_nothing(client, branch, leaky):
    county = branch.county
    item = leaky[2]
    for user in (county.secretary_b1, county.member_a2.user, county.member_b1.user):
        client.force_login(user)
        for url in _urls(*leaky):
            assert client.get(url).status_code == 404, (user, url)
        listing = client.get(reverse("meetings:rectifications")).content.decode()
        assert "东街秘密问题" not in listing
        # Posting to another branch's meeting or item changes nothing.
        assert client.post(_urls(*leaky)[0], {"form": "material", "text": "x"}).status_code == 404
        assert (
            client.post(reverse("meetings:rectification_close", args=[item.pk])).status_code == 404
        )
    assert client.get(reverse("meetings:rectifications"), {"org": "A1"}).status_code == 404
    item.refresh_from_db()
    assert item.state == RectificationState.OPEN
    assert ReviewMaterial.objects.count() == 1


def test_a_guest_from_another_branch_invited_to_the_meeting_sees_no_substance(
    client, branch, leaky
):
    meeting = leaky[0]
    guest = branch.county.member_b1.user
    from xianfeng.meetings.models import Attendance

    Attendance.objects.create(meeting=meeting, user=guest)
    client.force_login(guest)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200
    assert (
        "东街秘密" not in client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    )
    assert client.get(_urls(*leaky)[0]).status_code == 404


def test_anonymous_is_sent_to_login(client, leaky):
    for url in [*_urls(*leaky), reverse("meetings:rectifications")]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_branch_members_and_the_town_see_the_branch_items(client, branch, leaky):
    county = branch.county
    for user in (branch.full[3].user, county.town_a_admin, county.county_admin):
        client.force_login(user)
        for url in _urls(*leaky):
            assert client.get(url).status_code == 200, (user, url)
        assert "东街秘密问题" in client.get(reverse("meetings:rectifications")).content.decode()
    client.force_login(county.town_a_admin)
    scoped = client.get(reverse("meetings:rectifications"), {"org": "A1", "status": "open"})
    assert "东街秘密问题" in scoped.content.decode()
    closed = client.get(reverse("meetings:rectifications"), {"status": "closed"})
    assert "东街秘密问题" not in closed.content.decode()


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_rectification_list_query_count(client, branch, meeting, django_assert_num_queries, n):
    for i in range(n):
        add_item(branch, meeting, problem=f"问题{i}")
    client.force_login(branch.county.town_a_admin)
    # session, user, roles, count, page (branch, owner, meeting joined), the unread badge
    with django_assert_num_queries(6):
        html = client.get(reverse("meetings:rectifications")).content.decode()
    assert html.count('class="rect-row"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_life_page_query_count(client, branch, meeting, django_assert_num_queries, n):
    members = [branch.recorder_a, branch.recorder_b, branch.full[2].user]
    for i in range(n):
        life.material_save(actor=members[i], meeting=meeting, text=f"材料{i}")
        add_item(branch, meeting, problem=f"问题{i}")
        life.criticism_add(
            actor=branch.recorder_a,
            meeting=meeting,
            speaker_id=members[i].pk,
            target_id=None,
            content=f"批评{i}",
        )
    client.force_login(branch.secretary)
    with django_assert_num_queries(11):
        html = client.get(reverse("meetings:life", args=[meeting.pk])).content.decode()
    assert html.count('class="rect-row"') == n
    assert html.count("自我批评</span>") == n


# --- API --------------------------------------------------------------------------------------


def test_api_progress_and_close_and_refusals(client, branch, leaky):
    from tests.meetings.test_api import bearer, call

    item = leaky[2]
    url = f"/api/v1/meetings/rectifications/{item.pk}"
    owner = bearer(client, "member_a1")
    got = call(client, "get", url, owner)
    assert (got["problem"], got["owner"]["name"], got["can_report"], got["can_close"]) == (
        "东街秘密问题",
        "张东街",
        True,
        False,
    )
    assert got["updates"][0]["file_url"] == reverse(
        "meetings:evidence", args=[item.pk, leaky[3].pk]
    )
    call(client, "post", f"{url}/progress", owner, {"note": "又整改了一项"})
    call(client, "post", f"{url}/close", owner, {}, status=403)
    other = bearer(client, "secretary_b1")
    call(client, "get", url, other, status=404)
    call(client, "post", f"{url}/close", other, {}, status=404)
    assert call(client, "get", "/api/v1/meetings/rectifications", other)["count"] == 0
    done = call(client, "post", f"{url}/close", bearer(client, "secretary_a1"), {"note": "好"})
    # Closed today, long after its deadline of 2026-03-30: late.
    assert (done["state"], done["on_time"], done["close_note"]) == ("closed", False, "好")
    assert RectificationUpdate.objects.filter(item=item).count() == 2
    call(client, "get", "/api/v1/meetings/rectifications?status=bogus", owner, status=422)


@pytest.mark.parametrize("n", [1, 3])
def test_api_rectification_list_query_count(client, branch, meeting, django_assert_num_queries, n):
    for i in range(n):
        add_item(branch, meeting, problem=f"问题{i}")
    client.force_login(branch.county.town_a_admin)
    # session, user, roles, count, page (branch, owner, meeting joined)
    with django_assert_num_queries(5):
        data = client.get("/api/v1/meetings/rectifications", {"status": "open"}).json()
    assert [r["problem"] for r in data["results"]] == [f"问题{i}" for i in range(n)]


def test_material_file_removed_keeps_the_text(branch, meeting):
    life.material_save(actor=branch.recorder_a, meeting=meeting, text="文字", upload=pdf())
    kept = life.material_save(
        actor=branch.recorder_a, meeting=meeting, text="文字", remove_file=True
    )
    kept.refresh_from_db()
    assert (bool(kept.file), kept.original_name, kept.size, kept.text) == (False, "", 0, "文字")
    with pytest.raises(Refused, match="请填写材料内容或上传材料文件"):
        life.material_save(actor=branch.recorder_a, meeting=meeting, text=" ", remove_file=True)
    kept.refresh_from_db()
    assert kept.text == "文字"


def test_criticism_delete_by_a_recorder_only_and_twice_is_safe(client, branch, meeting):
    note = life.criticism_add(
        actor=branch.recorder_a,
        meeting=meeting,
        speaker_id=branch.recorder_b.pk,
        target_id=None,
        content="学习不够",
    )
    url = reverse("meetings:criticism_delete", args=[meeting.pk, note.pk])
    client.force_login(branch.full[3].user)
    assert client.post(url).status_code == 403
    assert Criticism.objects.count() == 1
    client.force_login(branch.recorder_b)
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert Criticism.objects.count() == 0
