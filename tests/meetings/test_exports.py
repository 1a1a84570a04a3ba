"""The year's 台账 (.xlsx), a meeting's minutes (PDF with extractable Chinese), the calendar."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.meetings.conftest import held_and_approved, local, plan, sign_in
from tests.xlsx_support import HYPERLINK, opened, texts
from xianfeng.meetings import services
from xianfeng.meetings.ics import _fold
from xianfeng.meetings.tokens import calendar_token

pytestmark = pytest.mark.django_db


def test_ledger_workbook(client, branch):
    meeting = plan(branch, starts=local(2026, 3, 10), topic="一季度支部党员大会")
    for user in (branch.recorder_a, branch.recorder_b, branch.full[2].user):
        sign_in(meeting, user)
    leave = services.leave_request(
        user=branch.full[3].user, meeting=meeting, reason="外出", now=meeting.starts_at
    )
    services.leave_decide(actor=branch.secretary, leave=leave, approve=True)
    from tests.meetings.conftest import write_minutes

    write_minutes(meeting, branch.recorder_a)
    services.minutes_approve(actor=branch.recorder_b, meeting=meeting)
    client.force_login(branch.secretary)
    response = client.get(reverse("meetings:ledger", args=["A1", 2026]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="ledger-A1-2026.xlsx"')
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["台账汇总", "会议记录", "出勤明细", "整改清单"]
    summary = [row for row in wb["台账汇总"].iter_rows(values_only=True)]
    assert summary[0][0] == "东街社区党支部 2026年三会一课台账"
    assert ("支部党员大会", "2026年第一季度", "已开", None) in [tuple(r[:4]) for r in summary]
    rows = list(wb["会议记录"].iter_rows(values_only=True))
    assert rows[0][:5] == ("日期", "时间", "会议类型", "召开组织", "会议主题")
    (record,) = rows[1:]
    assert record[:11] == (
        "2026-03-10", "15:00—16:30", "支部党员大会", "东街社区党支部", "一季度支部党员大会",
        "社区党群服务中心二楼会议室", "东街书记", "张东街", "赵记录", None, 6,
    )  # fmt: skip
    # present: A, B, 钱正式 and the host (recorded at approval); leave: 孙正式; absent: 周预备
    assert record[11:17] == (4, 0, 1, 1, "3/4 符合", "记录已审核")
    people = {r[3]: r[4] for r in wb["出勤明细"].iter_rows(min_row=2, values_only=True)}
    assert people == {
        "东街书记": "出席",
        "张东街": "出席",
        "赵记录": "出席",
        "钱正式": "出席",
        "孙正式": "请假",
        "周预备": "缺席",
    }


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_minutes_pdf_has_the_text_attendance_and_signature_lines(client, branch):
    meeting = plan(branch, starts=local(2026, 3, 10), topic="学习贯彻党的二十大精神")
    sign_in(meeting, branch.recorder_a)
    sign_in(meeting, branch.recorder_b, at=meeting.starts_at + datetime.timedelta(minutes=10))
    from tests.meetings.conftest import write_minutes

    write_minutes(meeting, branch.recorder_a)
    services.minutes_approve(actor=branch.recorder_b, meeting=meeting)
    services.meeting_amend(
        actor=branch.secretary,
        meeting=meeting,
        changes={"resolutions": "同意将钱正式同志列为发展对象"},
        note="补全姓名",
    )
    client.force_login(branch.secretary)
    response = client.get(reverse("meetings:pdf", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    text = pdf_text(response.content)
    for expected in (
        "东街社区党支部支部党员大会记录",
        "学习贯彻党的二十大精神",
        "社区党群服务中心二楼会议室",
        "张东街",
        "赵记录",
        "迟到",
        "周预备",
        "预备党员",
        "应到 6 人，实到 3 人",
        "正式党员过半数：应到 4 人，实到 2 人，未超过半数",
        "一、学习党章",
        "同意将钱正式同志列为发展对象",
        "修订记录",
        "补全姓名",
        "主持人（签字）",
        "记录人A（签字）",
        "记录人B（签字）",
    ):
        assert expected in text, expected


def test_pdf_falls_back_to_the_builtin_cid_font(branch, monkeypatch):
    from xianfeng.meetings import pdf
    from xianfeng.meetings.selectors import attendance_rows

    meeting = held_and_approved(branch, topic="无字体时的记录")
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ("/nonexistent/font.ttc",))
    pdf.cjk_font.cache_clear()
    try:
        data = pdf.minutes_pdf(
            meeting, minutes=meeting.minutes, rows=attendance_rows(meeting), quorum=None,
            attachments=[], amendments=[],
        )  # fmt: skip
        assert pdf.cjk_font() == "STSong-Light"
    finally:
        pdf.cjk_font.cache_clear()
    assert "无字体时的记录" in pdf_text(data)


def test_calendar_feed(client, branch):
    soon = timezone.now() + datetime.timedelta(days=2)
    meeting = plan(branch, starts=soon, topic="学习党章, 讨论发展对象; 请准时参加")
    services.calendar_enable(user=branch.recorder_a)
    url = reverse("meetings:calendar", args=[calendar_token(branch.recorder_a.pk, 0)])
    response = client.get(url)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert f"UID:meeting-{meeting.pk}@xianfeng\r\n" in body
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:支部党员大会：学习党章\\, 讨论发展对象\\; 请准时参加" in unfolded
    assert f"DTSTART:{soon.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    # Cancelled meetings stay, marked, so calendars drop them.
    services.meeting_cancel(actor=branch.secretary, meeting=meeting, reason="改期")
    assert "STATUS:CANCELLED" in client.get(url).content.decode()
    # A new address retires the old one at once; turning it off retires both.
    services.calendar_reset(user=branch.recorder_a)
    assert client.get(url).status_code == 404
    new_url = reverse("meetings:calendar", args=[calendar_token(branch.recorder_a.pk, 1)])
    assert client.get(new_url).status_code == 200
    services.calendar_reset(user=branch.recorder_a, enabled=False)
    assert client.get(new_url).status_code == 404


def test_ics_lines_fold_between_characters():
    line = "SUMMARY:" + "学" * 40
    parts = _fold(line)
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_settings_page_shows_and_resets_the_address(client, branch):
    client.force_login(branch.recorder_a)
    url = reverse("meetings:settings")
    assert "生成订阅地址" in client.get(url).content.decode()
    client.post(url, {"action": "calendar_on"})
    html = client.get(url).content.decode()
    assert calendar_token(branch.recorder_a.pk, 0) in html
    client.post(url, {"action": "calendar_reset"})
    html = client.get(url).content.decode()
    assert calendar_token(branch.recorder_a.pk, 1) in html
    assert calendar_token(branch.recorder_a.pk, 0) not in html
    # The e-mail address for notices lives in notify's settings, linked from here.
    assert f'href="{reverse("notify:settings")}"' in html
    settings_url = reverse("notify:settings")
    response = client.post(settings_url, {"email": "not-an-email"})
    assert "输入一个有效的 Email 地址。" in response.content.decode()
    client.post(settings_url, {"email": "zhang@example.cn"})
    assert 'value="zhang@example.cn"' in client.get(settings_url).content.decode()


def test_ledger_export_writes_payloads_as_text(client, branch):
    """Topic, place, minutes and 补录 reasons stay text (formula injection)."""
    from xianfeng.meetings.models import Attendance, Meeting, Minutes

    meeting = held_and_approved(branch, starts=local(2026, 3, 10), topic="学习党章")
    Meeting.objects.filter(pk=meeting.pk).update(topic="=1+1", place="+1")
    Minutes.objects.filter(meeting=meeting).update(
        agenda=HYPERLINK, resolutions="-1\n- 第二条", film="@SUM(A1)"
    )
    Attendance.objects.filter(meeting=meeting).update(reason="\t=1")
    Attendance.objects.filter(meeting=meeting, user=branch.recorder_b).update(reason="\r=1")
    client.force_login(branch.secretary)
    response = client.get(reverse("meetings:ledger", args=["A1", 2026]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="ledger-A1-2026.xlsx"; filename*=UTF-8'
        "''%E4%B8%9C%E8%A1%97%E7%A4%BE%E5%8C%BA%E5%85%9A%E6%94%AF%E9%83%A8-2026"
        "%E5%B9%B4%E4%B8%89%E4%BC%9A%E4%B8%80%E8%AF%BE%E5%8F%B0%E8%B4%A6.xlsx"
    )
    # The film is not in the ledger; every other payload is.
    sheets = opened(response.content)
    found = texts(sheets)
    for payload in ("=1+1", "+1", HYPERLINK, "-1\n- 第二条", "\t=1", "\n=1"):
        assert payload in found, payload
    (record,) = sheets["会议记录"][1:]
    assert (record[4], record[5], record[17], record[18]) == (
        "=1+1",
        "+1",
        HYPERLINK,
        "-1\n- 第二条",
    )
