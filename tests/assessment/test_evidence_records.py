"""Evidence that points at a record of the platform (a meeting) instead of a file: chosen
from the branch's own records through the owning app's selector; another branch's record
is refused, even to a county admin who may see both."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import MeetingFactory
from xianfeng.assessment.models import Evidence
from xianfeng.assessment.services.checks import (
    DuplicateEvidence,
    evidence_add,
    selfcheck_start,
    selfcheck_submit,
)
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common import records
from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1


@pytest.fixture
def check(county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    return selfcheck_start(actor=county.secretary_a1, org=county.branch_a1, month=Month(YEAR, 4))


def test_a_branch_cites_its_own_meeting_and_not_another_branchs(client, county, check):
    own = MeetingFactory(org=county.branch_a1, topic="四月支部党员大会")
    other = MeetingFactory(org=county.branch_b1, topic="柳湾村支委会内部议题")
    team = check.lines.get(item__name="班子建设与书记抓党建")
    sec = county.secretary_a1
    assert {k.code for k in records.kinds()} >= {"meetings.meeting", "remote.viewing"}

    cited = evidence_add(actor=sec, line=team, record_kind="meetings.meeting", record_id=own.pk)
    assert (cited.record_kind, cited.record_id, cited.file.name, cited.link) == (
        "meetings.meeting",
        own.pk,
        "",
        "",
    )
    assert "四月支部党员大会" in cited.name and cited.record_url == f"/meetings/{own.pk}/"
    with pytest.raises(DuplicateEvidence, match="已引用过该记录"):
        evidence_add(actor=sec, line=team, record_kind="meetings.meeting", record_id=own.pk)
    # Another branch's meeting — even for the county admin, who may read both ledgers — an
    # unknown kind, a missing id: the same refusal, nothing stored.
    for actor in (sec, county.town_a_admin, county.county_admin):
        with pytest.raises(Refused, match="只能引用本支部的记录"):
            evidence_add(actor=actor, line=team, record_kind="meetings.meeting", record_id=other.pk)
    for kind, pk in (("people.member", own.pk), ("meetings.meeting", 10**9)):
        with pytest.raises(Refused, match="只能引用本支部的记录"):
            evidence_add(actor=sec, line=team, record_kind=kind, record_id=pk)
    assert list(Evidence.objects.values_list("record_id", flat=True)) == [own.pk]

    # The page offers the branch's own meetings only, and refuses a forged choice.
    client.force_login(sec)
    html = client.get(f"/indicators/checks/{check.pk}/").content.decode()
    assert "四月支部党员大会" in html and "柳湾村支委会内部议题" not in html
    assert f'value="meetings.meeting:{own.pk}"' in html and "引用记录" in html
    task = check.lines.get(item__name="重点任务完成情况")
    response = client.post(
        f"/indicators/checks/{check.pk}/do/record/",
        {"line": task.pk, "record": f"meetings.meeting:{other.pk}"},
        follow=True,
    )
    assert "只能引用本支部的记录" in response.content.decode()
    assert not task.evidence.exists()
    response = client.post(
        f"/indicators/checks/{check.pk}/do/record/",
        {"line": task.pk, "record": f"meetings.meeting:{own.pk}"},
        follow=True,
    )
    assert "已引用平台记录" in response.content.decode()
    assert task.evidence.get().record_id == own.pk
    html = client.get(f"/indicators/checks/{check.pk}/").content.decode()
    assert f'href="/meetings/{own.pk}/"' in html

    # A record counts as evidence for submitting; the other branch's secretary still sees
    # nothing of this self-check.
    for line in check.lines.select_related("item").filter(item__rule="evidence"):
        client.post(
            f"/indicators/checks/{check.pk}/do/line/",
            {"line": line.pk, "score": str(line.item.points)},
        )
        if not line.evidence.exists():
            evidence_add(actor=sec, line=line, record_kind="meetings.meeting", record_id=own.pk)
    assert selfcheck_submit(actor=sec, check=check).state == "submitted"
    client.force_login(county.secretary_b1)
    assert client.get(f"/indicators/checks/{check.pk}/").status_code == 404


def test_a_branch_cites_a_viewing_at_its_own_site_only(county, check):
    import datetime

    from tests.factories import make_site
    from xianfeng.remote.enums import ViewingState
    from xianfeng.remote.models import Viewing

    when = datetime.datetime(YEAR, 4, 8, 11, 0, tzinfo=datetime.UTC)

    def viewing(org, code, title, state=ViewingState.HELD):
        site = make_site(org, code=code)
        return Viewing.objects.create(
            site=site, title=title, starts_at=when, state=state, code_key="k"
        )

    own = viewing(county.branch_a1, "S-A1", "学习二十届四中全会精神")
    cancelled = viewing(county.branch_a1, "S-A1B", "取消的收看", ViewingState.CANCELLED)
    other = viewing(county.branch_b1, "S-B1", "柳湾村收看")
    team = check.lines.get(item__name="班子建设与书记抓党建")
    sec = county.secretary_a1
    cited = evidence_add(actor=sec, line=team, record_kind="remote.viewing", record_id=own.pk)
    assert "学习二十届四中全会精神" in cited.name
    assert cited.record_url == f"/remote/viewings/{own.pk}/"
    for pk in (cancelled.pk, other.pk):
        with pytest.raises(Refused, match="只能引用本支部的记录"):
            evidence_add(
                actor=county.county_admin, line=team, record_kind="remote.viewing", record_id=pk
            )
    refs = records.get("remote.viewing").choices(sec, county.branch_a1, 10)
    assert [r.pk for r in refs] == [own.pk]
