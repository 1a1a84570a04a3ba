"""微星光 (nominate, approve above, the roll) and 微平台 (every org's public page)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.community.conftest import open_wish, post
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.community.enums import HonorState
from xianfeng.community.models import Honor, OrgNotice
from xianfeng.community.services import honors
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db

STORY = "二十年如一日照顾村里的孤寡老人，带领党员突击队修路架桥，群众都叫他贴心人。"


def nominate(county, **kw):
    kw.setdefault("kind", "member")
    kw.setdefault("person", county.member_a1.user)
    return honors.honor_nominate(
        actor=county.secretary_a1, org=county.branch_a1, name="", story=STORY, **kw
    )


def test_a_branch_nominates_its_member_and_the_town_approves(county):
    honor = nominate(county)
    assert (honor.name, honor.state) == ("张东街", HonorState.NOMINATED)
    told = set(Notification.objects.filter(kind="honor.review").values_list("user_id", flat=True))
    assert told == {county.town_a_admin.pk}
    with pytest.raises(PermissionDenied):  # the nominating branch cannot approve itself
        honors.honor_decide(actor=county.secretary_a1, honor=honor, approve=True)
    honors.honor_decide(actor=county.town_a_admin, honor=honor, approve=True)
    assert Honor.objects.get(pk=honor.pk).state == HonorState.APPROVED
    assert AuditLog.objects.filter(event="honor.approved").count() == 1
    assert Notification.objects.filter(user=county.member_a1.user, kind="honor.result").exists()


def test_a_member_of_another_branch_cannot_be_nominated(county):
    with pytest.raises(Refused, match="请选择本组织的党员"):
        nominate(county, person=county.member_b1.user)
    assert Honor.objects.count() == 0


def test_a_returned_nomination_is_resubmitted(county):
    honor = honors.honor_nominate(
        actor=county.secretary_a1, org=county.branch_a1, kind="team", name="东街党员先锋队",
        story=STORY,
    )  # fmt: skip
    with pytest.raises(Refused, match="请写明退回的原因"):
        honors.honor_decide(actor=county.town_a_admin, honor=honor, approve=False)
    honors.honor_decide(actor=county.town_a_admin, honor=honor, approve=False, note="事迹再具体些")
    honors.honor_resubmit(actor=county.secretary_a1, honor=honor, story=STORY + "今年修好三座桥。")
    assert Honor.objects.get(pk=honor.pk).state == HonorState.NOMINATED


def test_the_roll_shows_approved_honors_only_and_a_nomination_is_404_outside(client, county):
    approved = nominate(county)
    honors.honor_decide(actor=county.town_a_admin, honor=approved, approve=True)
    pending = honors.honor_nominate(
        actor=county.secretary_a1, org=county.branch_a1, kind="brand", name="东街红管家",
        story=STORY,
    )  # fmt: skip
    html = client.get(reverse("community:honors")).content.decode()
    assert "张东街" in html and "东街红管家" not in html
    url = reverse("community:honor", args=[pending.pk])
    for viewer in (None, county.resident, county.secretary_b1):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        assert client.get(url).status_code == 404
    client.force_login(county.town_a_admin)
    assert "批准入选" in client.get(url).content.decode()


def test_org_page_is_public_and_shows_only_public_pieces(client, county, resident_a1):
    open_wish(county, resident_a1, title="东街公开的心愿", contact_address="东街 8 号 3 单元")
    post(resident_a1, county.branch_a1, title="东街待审核的心愿")
    honors.notice_post(actor=county.secretary_a1, org=county.branch_a1, text="本周六上午义诊")
    html = client.get(reverse("community:org_page", args=["A1"])).content.decode()
    assert "东街社区党支部" in html and "本周六上午义诊" in html and "东街公开的心愿" in html
    assert "东街待审核的心愿" not in html
    assert "13712345678" not in html and "孙桂芳" not in html and "东街 8 号" not in html
    assert "发布公告" not in html  # the anonymous visitor has no admin form


def test_only_the_orgs_officers_post_notices(client, county):
    client.force_login(county.secretary_b1)
    client.post(reverse("community:org_notice", args=["A1"]), {"text": "别的支部来发公告"})
    assert OrgNotice.objects.count() == 0
    client.force_login(county.secretary_a1)
    client.post(reverse("community:org_notice", args=["A1"]), {"text": "本周六上午义诊"})
    assert list(OrgNotice.objects.values_list("org__code", "text")) == [("A1", "本周六上午义诊")]


@pytest.mark.parametrize("n", [1, 3])
def test_org_page_query_count(client, county, resident_a1, django_assert_num_queries, n):
    for i in range(n):
        honors.notice_post(actor=county.secretary_a1, org=county.branch_a1, text=f"第{i}条公告内容")
        open_wish(county, resident_a1, title=f"第{i}个小小的心愿")
    # org, notices, lessons, activities, wishes, projects, honors
    with django_assert_num_queries(7):
        response = client.get(reverse("community:org_page", args=["A1"]))
    assert response.content.decode().count("条公告内容") == n


@pytest.mark.parametrize("n", [1, 3])
def test_honor_roll_query_count(client, county, django_assert_num_queries, n):
    from tests.factories import MemberFactory

    for _ in range(n):
        person = MemberFactory(org=county.branch_a1).user
        honor = nominate(county, person=person)
        honors.honor_decide(actor=county.town_a_admin, honor=honor, approve=True)
    # rows (no COUNT), years
    with django_assert_num_queries(2):
        response = client.get(reverse("community:honors"))
    assert response.content.decode().count("优秀党员</span>") == n


def test_approved_honors_show_on_the_members_page_and_their_own_hours_page(client, county):
    """微星光 appear on the member's pages: the roster's member page (through
    common/related, people knowing nothing of community) and the person's own page."""
    from xianfeng.people.models import Member

    approved = nominate(county, year=2026)
    honors.honor_decide(actor=county.town_a_admin, honor=approved, approve=True)
    pending = nominate(county, year=2025)
    assert approved.name == pending.name == "张东街"
    mine = reverse("community:honor", args=[approved.pk])
    not_yet = reverse("community:honor", args=[pending.pk])
    member = Member.objects.get(user=county.member_a1.user)
    client.force_login(county.town_a_admin)
    html = client.get(reverse("people:member_detail", args=[member.pk])).content.decode()
    assert (
        'id="related"' in html and f'href="{mine}"' in html and "2026 年 · 东街社区党支部" in html
    )
    assert f'href="{not_yet}"' not in html
    other = Member.objects.get(user=county.member_a2.user)
    html = client.get(reverse("people:member_detail", args=[other.pk])).content.decode()
    assert 'id="related"' not in html and f'href="{mine}"' not in html
    client.force_login(county.member_a1.user)
    html = client.get(reverse("community:my_hours")).content.decode()
    assert 'id="my-honors"' in html and f'href="{mine}"' in html
    assert f'href="{not_yet}"' not in html
