"""Contest results write lesson titles, speakers and org names as text, never a formula."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.contests.conftest import enter_all
from tests.xlsx_support import HYPERLINK, assert_payloads_intact


@pytest.mark.django_db
def test_contest_results_export_writes_payloads_as_text(client, county, world):
    from xianfeng.lessons.models import Lesson

    entries = enter_all(county, world)
    lessons = [entries[key].lesson_id for key in ("a1", "a2", "b1")]
    titles = ["=1+1", HYPERLINK, "\r=1"]
    speakers = ["+1", "@SUM(A1)", "\t=1"]
    for pk, title, speaker in zip(lessons, titles, speakers, strict=True):
        Lesson.objects.filter(pk=pk).update(title=title, speaker_name=speaker)
    type(county.branch_b1).objects.filter(pk=county.branch_b1.pk).update(name="-1")
    type(world.r1).objects.filter(pk=world.r1.pk).update(name="初赛/复赛?")
    client.force_login(county.county_admin)
    response = client.get(reverse("contests:results", args=[world.contest.pk]))
    assert response.status_code == 200
    sheets = assert_payloads_intact(response.content)
    assert next(iter(sheets)) == "初赛_复赛_"
    rows = sheets["初赛_复赛_"]
    assert rows[1][:5] == ["名次", "作品编号", "标题", "主讲人", "所在组织"]
    assert {(r[2], r[3]) for r in rows[2:]} == {
        ("=1+1", "+1"),
        (HYPERLINK, "@SUM(A1)"),
        ("\n=1", "\t=1"),
    }
