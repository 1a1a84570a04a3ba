"""流动党员: outbound registration, quarterly contacts and their reminder, activities recorded
at the place, coming back; who sees what; query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory
from xianfeng.common.errors import Refused
from xianfeng.mobility import services
from xianfeng.mobility.enums import ActivityKind, ContactWay, quarter_start
from xianfeng.mobility.models import MobileActivity, MobileContact, MobileRecord
from xianfeng.notify.models import Notification
from xianfeng.people.models import Member

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
LEFT = TODAY - datetime.timedelta(days=300)


def register(county, member=None, host=None, card="LD001", actor=None) -> MobileRecord:
    return services.mobile_register(
        actor=actor or county.secretary_a1,
        member=member or county.member_a1,
        away=services.Away(
            place="广东省深圳市宝安区", phone="13800001111", left_on=LEFT,
            workplace="电子厂", host_org=host, host_name="" if host else "福永街道流动党员党支部",
            card_number=card,
        ),
    )  # fmt: skip


def test_registration_marks_the_member_mobile_until_they_return(county):
    record = register(county, host=county.branch_b1)
    member = Member.objects.get(pk=county.member_a1.pk)
    assert (member.is_mobile, member.mobile_place) == (True, "广东省深圳市宝安区")
    assert (record.home_org, record.host_org, record.host_name, record.card_number) == (
        county.branch_a1, county.branch_b1, "", "LD001",
    )  # fmt: skip
    services.mobile_return(actor=county.secretary_a1, record=record, on=TODAY)
    member.refresh_from_db()
    record.refresh_from_db()
    assert (member.is_mobile, member.mobile_place, record.returned_on) == (False, "", TODAY)


def test_double_registration_is_refused(county):
    register(county)
    with pytest.raises(Refused) as excinfo:
        register(county, card="LD002")
    assert excinfo.value.message == "该党员已有外出登记，请先登记返回"
    with pytest.raises(Refused) as excinfo:
        register(county, member=county.member_a2, card="LD001", actor=county.town_a_admin)
    assert excinfo.value.message == "活动证编号 LD001 已被使用"
    assert MobileRecord.objects.count() == 1


def test_registration_refusals(county):
    with pytest.raises(PermissionDenied):
        register(county, actor=county.secretary_b1)
    with pytest.raises(PermissionDenied):
        register(county, actor=county.propagandist_a1)
    with pytest.raises(Refused) as excinfo:
        register(county, host=county.branch_a1)
    assert excinfo.value.message == "流入地党组织不能是本支部"
    assert not MobileRecord.objects.exists()


def test_contacts_are_the_home_branchs_and_kept_once(county):
    record = register(county, host=county.branch_b1)
    day = max(LEFT, quarter_start(TODAY))
    first = services.mobile_contact_add(
        actor=county.secretary_a1, record=record, on=day, way=ContactWay.PHONE,
        summary="工作稳定，参加了流入地的主题党日",
    )  # fmt: skip
    again = services.mobile_contact_add(
        actor=county.secretary_a1, record=record, on=day, way=ContactWay.PHONE,
        summary="工作稳定，参加了流入地的主题党日",
    )  # fmt: skip
    assert first.pk == again.pk and MobileContact.objects.count() == 1
    with pytest.raises(PermissionDenied):  # the host org records activities, not contacts
        services.mobile_contact_add(
            actor=county.secretary_b1, record=record, on=day, way=ContactWay.PHONE, summary="x"
        )
    with pytest.raises(Refused) as excinfo:
        services.mobile_contact_add(
            actor=county.secretary_a1, record=record, on=LEFT - datetime.timedelta(days=1),
            way=ContactWay.PHONE, summary="外出前",
        )  # fmt: skip
    assert excinfo.value.message == "联系日期应在外出期间内"


def test_the_host_org_records_meetings_attended(county):
    record = register(county, host=county.branch_b1)
    activity = services.mobile_activity_add(
        actor=county.secretary_b1, record=record, on=TODAY, kind=ActivityKind.MEETING,
        title="参加 主题党日",
    )  # fmt: skip
    assert (activity.org, activity.recorded_by) == (county.branch_b1, county.secretary_b1)
    services.mobile_activity_add(  # the same entry twice: kept once
        actor=county.secretary_b1, record=record, on=TODAY, kind=ActivityKind.MEETING,
        title="参加 主题党日",
    )  # fmt: skip
    assert MobileActivity.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.mobile_activity_add(
            actor=county.secretary_b1, record=register(county, member=county.member_a2,
            card="LD009", actor=county.town_a_admin), on=TODAY, kind=ActivityKind.MEETING,
            title="不在本地",
        )  # fmt: skip


def _quarter_day(month_in_quarter: int) -> D:
    start = quarter_start(TODAY)
    return D(start.year, start.month + month_in_quarter - 1, 5)


def test_reminder_when_a_quarter_has_no_contact(county):
    record = register(county)
    MobileRecord.objects.filter(pk=record.pk).update(left_on=D(TODAY.year - 1, 1, 1))
    assert services.mobile_remind_contacts(today=_quarter_day(2)) == 0  # too early
    assert services.mobile_remind_contacts(today=_quarter_day(3)) == 1
    notice = Notification.objects.get(kind="mobile.contact_due")
    assert notice.user == county.secretary_a1 and "张东街" in notice.title
    assert services.mobile_remind_contacts(today=_quarter_day(3)) == 0  # once a quarter
    assert Notification.objects.filter(kind="mobile.contact_due").count() == 1


def test_no_reminder_when_contacted_this_quarter(county):
    record = register(county)
    MobileRecord.objects.filter(pk=record.pk).update(left_on=D(TODAY.year - 1, 1, 1))
    record.refresh_from_db()
    MobileContact.objects.create(
        record=record, on=quarter_start(TODAY), way=ContactWay.WECHAT, summary="联系了"
    )
    assert services.mobile_remind_contacts(today=_quarter_day(3)) == 0
    assert not Notification.objects.filter(kind="mobile.contact_due").exists()


# --- pages ------------------------------------------------------------------------------------


def test_register_page_then_the_home_list(client, county):
    client.force_login(county.secretary_a1)
    detail = client.get(reverse("people:member_detail", args=[county.member_a1.pk]))
    assert reverse("mobility:register", args=[county.member_a1.pk]) in detail.content.decode()
    form = {"place": "浙江省宁波市", "phone": "13800001111", "host_code": "B1",
            "left_on": LEFT.isoformat(), "card_number": "LD100"}  # fmt: skip
    response = client.post(reverse("mobility:register", args=[county.member_a1.pk]), form)
    record = MobileRecord.objects.get()
    assert response.status_code == 302 and record.host_org == county.branch_b1
    again = client.post(reverse("mobility:register", args=[county.member_a1.pk]), form)
    assert again.status_code == 400 and MobileRecord.objects.count() == 1
    page = client.get(reverse("mobility:index")).content.decode()
    assert "张东街" in page and "本季度未联系" in page
    bad = client.post(reverse("mobility:register", args=[county.member_a2.pk]),
                      {**form, "host_code": "NOPE", "card_number": ""})  # fmt: skip
    assert bad.status_code == 404  # member_a2 is not in secretary_a1's branch


def test_host_officer_sees_the_record_and_activities_but_not_the_contacts(client, county):
    record = register(county, host=county.branch_b1)
    services.mobile_contact_add(
        actor=county.secretary_a1, record=record, on=TODAY, way=ContactWay.PHONE,
        summary="家里有困难，需要关心",
    )  # fmt: skip
    client.force_login(county.secretary_b1)
    page = client.get(reverse("mobility:detail", args=[record.pk])).content.decode()
    assert "广东省深圳市宝安区" in page and "家里有困难" not in page
    assert "记录参加本组织的活动" in page
    response = client.post(
        reverse("mobility:activity", args=[record.pk]),
        {"on": TODAY.isoformat(), "kind": "meeting", "title": "参加支部党员大会"},
    )
    assert response.status_code == 302 and MobileActivity.objects.get().org == county.branch_b1
    assert client.post(reverse("mobility:contact", args=[record.pk]), {}).status_code == 403
    assert client.post(reverse("mobility:return", args=[record.pk]), {}).status_code == 403
    listing = client.get(reverse("mobility:index")).content.decode()
    assert "在本地的外来流动党员" in listing and "张东街" in listing


@pytest.mark.parametrize("who", ["secretary_a2", "propagandist_a1", "member_a2", "anonymous"])
def test_others_never_see_a_mobile_record(client, county, who):
    from tests.factories import grant
    from xianfeng.orgs.enums import RoleKind

    record = register(county)
    services.mobile_contact_add(
        actor=county.secretary_a1, record=record, on=TODAY, way=ContactWay.PHONE,
        summary="家里有困难，需要关心",
    )  # fmt: skip
    if who == "secretary_a2":
        user = UserFactory(name="西街书记")
        grant(user, county.branch_a2, RoleKind.SECRETARY)
        client.force_login(user)
    elif who == "member_a2":
        client.force_login(county.member_a2.user)
    elif who != "anonymous":
        client.force_login(getattr(county, who))
    get = client.get(reverse("mobility:detail", args=[record.pk]))
    posts = [
        client.post(reverse(f"mobility:{name}", args=[record.pk]), {}).status_code
        for name in ("contact", "activity", "return")
    ]
    if who == "anonymous":
        assert get.status_code == 302 and posts == [302, 302, 302]
    else:
        assert get.status_code == 404 and "家里有困难" not in get.content.decode()
        assert posts == [404, 404, 404]
        listing = client.get(reverse("mobility:index"))
        assert "张东街" not in listing.content.decode()
    record.refresh_from_db()
    assert record.returned_on is None and MobileContact.objects.count() == 1


def test_the_member_sees_their_own_record_without_contacts(client, county):
    record = register(county)
    services.mobile_contact_add(
        actor=county.secretary_a1, record=record, on=TODAY, way=ContactWay.PHONE,
        summary="家里有困难，需要关心",
    )  # fmt: skip
    client.force_login(county.member_a1.user)
    page = client.get(reverse("mobility:detail", args=[record.pk])).content.decode()
    assert "广东省深圳市宝安区" in page and "家里有困难" not in page and "确认返回" not in page


@pytest.mark.parametrize("count", [1, 3])
def test_mobile_list_query_count(client, county, django_assert_num_queries, count):
    for i in range(count):
        m = MemberFactory(org=county.branch_a1, user=UserFactory(name=f"外出{i}"))
        register(county, member=m, card=f"LD{i}", host=county.branch_b1)
    client.force_login(county.secretary_a1)
    # session, user, roles, count, page (member, user, orgs, last contact), hosted, badge
    with django_assert_num_queries(7):
        page = client.get(reverse("mobility:index")).content.decode()
    assert page.count('class="title"') == count


@pytest.mark.parametrize("count", [1, 3])
def test_mobile_detail_query_count(client, county, django_assert_num_queries, count):
    record = register(county, host=county.branch_b1)
    for i in range(count):
        services.mobile_contact_add(
            actor=county.secretary_a1, record=record, on=TODAY, way=ContactWay.PHONE,
            summary=f"第 {i} 次联系",
        )  # fmt: skip
        services.mobile_activity_add(
            actor=county.secretary_b1, record=record, on=TODAY, kind=ActivityKind.STUDY,
            title=f"学习 {i}",
        )  # fmt: skip
    client.force_login(county.secretary_a1)
    # session, user, roles, record, side (home), contacts, activities, changes, badge
    with django_assert_num_queries(9):
        page = client.get(reverse("mobility:detail", args=[record.pk])).content.decode()
    assert page.count('class="title"') == 2 * count


def test_member_page_links_to_the_open_registration(client, county):
    record = register(county)
    client.force_login(county.secretary_a1)
    page = client.get(reverse("people:member_detail", args=[county.member_a1.pk])).content.decode()
    url = reverse("mobility:for_member", args=[county.member_a1.pk])
    assert url in page and reverse("mobility:register", args=[county.member_a1.pk]) not in page
    assert client.get(url)["Location"] == reverse("mobility:detail", args=[record.pk])
    client.force_login(county.secretary_b1)
    assert client.get(url).status_code == 404
