"""The roster export and the import template write people's text as text, never a formula."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MemberFactory, UserFactory
from tests.xlsx_support import HYPERLINK, PAYLOADS, assert_payloads_intact, opened


@pytest.mark.django_db
def test_roster_export_writes_payloads_as_text(client, county):
    from xianfeng.people.models import User

    for n, payload in enumerate(PAYLOADS):
        member = MemberFactory(
            org=county.branch_a1, user=UserFactory(username=f"p{n}"), mobile_place="", position=""
        )
        User.objects.filter(pk=member.user_id).update(name=payload)
    type(county.member_a1).objects.filter(pk=county.member_a1.pk).update(
        position=HYPERLINK, mobile_place="-1", ethnicity="@SUM(A1)"
    )
    client.force_login(county.secretary_a1)
    response = client.get(reverse("people:member_export"))
    assert response.status_code == 200
    sheets = assert_payloads_intact(b"".join(response.streaming_content))
    (rows,) = sheets.values()
    mine = next(r for r in rows if r[0] == "张东街")
    assert (mine[2], mine[11], mine[15]) == ("@SUM(A1)", "-1", HYPERLINK)


@pytest.mark.django_db
def test_roster_template_is_plain_text(client, county):
    client.force_login(county.secretary_a1)
    response = client.get(reverse("people:import_template"))
    sheets = opened(b"".join(response.streaming_content))
    assert list(sheets) == ["党员名册", "填表说明"]
