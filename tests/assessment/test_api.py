"""The 量化考评 API: self-checks (list, one, submit, return) and 通报 (list, one) with the
pages' selectors and services — an outsider gets 404 and changes nothing; the lists'
queries do not grow with their rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import TokenClient
from tests.factories import OrgFactory, UserFactory, grant
from xianfeng.assessment.enums import CheckState, ItemRule
from xianfeng.assessment.models import CheckReturn, SelfCheck
from xianfeng.assessment.services.bulletins import bulletin_draft, bulletin_publish
from xianfeng.assessment.services.checks import (
    evidence_add,
    line_save,
    selfcheck_start,
    selfcheck_submit,
)
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common.indicators import Month
from xianfeng.orgs.models import Org

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1
API = "/api/v1/assessment"


@pytest.fixture
def active(county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    return scheme


def submitted(county, branch, secretary, month=4) -> SelfCheck:
    check = selfcheck_start(actor=secretary, org=branch, month=Month(YEAR, month))
    for line in check.lines.select_related("item").filter(item__rule=ItemRule.EVIDENCE):
        line_save(actor=secretary, line=line, score=str(line.item.points))
        evidence_add(actor=secretary, line=line, link="https://example.cn/ledger", name="台账")
    return selfcheck_submit(actor=secretary, check=check)


def test_self_checks_through_the_api_scoped_returned_and_resubmitted(county, active):
    a1 = submitted(county, county.branch_a1, county.secretary_a1)
    b1 = submitted(county, county.branch_b1, county.secretary_b1)
    sec_a1 = TokenClient("secretary_a1")
    listed = sec_a1.call("get", f"{API}/selfchecks?month={YEAR}-04")
    assert [r["org_name"] for r in listed["results"]] == ["东街社区党支部"]
    detail = sec_a1.call("get", f"{API}/selfchecks/{a1.pk}")
    assert detail["state"] == "submitted" and detail["actions"] == []
    assert {e["kind"] for line in detail["lines"] for e in line["evidence"]} == {"link"}
    sec_a1.call("get", f"{API}/selfchecks/{b1.pk}", status=404)
    sec_a1.call("get", f"{API}/selfchecks?month=2025-13", status=400)
    # The branch cannot return its own; another branch cannot even see it.
    sec_a1.call("post", f"{API}/selfchecks/{a1.pk}/return", {"reason": "自己退回自己"}, status=403)
    sec_b1 = TokenClient("secretary_b1")
    sec_b1.call("get", f"{API}/selfchecks/{a1.pk}", status=404)
    sec_b1.call("post", f"{API}/selfchecks/{a1.pk}/return", {"reason": "越权退回"}, status=404)
    sec_b1.call("post", f"{API}/selfchecks/{a1.pk}/submit", status=404)
    a1.refresh_from_db()
    assert a1.state == CheckState.SUBMITTED and not CheckReturn.objects.exists()

    town = TokenClient("town_admin")
    assert town.call("get", f"{API}/selfchecks/{a1.pk}")["actions"] == ["return"]
    town.call("get", f"{API}/selfchecks/{b1.pk}", status=404)  # the other town's
    refused = town.call("post", f"{API}/selfchecks/{a1.pk}/return", {"reason": "补"}, status=400)
    assert refused == {"detail": "退回须写明理由（至少 4 个字）", "field": "reason"}
    back = town.call("post", f"{API}/selfchecks/{a1.pk}/return", {"reason": "材料缺少签字页"})
    assert back["state"] == "returned" and back["state_label"] == "已退回"
    assert [r["reason"] for r in back["returns"]] == ["材料缺少签字页"]
    assert back["returns"][0]["resubmitted_at"] is None

    again = sec_a1.call("post", f"{API}/selfchecks/{a1.pk}/submit")
    assert again["state"] == "submitted" and again["returns"][0]["resubmitted_at"] is not None
    states = sec_a1.call("get", f"{API}/selfchecks?state=returned")
    assert states["count"] == 0
    assert Client().get(f"{API}/selfchecks/{a1.pk}").status_code == 401


def test_bulletins_through_the_api_drafts_for_their_makers(county, active):
    submitted(county, county.branch_a1, county.secretary_a1, month=2)
    draft = bulletin_draft(actor=county.county_admin, org=county.county, year=YEAR, quarter=1)
    sec = TokenClient("secretary_a1")
    assert sec.call("get", f"{API}/bulletins")["count"] == 0
    sec.call("get", f"{API}/bulletins/{draft.pk}", status=404)
    admin = TokenClient("county_admin")
    assert [b["id"] for b in admin.call("get", f"{API}/bulletins")["results"]] == [draft.pk]
    bulletin_publish(actor=county.county_admin, bulletin=draft)
    shown = sec.call("get", f"{API}/bulletins/{draft.pk}")
    assert shown["title"] == f"青山县委{YEAR}年第1季度考评通报" and shown["state"] == "published"
    assert shown["rows"][0]["org_name"] == "东街社区党支部"
    other = OrgFactory(code="X", name="外县县委", kind="committee", parent=None)
    grant(UserFactory(username="outsider"), other, "admin")
    outsider = TokenClient("outsider")
    outsider.call("get", f"{API}/bulletins/{draft.pk}", status=404)
    assert outsider.call("get", f"{API}/bulletins")["count"] == 0


def _queries(client: TokenClient, url: str) -> int:
    client.call("get", url)  # warm: the token's first use, caches
    with CaptureQueriesContext(connection) as captured:
        client.call("get", url)
    return len(captured)


def test_the_lists_queries_do_not_grow(county, active):
    admin = TokenClient("county_admin")
    selfcheck_start(actor=county.county_admin, org=county.branch_a1, month=Month(YEAR, 1))
    bulletin_draft(actor=county.county_admin, org=county.county, year=YEAR, quarter=1)
    one = (_queries(admin, f"{API}/selfchecks"), _queries(admin, f"{API}/bulletins"))
    for i in range(2):
        OrgFactory(code=f"Q{i}", name=f"新增第{i}党支部", parent=county.town_a)
        selfcheck_start(
            actor=county.county_admin, org=Org.objects.get(code=f"Q{i}"), month=Month(YEAR, 1)
        )
        bulletin_draft(actor=county.county_admin, org=county.county, year=YEAR, quarter=2 + i)
    assert admin.call("get", f"{API}/selfchecks")["count"] == 3
    assert admin.call("get", f"{API}/bulletins")["count"] == 3
    three = (_queries(admin, f"{API}/selfchecks"), _queries(admin, f"{API}/bulletins"))
    assert one == three
    assert one[0] <= 8 and one[1] <= 8, one
