"""The assessment year end to end: scheme → monthly 自查 (computed, evidence, deductions) →
town 抽查 with kept adjustments → quarterly 通报 (locked, published, PDF and xlsx) → the
year's grades, 标杆支部 and the share meeting the standard; every number with its evidence."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.factories import LessonFactory, WatchProgressFactory
from xianfeng.assessment.enums import CheckState, ItemRule
from xianfeng.assessment.models import Adjustment, Bulletin, CheckLine, SelfCheck
from xianfeng.assessment.services import facts_compute
from xianfeng.assessment.services.bulletins import (
    bulletin_comment,
    bulletin_draft,
    bulletin_publish,
)
from xianfeng.assessment.services.checks import (
    evidence_add,
    line_adjust,
    line_save,
    selfcheck_start,
    selfcheck_submit,
    spotcheck_create,
    spotcheck_finish,
)
from xianfeng.assessment.services.schemes import (
    ItemData,
    item_add,
    item_remove,
    scheme_activate,
    scheme_create,
    scheme_grades_set,
)
from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = timezone.localdate().year - 1
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def scheme(county):
    """The county's scheme: 参学率 computed (15), four evidence items (75), complaints as
    a deduction (5, 5 per case), 整改落实 computed (5: nothing overdue, full marks);
    grades 优秀 ≥ 90 … 差, 达标 at 80, 标杆 at 90."""
    admin = county.county_admin
    scheme = scheme_create(actor=admin, org=county.county, year=YEAR)
    for name in ("每人讲一课", "三会一课"):
        item_remove(actor=admin, scheme=scheme, item_id=scheme.items.get(name=name).pk)
    item_add(
        actor=admin,
        scheme=scheme,
        data=ItemData("工作业绩好", "乡村振兴", D(30), ItemRule.EVIDENCE),
    )
    scheme_grades_set(
        actor=admin,
        scheme=scheme,
        bands="优秀:90,良好:80,一般:60,差:0",
        standard_min=D(80),
        benchmark_min=D(90),
    )
    scheme_activate(actor=admin, scheme=scheme)
    # 东街 (A1) watched in January: 参学率 100 %; 柳湾 (B1) did not: 0 %.
    WatchProgressFactory(
        user=county.member_a1.user,
        lesson=LessonFactory(published=True),
        completed_at=datetime.datetime(YEAR, 1, 15, 10, tzinfo=timezone.get_default_timezone()),
    )
    facts_compute(month=Month(YEAR, 1))
    return scheme


def fill(actor, check, scores, *, cases=0, file=False):
    """Self-score the evidence items (by name), one piece of evidence each."""
    for line in check.lines.select_related("item"):
        if line.item.rule == ItemRule.EVIDENCE:
            line_save(actor=actor, line=line, score=scores[line.item.name], note="按要求完成")
            if file and line.item.name == "班子建设与书记抓党建":
                evidence_add(
                    actor=actor,
                    line=line,
                    name="书记述职.pdf",
                    handle=io.BytesIO(PDF),
                    size=len(PDF),
                )
            else:
                evidence_add(
                    actor=actor, line=line, link="https://example.cn/work/1", name="工作简报"
                )
        elif line.item.rule == ItemRule.DEDUCTION and cases:
            line_save(actor=actor, line=line, cases=cases, note="群众投诉一起，已查实整改")


A1_SCORES = {
    "班子建设与书记抓党建": "14",
    "重点任务完成情况": "18",
    "群众满意度": "9",
    "乡村振兴": "27",
}
B1_SCORES = {
    "班子建设与书记抓党建": "10",
    "重点任务完成情况": "12",
    "群众满意度": "6",
    "乡村振兴": "20",
}


def test_an_assessment_year_end_to_end(client, county, scheme):
    sec_a1, sec_b1 = county.secretary_a1, county.secretary_b1
    # --- monthly 自查 -------------------------------------------------------------------
    checks = {}
    for month in range(1, 13):
        check = selfcheck_start(actor=sec_a1, org=county.branch_a1, month=Month(YEAR, month))
        assert (
            selfcheck_start(actor=sec_a1, org=county.branch_a1, month=Month(YEAR, month)) == check
        )
        fill(sec_a1, check, A1_SCORES, cases=1 if month == 2 else 0, file=month == 1)
        checks[month] = selfcheck_submit(actor=sec_a1, check=check)
    for month in (1, 2, 3):  # 柳湾 stops after the first quarter
        check = selfcheck_start(actor=sec_b1, org=county.branch_b1, month=Month(YEAR, month))
        fill(sec_b1, check, B1_SCORES)
        selfcheck_submit(actor=sec_b1, check=check)
    jan = checks[1]
    participation = jan.lines.get(item__name="参学率")
    assert (participation.value, participation.self_score) == (100.0, D("15.0"))
    # 15 + 14 + 18 + 9 + 27 + 10 of 100; February: no 参学率 figure (85 possible), 1 case.
    assert [checks[m].score for m in (1, 2, 3)] == [D("93.0"), D("85.9"), D("91.8")]
    b1_jan = SelfCheck.objects.get(org=county.branch_b1, month=datetime.date(YEAR, 1, 1))
    assert b1_jan.lines.get(item__name="参学率").self_score == D("0.0")
    assert b1_jan.score == D("58.0")
    with pytest.raises(Refused, match="已提交，不能再修改"):
        line_save(actor=sec_a1, line=participation, score="1")

    # --- 抽查 -------------------------------------------------------------------------
    spot = spotcheck_create(
        actor=county.town_a_admin, org=county.town_a, month=Month(YEAR, 1), size=1
    )
    jan.refresh_from_db()
    assert (spot.size, jan.spot_check_id) == (1, spot.pk)  # A1 was the only one submitted
    with pytest.raises(Refused, match="已随机抽查过"):  # a double click draws no new sample
        spotcheck_create(actor=county.town_a_admin, org=county.town_a, month=Month(YEAR, 1), size=1)
    team = jan.lines.get(item__name="班子建设与书记抓党建")
    with pytest.raises(Refused, match="须写明理由"):
        line_adjust(actor=county.town_a_admin, line=team, score="12", reason=" ")
    with pytest.raises(PermissionDenied):  # the branch does not check itself
        line_adjust(actor=sec_a1, line=team, score="15", reason="材料齐全应得满分")
    line_adjust(actor=county.town_a_admin, line=team, score="12", reason="书记述职材料不完整")
    team.refresh_from_db()
    assert (team.self_score, team.adjusted, team.final) == (D("14.0"), D("12.0"), D("12.0"))
    assert list(Adjustment.objects.values_list("before", "after", "reason")) == [
        (D("14.0"), D("12.0"), "书记述职材料不完整")
    ]
    spotcheck_finish(actor=county.town_a_admin, check=jan)
    jan.refresh_from_db()
    assert (jan.state, jan.score) == (CheckState.CHECKED, D("91.0"))

    # --- quarterly 通报 ----------------------------------------------------------------
    admin = county.county_admin
    quarters = []
    for quarter in (1, 2, 3, 4):
        bulletin = bulletin_draft(actor=admin, org=county.county, year=YEAR, quarter=quarter)
        if quarter == 1:
            rows = {r.org.code: r for r in bulletin.rows.select_related("org")}
            bulletin_comment(
                actor=admin,
                bulletin=bulletin,
                comment="总体较好，个别支部未按时自查。",
                rows={rows["A2"].pk: "三个月均未自查，请整改"},
            )
        bulletin_publish(actor=admin, bulletin=bulletin)
        quarters.append(bulletin)
    q1 = [
        (r.rank, r.org.code, r.score, r.periods, r.comment)
        for r in quarters[0].rows.select_related("org")
    ]
    # A1 (91.0 + 85.9 + 91.8) / 3; B1 (58.0 + 68.2 + 68.2) / 3; A2 never: 0.
    assert q1 == [
        (1, "A1", D("89.6"), 3, ""),
        (2, "B1", D("64.8"), 3, ""),
        (3, "A2", D("0.0"), 0, "三个月均未自查，请整改"),
    ]
    assert [(r.org.code, r.score) for r in quarters[1].rows.select_related("org")] == [
        ("A1", D("91.8")),
        ("A2", D("0.0")),
        ("B1", D("0.0")),
    ]
    assert set(SelfCheck.objects.values_list("state", flat=True)) == {CheckState.LOCKED}
    with pytest.raises(Refused, match="已锁定"):
        line_adjust(actor=county.town_a_admin, line=team, score="10", reason="再次核定分数")
    told = Notification.objects.filter(kind="assessment.bulletin")
    assert told.filter(user=sec_b1).count() == 4 and told.filter(user=admin).count() == 4

    # --- the year ----------------------------------------------------------------------
    year = bulletin_draft(actor=admin, org=county.county, year=YEAR, quarter=0)
    rows = [
        (r.rank, r.org.code, r.score, r.grade, r.meets, r.benchmark)
        for r in year.rows.select_related("org")
    ]
    # A1 (89.6 + 91.8 × 3) / 4 = 91.25 → 91.3; B1 64.8 / 4.
    assert rows == [
        (1, "A1", D("91.3"), "优秀", True, True),
        (2, "B1", D("16.2"), "差", False, False),
        (3, "A2", D("0.0"), "差", False, False),
    ]
    bulletin_publish(actor=admin, bulletin=year)

    # --- what the pages show, each number with its evidence ------------------------------
    client.force_login(sec_a1)
    html = client.get(f"/indicators/bulletins/{year.pk}/").content.decode()
    assert "达标率 33.3%" in html and "标杆支部：东街社区党支部" in html
    for quarter in quarters:  # the year's score links to the quarters'
        assert f"/indicators/bulletins/{quarter.pk}/" in html
    html = client.get(f"/indicators/bulletins/{quarters[0].pk}/").content.decode()
    assert f"/indicators/checks/{jan.pk}/" in html and "1月 91.0" in html
    b1_check = f"/indicators/checks/{b1_jan.pk}/"
    assert b1_check not in html  # 柳湾's score is in the 通报, its evidence is not for 东街
    assert "三个月均未自查，请整改" in html
    html = client.get(f"/indicators/checks/{jan.pk}/").content.decode()
    # The 参学率 figure leads to the members behind it (lessons' records page for 东街).
    assert participation.records_url == f"/lessons/records/A1/{YEAR}-01/participation/"
    assert f'href="{participation.records_url}"' in html
    assert "书记述职材料不完整" in html and "14.0 → 12.0" in html
    evidence = team.evidence.get()
    url = f"/indicators/checks/{jan.pk}/evidence/{evidence.pk}/"
    assert url in html
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert client.get(b1_check).status_code == 404

    pdf = client.get(f"/indicators/bulletins/{year.pk}/bulletin.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"青山县委{YEAR}年年度考评结果" in text and "东街社区党支部" in text
    assert "达标率：33.3%" in text
    book = load_workbook(
        io.BytesIO(client.get(f"/indicators/bulletins/{quarters[0].pk}/bulletin.xlsx").content)
    )
    sheet = book.active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert ["名次", "党支部", "得分", "已考评期数", "点评"] in values
    assert [1, "东街社区党支部", 89.6, 3, None] in values or [
        1,
        "东街社区党支部",
        89.6,
        3,
        "",
    ] in values


def test_a_self_check_refuses_to_submit_without_evidence_and_reasons(county, scheme):
    sec = county.secretary_a1
    check = selfcheck_start(actor=sec, org=county.branch_a1, month=Month(YEAR, 3))
    complaint = check.lines.get(item__rule=ItemRule.DEDUCTION)
    with pytest.raises(Refused, match="写明每次扣分的事由"):
        line_save(actor=sec, line=complaint, cases=1, note="")
    complaint.refresh_from_db()
    assert (complaint.cases, complaint.self_score) == (0, D("5.0"))  # nothing changed
    with pytest.raises(Refused) as caught:
        selfcheck_submit(actor=sec, check=check)
    assert "“班子建设与书记抓党建”还没有自评得分" in caught.value.message
    team = check.lines.get(item__name="班子建设与书记抓党建")
    with pytest.raises(Refused, match="得分应在 0 到 15 分之间"):
        line_save(actor=sec, line=team, score="16")
    line_save(actor=sec, line=team, score="15")
    with pytest.raises(Refused, match="只能上传 PDF"):
        evidence_add(
            actor=sec, line=team, handle=io.BytesIO(b"MZ\x90\x00evil"), size=6, name="a.exe"
        )
    with pytest.raises(Refused, match="http"):
        evidence_add(actor=sec, line=team, link="javascript:alert(1)")
    with pytest.raises(Refused) as caught:
        selfcheck_submit(actor=sec, check=check)
    assert "“班子建设与书记抓党建”还没有上传佐证材料" in caught.value.message
    check.refresh_from_db()
    assert (
        check.state == CheckState.DRAFT and check.lines.filter(evidence__isnull=False).count() == 0
    )
    with pytest.raises(PermissionDenied):
        selfcheck_start(actor=county.secretary_b1, org=county.branch_a1, month=Month(YEAR, 4))
    with pytest.raises(Refused, match="尚未开始"):
        selfcheck_start(
            actor=sec, org=county.branch_a1, month=Month.of(timezone.localdate()).next()
        )


def test_the_year_needs_four_published_quarters(county, scheme):
    with pytest.raises(Refused, match="第 1、2、3、4 季度通报尚未发布"):
        bulletin_draft(actor=county.county_admin, org=county.county, year=YEAR, quarter=0)
    with pytest.raises(PermissionDenied):
        bulletin_draft(actor=county.secretary_a1, org=county.county, year=YEAR, quarter=1)
    assert not Bulletin.objects.exists()


def test_the_pages_walk_a_secretary_through_a_month(client, county, scheme):
    client.force_login(county.secretary_a1)
    month = f"{YEAR}-05"
    html = client.get(f"/indicators/checks/?month={month}").content.decode()
    assert "东街社区党支部" in html and "柳湾村党支部" not in html and "开始自查" in html
    response = client.post("/indicators/checks/new/", {"org": "A1", "month": month})
    check = SelfCheck.objects.get()
    assert response["Location"] == f"/indicators/checks/{check.pk}/"
    client.post("/indicators/checks/new/", {"org": "A1", "month": month})  # double click
    assert SelfCheck.objects.count() == 1
    team = check.lines.get(item__name="班子建设与书记抓党建")
    response = client.post(
        f"/indicators/checks/{check.pk}/do/line/",
        {"line": team.pk, "score": "abc", "note": "说明<script>x</script>"},
        follow=True,
    )
    assert "得分应为数字" in response.content.decode()
    client.post(
        f"/indicators/checks/{check.pk}/do/line/",
        {"line": team.pk, "score": "13.5", "note": "说明<script>x</script>"},
    )
    upload = SimpleUploadedFile("述职.pdf", PDF, content_type="application/pdf")
    client.post(
        f"/indicators/checks/{check.pk}/do/evidence/",
        {"line": team.pk, "file": upload, "name": ""},
    )
    team.refresh_from_db()
    assert team.self_score == D("13.5") and team.evidence.get().name == "述职.pdf"
    html = client.get(f"/indicators/checks/{check.pk}/").content.decode()
    assert "说明&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    response = client.post(f"/indicators/checks/{check.pk}/do/submit/", follow=True)
    assert "还不能提交" in response.content.decode()
    check.refresh_from_db()
    assert check.state == CheckState.DRAFT
    # Another branch's secretary, a town admin elsewhere, anonymous: nothing to see.
    client.force_login(county.secretary_b1)
    assert client.get(f"/indicators/checks/{check.pk}/").status_code == 404
    evidence = team.evidence.get()
    assert client.get(f"/indicators/checks/{check.pk}/evidence/{evidence.pk}/").status_code == 404
    response = client.post(
        f"/indicators/checks/{check.pk}/do/line/", {"line": team.pk, "score": "1"}
    )
    assert response.status_code == 404
    team.refresh_from_db()
    assert team.self_score == D("13.5")
    client.force_login(county.member_a1.user)
    assert client.get(f"/indicators/checks/{check.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/indicators/checks/{check.pk}/").status_code == 302
    assert CheckLine.objects.filter(selfcheck=check, adjusted__isnull=False).count() == 0


def test_a_bulletin_leaves_out_a_branch_dissolved_before_half_its_quarter(county, scheme):
    """A branch 撤销 on 10 May lived less than half of Q2: Q1 still ranks it, Q2 does not (it
    owed no 自查 then); one dissolved on 20 May lived half of it and is still ranked."""
    from xianfeng.orgs.models import Org

    admin = county.county_admin
    Org.objects.filter(pk=county.branch_a2.pk).update(dissolved_on=datetime.date(YEAR, 5, 10))
    Org.objects.filter(pk=county.branch_b1.pk).update(dissolved_on=datetime.date(YEAR, 5, 20))
    q1 = bulletin_draft(actor=admin, org=county.county, year=YEAR, quarter=1)
    q2 = bulletin_draft(actor=admin, org=county.county, year=YEAR, quarter=2)
    ranked = {q: set(b.rows.values_list("org__code", flat=True)) for q, b in ((1, q1), (2, q2))}
    assert ranked[1] == {"A1", "A2", "B1"}
    assert ranked[2] == {"A1", "B1"}
