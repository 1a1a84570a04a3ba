"""A branch's 支部党员大会 in Chromium: the secretary plans it, three members sign in from
their own phones with the QR code, recorder A writes the minutes with a photo, recorder B
approves, and the year's ledger and the minutes PDF come out with the right contents."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.meetings.conftest import make_branch, use_tmp_private_storage
from xianfeng.meetings.models import Attendance, Meeting

pytestmark = pytest.mark.django_db(transaction=True)

TOPIC = "学习贯彻党的二十大精神专题党员大会"


@pytest.fixture
def branch(county, monkeypatch, tmp_path):
    use_tmp_private_storage(monkeypatch, tmp_path / "private")
    return make_branch(county)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "会议现场.jpg"
    Image.new("RGB", (3000, 2000), (180, 40, 40)).save(path, format="JPEG")
    return path


def test_plan_sign_in_record_approve_export(branch, new_page, photo, live_server, tmp_path):
    # The meeting began two minutes ago: sign-in is open and the record can be written.
    starts = timezone.localtime(timezone.now() - datetime.timedelta(minutes=2))
    ends = starts + datetime.timedelta(hours=1)

    secretary = new_page(width=1280, height=900)
    login(secretary, "secretary_a1", PASSWORD)
    secretary.goto("/meetings/new/")
    secretary.select_option("select[name=kind]", "assembly")
    secretary.fill("input[name=topic]", TOPIC)
    secretary.fill("input[name=starts_at]", f"{starts:%Y-%m-%dT%H:%M}")
    secretary.fill("input[name=ends_at]", f"{ends:%Y-%m-%dT%H:%M}")
    secretary.fill("input[name=place]", "社区党群服务中心二楼会议室")
    secretary.select_option("select[name=host]", str(branch.secretary.pk))
    secretary.select_option("select[name=recorder_a]", str(branch.recorder_a.pk))
    secretary.select_option("select[name=recorder_b]", str(branch.recorder_b.pk))
    secretary.click("text=安排并发送通知")
    secretary.wait_for_selector("text=会议已安排，通知已发送给应到人员")
    meeting = Meeting.objects.get(topic=TOPIC)
    assert meeting.attendances.count() == 6

    # The code on the meeting room's screen; its address is what a phone's camera opens.
    secretary.click("text=出示签到二维码")
    secretary.wait_for_selector("#qr-code img")
    url = secretary.inner_text("#checkin-url").strip()
    assert "/meetings/checkin/" in url

    members = [("member_a1", "张东街"), ("member_a1b", "赵记录"), ("m_a1c", "钱正式")]
    phones = {}
    for username, _name in members:
        phone = new_page()
        login(phone, username, PASSWORD)
        phone.goto(url)
        phone.wait_for_selector(f"text={TOPIC}")
        phone.click("#checkin-button")
        phone.wait_for_selector("#checkin-result.ok")
        phones[username] = phone
    # The screen counts them as they come (htmx polls every 5 s).
    secretary.wait_for_selector("#qr-count >> text=已签到 3 / 6", timeout=20_000)
    signed = set(
        Attendance.objects.filter(meeting=meeting, status__in=["present", "late"]).values_list(
            "user__username", flat=True
        )
    )
    assert signed == {"member_a1", "member_a1b", "m_a1c"}

    # Recorder A writes the minutes and adds a photo; then submits.
    a = phones["member_a1"]
    a.goto(f"/meetings/{meeting.pk}/")
    a.click("text=填写会议记录")
    a.fill("textarea[name=agenda]", "一、学习党的二十大报告；二、讨论本支部落实措施")
    a.fill("textarea[name=discussion]", "钱正式：要把学习成果转化为为民服务的实际行动")
    a.fill("textarea[name=resolutions]", "每月开展一次入户走访")
    a.click("#minutes-form button[value=save]")
    a.wait_for_selector("text=会议记录已保存")
    a.select_option("#attachment-form select[name=kind]", "photo")
    a.set_input_files("#attachment-form input[type=file]", str(photo))
    a.click("#attachment-form button[type=submit]")
    a.wait_for_selector("#attachments img")
    # The thumbnail comes back through the permission-checked view, shrunk to 480 px.
    a.wait_for_function("() => document.querySelector('#attachments img').naturalWidth === 480")
    a.click("#minutes-form button[value=submit]")
    a.wait_for_selector("text=会议记录已提交审核")

    # Recorder B approves from the meeting page.
    b = phones["member_a1b"]
    b.goto(f"/meetings/{meeting.pk}/")
    b.click("#minutes button:has-text('审核通过')")
    b.wait_for_selector("text=会议记录已审核通过")
    meeting.refresh_from_db()
    assert meeting.state == "approved"

    # The year's ledger downloads from the branch page, with the meeting in it.
    secretary.goto("/meetings/compliance/A1/")
    with secretary.expect_download() as info:
        secretary.click("#ledger-link")
    path = tmp_path / "ledger.xlsx"
    info.value.save_as(path)
    wb = load_workbook(path)
    topics = [row[4] for row in wb["会议记录"].iter_rows(min_row=2, values_only=True)]
    assert topics == [TOPIC]

    # The minutes PDF: the topic, who came and who did not.
    pdf = secretary.request.get(f"/meetings/{meeting.pk}/minutes.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert TOPIC in text
    for _username, name in members:
        assert name in text
    assert "应到 6 人，实到 4 人" in text  # the three, and the host recorded at approval
    assert "周预备" in text and "缺席" in text
    assert "主持人（签字）" in text

    for page in (secretary, *phones.values()):
        assert page.errors == []
