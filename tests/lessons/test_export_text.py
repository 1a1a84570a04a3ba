"""The 参学情况 export writes names and titles as text, never a formula."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MemberFactory, UserFactory
from tests.xlsx_support import HYPERLINK, PAYLOADS, assert_payloads_intact


@pytest.mark.django_db
def test_participation_export_writes_payloads_as_text(client, county, lesson_a1):
    from xianfeng.lessons.models import Lesson
    from xianfeng.people.models import User

    for n, payload in enumerate(PAYLOADS):
        member = MemberFactory(org=county.branch_a1, user=UserFactory(username=f"p{n}"))
        User.objects.filter(pk=member.user_id).update(name=payload)
    Lesson.objects.filter(pk=lesson_a1.pk).update(title=HYPERLINK)
    type(county.group_a1).objects.filter(pk=county.group_a1.pk).update(name="=1+1")
    client.force_login(county.secretary_a1)
    url = reverse("lessons:participation", args=[lesson_a1.pk])
    response = client.get(url, {"format": "xlsx", "org": "A1"})
    assert response.status_code == 200
    sheets = assert_payloads_intact(response.content)
    rows = sheets["参学情况"]
    assert rows[0][0] == f"《{HYPERLINK}》参学情况 — 东街社区党支部"
    assert rows[3] == ["姓名", "党小组", "状态", "观看进度", "学完时间", "集体收看"]
    assert rows[4 + [r[0] for r in rows[4:]].index("张东街")][:2] == ["张东街", "=1+1"]
