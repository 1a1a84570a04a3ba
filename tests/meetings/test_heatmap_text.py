"""The county heat map on a phone: each cell says its status in a sign and in words (not
colour alone) and opens the branch's ledger on a tap; the legend shows the signs."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.meetings.conftest import plan, write_minutes

pytestmark = pytest.mark.django_db


def test_cells_carry_a_sign_a_label_and_a_link(client, branch):
    meeting = plan(branch, starts=timezone.now() - datetime.timedelta(hours=3), minutes=60)
    write_minutes(meeting, branch.recorder_a)
    client.force_login(branch.county.county_admin)
    year = timezone.localdate().year
    html = client.get(reverse("meetings:overview"), {"year": year}).content.decode()

    cells = re.findall(
        r'<td class="hm-(\w+)"><a href="/meetings/compliance/(\w+)/\?year=(\d+)" '
        r'title="([^"]*)" aria-label="([^"]*)">([^<]*)</a></td>',
        html,
    )
    assert len(cells) == 3 * 12  # three branches, twelve months
    signs = {"held": "✓", "pending": "审", "unapproved": "审", "planned": "排", "due": "!"}
    signs |= {"overdue": "✗", "future": "·", "exempt": "—"}
    for status, code, cell_year, title, label, sign in cells:
        assert (sign, label, cell_year) == (signs[status], title, str(year))
        assert code in ("A1", "A2", "B1")
    assert '<span class="hm-overdue"><b aria-hidden="true">✗</b> 逾期</span>' in html
