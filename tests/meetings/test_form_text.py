"""Forms speak Chinese: the ledger's filter labels, select placeholders that say what to
do instead of "---------"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_ledger_filters_have_chinese_labels(client, branch):
    client.force_login(branch.secretary)
    html = client.get(reverse("meetings:list")).content.decode()
    assert '<label for="id_kind">会议类型:</label>' in html
    assert '<label for="id_state">状态:</label>' in html
    assert "Kind:" not in html and "State:" not in html


def test_plan_form_has_no_dashes_placeholder(client, branch):
    client.force_login(branch.secretary)
    html = client.get(reverse("meetings:plan")).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>请选择</option>' in html
    assert '<option value="" selected>不关联</option>' in html


def test_a_member_sees_no_empty_actions_card_and_the_secretary_sees_hers(client, county):
    """A plain member on a planned meeting (before it starts) has nothing to do on it: the
    actions card used to be drawn anyway, an empty white box."""
    from tests.factories import MeetingFactory

    member = county.member_a1.user
    meeting = MeetingFactory(
        org=county.branch_a1,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        attendees={member: "absent"},
    )
    client.force_login(member)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert meeting.topic in html and 'aria-label="操作"' not in html
    client.force_login(county.secretary_a1)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'aria-label="操作"' in html and "修改安排" in html
