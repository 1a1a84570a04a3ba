"""Evidence added before `digest` existed gets its SHA-256 from the data migration, the
same as evidence_add computes, so a later duplicate of it is caught."""

from __future__ import annotations

import hashlib
import importlib
import io

import pytest
from django.apps import apps
from django.utils import timezone

from xianfeng.assessment.models import Evidence
from xianfeng.assessment.services.checks import DuplicateEvidence, evidence_add, selfcheck_start
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common.indicators import Month

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
migration = importlib.import_module("xianfeng.assessment.migrations.0009_evidence_digest_backfill")


def test_old_evidence_gets_the_digest_evidence_add_would_give(county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    check = selfcheck_start(actor=county.secretary_a1, org=county.branch_a1, month=Month(YEAR, 3))
    team, tasks = check.lines.filter(item__rule="evidence").order_by("item__sort_order")[:2]
    sec = county.secretary_a1
    pdf = evidence_add(actor=sec, line=team, name="述职.pdf", handle=io.BytesIO(PDF), size=len(PDF))
    link = evidence_add(actor=sec, line=team, link="https://example.cn/a", name="简报")
    again = evidence_add(actor=sec, line=tasks, link="https://example.cn/a", name="简报")
    new = dict(Evidence.objects.values_list("pk", "digest"))
    # As rows from before the field: blank, plus a duplicate of the link on the same item
    # (possible then) and a file gone from storage.
    Evidence.objects.update(digest="")
    twin = Evidence.objects.create(
        line=team, link="https://example.cn/a", name="简报（重复）", uploaded_by=sec
    )
    lost = Evidence.objects.create(
        line=tasks, file="assessment/2020/01/gone.pdf", name="丢失", uploaded_by=sec
    )

    migration.backfill(apps, None)
    got = dict(Evidence.objects.values_list("pk", "digest"))
    assert got[pdf.pk] == new[pdf.pk] == hashlib.sha256(PDF).hexdigest()
    assert got[link.pk] == new[link.pk] == hashlib.sha256(b"link:https://example.cn/a").hexdigest()
    assert got[again.pk] == new[again.pk]  # the same link on another item: its own row
    assert got[twin.pk] == "" and got[lost.pk] == ""  # kept, not deleted
    migration.backfill(apps, None)  # twice: nothing changes
    assert dict(Evidence.objects.values_list("pk", "digest")) == got

    # Now the old upload is recognised when it comes again.
    with pytest.raises(DuplicateEvidence) as caught:
        evidence_add(actor=sec, line=team, handle=io.BytesIO(PDF), size=len(PDF))
    assert caught.value.existing == pdf
