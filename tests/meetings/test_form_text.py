"""Forms speak Chinese: the ledger's filter labels, select placeholders that say what to
do instead of "---------"."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
