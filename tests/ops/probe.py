"""Run against one installation (its XF_ environment): print, as JSON, what the backup proof
compares — the files' hashes, the minutes PDF's text and the ledger workbook's cells, and
the comments a writer made during the backup with their audit rows. Not a test module."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from xianfeng.audit.models import AuditLog  # noqa: E402
from xianfeng.lessons.models import Comment  # noqa: E402
from xianfeng.meetings.exports import ledger_workbook, minutes_pdf_response  # noqa: E402
from xianfeng.meetings.models import Minutes  # noqa: E402
from xianfeng.people.models import User  # noqa: E402

MARK = "备份期间写入的评论"


def files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


minutes = Minutes.objects.select_related("meeting__org").order_by("meeting_id").first()
meeting = minutes.meeting
reader = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.create(
    username="probe-admin", name="核对", is_superuser=True
)
pdf = minutes_pdf_response(reader, meeting.pk).content
pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
branch = meeting.org.parent if meeting.org.kind == "group" else meeting.org
book = ledger_workbook(branch, meeting.starts_at.year, today=datetime.date(2026, 12, 1)).content
cells = [
    [ws.title, *[[c for c in row] for row in ws.iter_rows(values_only=True)]]
    for ws in load_workbook(io.BytesIO(book)).worksheets
]
written = list(
    Comment.objects.filter(text__startswith=MARK).order_by("pk").values_list("pk", flat=True)
)
audited = sorted(
    int(i)
    for i in AuditLog.objects.filter(
        event="comment.created", object_id__in=[str(i) for i in written]
    ).values_list("object_id", flat=True)
)
print(
    json.dumps(
        {
            "media": files(Path(settings.MEDIA_ROOT)),
            "private": files(Path(settings.PRIVATE_ROOT)),
            "meeting": meeting.pk,
            "pdf_text": pdf_text,
            "pdf_pages": len(PdfReader(io.BytesIO(pdf)).pages),
            "ledger": cells,
            "written": written,
            "audited": audited,
        },
        ensure_ascii=False,
        default=str,
    )
)
