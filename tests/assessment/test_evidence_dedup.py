"""The same evidence file twice on one item (a double click, a retry after a dropped
connection) is stored once, and the person is told it was already there."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from xianfeng.assessment.models import Evidence
from xianfeng.assessment.services.checks import DuplicateEvidence, evidence_add, selfcheck_start
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common.indicators import Month

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def check(county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    return selfcheck_start(actor=county.secretary_a1, org=county.branch_a1, month=Month(YEAR, 3))


def test_two_identical_uploads_store_one_file(client, county, check):
    team = check.lines.get(item__name="班子建设与书记抓党建")
    client.force_login(county.secretary_a1)
    url = f"/indicators/checks/{check.pk}/do/evidence/"
    first = client.post(
        url,
        {"line": team.pk, "file": SimpleUploadedFile("述职.pdf", PDF), "name": ""},
        follow=True,
    )
    assert "材料已添加" in first.content.decode()
    kept = Evidence.objects.get()
    storage = kept.file.storage
    folder = kept.file.name.rsplit("/", 1)[0]
    files = set(storage.listdir(folder)[1])  # other tests' files may share the folder
    again = client.post(
        url,
        {"line": team.pk, "file": SimpleUploadedFile("述职(1).pdf", PDF), "name": "再传一次"},
        follow=True,
    )
    html = again.content.decode()
    assert "已上传过相同的文件" in html and "材料已添加" not in html
    stored = Evidence.objects.get()
    assert (stored.name, stored.size, stored.line_id) == ("述职.pdf", len(PDF), team.pk)
    assert stored == kept and set(storage.listdir(folder)[1]) == files  # no second copy

    # Through the service: the refusal names the copy already there, nothing is added.
    with pytest.raises(DuplicateEvidence) as caught:
        evidence_add(actor=county.secretary_a1, line=team, handle=io.BytesIO(PDF), size=len(PDF))
    assert caught.value.message == "已上传过相同的文件" and caught.value.existing == stored
    assert set(storage.listdir(folder)[1]) == files
    # A different file on the same item, the same file on another item: both kept.
    other = PDF.replace(b"1.4", b"1.5")
    evidence_add(actor=county.secretary_a1, line=team, handle=io.BytesIO(other), size=len(other))
    task = check.lines.get(item__name="重点任务完成情况")
    evidence_add(actor=county.secretary_a1, line=task, handle=io.BytesIO(PDF), size=len(PDF))
    assert Evidence.objects.count() == 3


def test_a_link_twice_is_kept_once_and_the_database_refuses_a_copy(county, check):
    team = check.lines.get(item__name="班子建设与书记抓党建")
    sec = county.secretary_a1
    kept = evidence_add(actor=sec, line=team, link="https://example.cn/a", name="简报")
    with pytest.raises(DuplicateEvidence, match="已添加过相同的链接"):
        evidence_add(actor=sec, line=team, link="https://example.cn/a", name="简报")
    # Two requests that both passed the check: the unique constraint stops the second.
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            line=team, link=kept.link, name="x", digest=kept.digest, uploaded_by=sec
        )
    assert Evidence.objects.count() == 1
