"""流动党员: the home branch edits a registration, with its history and audit; the org at
the place is told; others cannot edit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, grant
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.mobility import services
from xianfeng.mobility.enums import ActivityKind
from xianfeng.mobility.models import MobileRecord, MobileRecordChange
from xianfeng.orgs.enums import RoleKind
from xianfeng.people.models import Member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LEFT = TODAY - datetime.timedelta(days=300)


def away(**kw) -> services.Away:
    fields = {
        "place": "广东省深圳市宝安区", "phone": "13800001111", "left_on": LEFT,
        "workplace": "电子厂", "host_name": "福永街道流动党员党支部", "card_number": "LD001",
    }  # fmt: skip
    fields.update(kw)
    return services.Away(**fields)


def register(county, **kw) -> MobileRecord:
    return services.mobile_register(
        actor=county.secretary_a1, member=county.member_a1, away=away(**kw)
    )


def test_an_edit_keeps_what_changed_who_and_when(county):
    record = register(county)
    change = services.mobile_update(
        actor=county.secretary_a1, record=record,
        away=away(place="浙江省宁波市", workplace="港口", phone="13900002222",
                  left_on=LEFT + datetime.timedelta(days=1)),
    )  # fmt: skip
    record.refresh_from_db()
    assert (record.place, record.workplace, record.phone) == ("浙江省宁波市", "港口", "13900002222")
    assert change is not None and change.changed_by == county.secretary_a1
    assert change.changes == {
        "place": ["广东省深圳市宝安区", "浙江省宁波市"],
        "workplace": ["电子厂", "港口"],
        "phone": ["13800001111", "13900002222"],
        "left_on": [LEFT.isoformat(), (LEFT + datetime.timedelta(days=1)).isoformat()],
    }
    assert change.lines()[0] == ("流入地", "广东省深圳市宝安区", "浙江省宁波市")
    # The roster's 流动去向 follows the place.
    assert Member.objects.get(pk=county.member_a1.pk).mobile_place == "浙江省宁波市"
    log = AuditLog.objects.get(action="mobile.updated")
    assert log.actor == county.secretary_a1
    assert log.data["fields"] == ["left_on", "phone", "place", "workplace"]
    assert "13900002222" not in str(log.data)
    # The same values again change nothing and record nothing.
    again = services.mobile_update(
        actor=county.secretary_a1, record=record,
        away=away(place="浙江省宁波市", workplace="港口", phone="13900002222",
                  left_on=LEFT + datetime.timedelta(days=1)),
    )  # fmt: skip
    assert again is None and MobileRecordChange.objects.count() == 1


def test_edit_refusals_change_nothing(county):
    record = register(county)
    services.mobile_activity_add(
        actor=county.secretary_a1, record=record, on=LEFT + datetime.timedelta(days=10),
        kind=ActivityKind.STUDY, title="自学",
    )  # fmt: skip
    with pytest.raises(Refused) as excinfo:
        services.mobile_update(
            actor=county.secretary_a1, record=record,
            away=away(left_on=LEFT + datetime.timedelta(days=20)),
        )  # fmt: skip
    assert excinfo.value.field == "left_on" and "联系或活动记录" in excinfo.value.message
    with pytest.raises(Refused) as excinfo:
        services.mobile_update(
            actor=county.secretary_a1, record=record, away=away(host_org=county.branch_a1)
        )
    assert excinfo.value.message == "流入地党组织不能是本支部"
    for outsider in (county.secretary_b1, county.propagandist_a1):
        with pytest.raises(PermissionDenied):
            services.mobile_update(actor=outsider, record=record, away=away(place="别处"))
    record.refresh_from_db()
    assert (record.place, record.left_on) == ("广东省深圳市宝安区", LEFT)
    assert not MobileRecordChange.objects.exists()


def test_edit_page_saves_and_the_detail_shows_the_history(client, county):
    record = register(county)
    client.force_login(county.secretary_a1)
    url = reverse("mobility:edit", args=[record.pk])
    form = client.get(url)
    assert form.status_code == 200 and "广东省深圳市宝安区" in form.content.decode()
    response = client.post(url, {
        "place": "广东省深圳市宝安区", "phone": "13800001111", "workplace": "物流公司",
        "host_code": "B1", "left_on": LEFT.isoformat(), "card_number": "LD001",
    })  # fmt: skip
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.workplace, record.host_org, record.host_name) == (
        "物流公司", county.branch_b1, "",
    )  # fmt: skip
    page = client.get(reverse("mobility:detail", args=[record.pk])).content.decode()
    assert "修改记录" in page and "电子厂 → 物流公司" in page and "东街书记" in page
    bad = client.post(url, {"place": "", "phone": "1", "left_on": "x"})
    assert bad.status_code == 400
    # The host org sees the record but neither the history nor the edit page.
    client.force_login(county.secretary_b1)
    host_page = client.get(reverse("mobility:detail", args=[record.pk])).content.decode()
    assert "修改记录" not in host_page and "电子厂" not in host_page
    assert client.get(url).status_code == 403
    assert client.post(url, {"place": "别处"}).status_code == 403


@pytest.mark.parametrize("who", ["secretary_a2", "member_a2", "anonymous"])
def test_outsiders_cannot_edit(client, county, who):
    record = register(county)
    if who == "secretary_a2":
        user = UserFactory(name="西街书记")
        grant(user, county.branch_a2, RoleKind.SECRETARY)
        client.force_login(user)
    elif who == "member_a2":
        client.force_login(county.member_a2.user)
    url = reverse("mobility:edit", args=[record.pk])
    post = client.post(url, {"place": "别处", "phone": "13800001111",
                             "left_on": LEFT.isoformat()})  # fmt: skip
    get = client.get(url)
    if who == "anonymous":
        assert (get.status_code, post.status_code) == (302, 302)
    else:
        assert (get.status_code, post.status_code) == (404, 404)
        assert "广东省深圳市宝安区" not in get.content.decode()
    record.refresh_from_db()
    assert record.place == "广东省深圳市宝安区" and not MobileRecordChange.objects.exists()


# --- the org at the place --------------------------------------------------------------------


def _hosted(user) -> list[str]:
    from xianfeng.notify.models import Notification

    return list(
        Notification.objects.filter(user=user, kind="mobile.hosted")
        .order_by("pk")
        .values_list("title", flat=True)
    )


def test_the_host_org_is_told_of_a_registration_and_its_changes(county):
    west = UserFactory(name="西街书记")
    grant(west, county.branch_a2, RoleKind.SECRETARY)
    record = register(county, host_org=county.branch_b1)
    assert _hosted(county.secretary_b1) == [
        "流动党员：东街社区党支部 张东街外出到你处，登记由你组织联系管理"
    ]
    services.mobile_update(
        actor=county.secretary_a1, record=record, away=away(host_org=county.branch_b1,
        workplace="物流公司"),
    )  # fmt: skip
    assert _hosted(county.secretary_b1)[1] == "流动党员：东街社区党支部 张东街的流动党员登记有变更"
    services.mobile_update(
        actor=county.secretary_a1, record=record, away=away(host_org=county.branch_a2,
        workplace="物流公司"),
    )  # fmt: skip
    gone = "流动党员：东街社区党支部 张东街已不再由你组织联系管理"
    assert _hosted(county.secretary_b1)[2] == gone
    assert _hosted(west) == ["流动党员：东街社区党支部 张东街外出到你处，登记由你组织联系管理"]
    # A registration to an org outside the system tells no one.
    assert len(_hosted(county.secretary_a1)) == 0


def test_no_notice_for_an_org_outside_the_system(county):
    from xianfeng.notify.models import Notification

    register(county)
    assert not Notification.objects.filter(kind="mobile.hosted").exists()


def test_incoming_list_is_the_host_orgs_only(client, county):
    record = register(county, host_org=county.branch_b1)
    client.force_login(county.secretary_b1)
    page = client.get(reverse("mobility:incoming")).content.decode()
    assert "张东街" in page and "东街社区党支部" in page
    returned = reverse("mobility:incoming") + "?show=returned"
    assert "张东街" not in client.get(returned).content.decode()
    services.mobile_return(actor=county.secretary_a1, record=record, on=TODAY)
    assert "张东街" in client.get(returned).content.decode()
    west = UserFactory(name="西街书记")
    grant(west, county.branch_a2, RoleKind.SECRETARY)
    for user in (west, county.secretary_a1):  # another branch; the home branch (its own list)
        client.force_login(user)
        for show in ("", "?show=returned"):
            assert "张东街" not in client.get(reverse("mobility:incoming") + show).content.decode()
    client.force_login(county.member_b1.user)
    assert client.get(reverse("mobility:incoming")).status_code == 403


@pytest.mark.parametrize("count", [1, 3])
def test_incoming_list_query_count(client, county, django_assert_num_queries, count):
    from tests.factories import MemberFactory

    for i in range(count):
        m = MemberFactory(org=county.branch_a1, user=UserFactory(name=f"外出{i}"))
        services.mobile_register(
            actor=county.secretary_a1, member=m,
            away=away(card_number=f"LD{i}", host_org=county.branch_b1),
        )  # fmt: skip
    client.force_login(county.secretary_b1)
    # session, user, roles, count, page (member, user, orgs, last activity), badge
    with django_assert_num_queries(6):
        page = client.get(reverse("mobility:incoming")).content.decode()
    assert page.count('class="title"') == count


def test_home_list_shows_meetings_and_study_away_this_quarter(client, county):
    from xianfeng.mobility.enums import ContactWay, quarter_start

    record = register(county, host_org=county.branch_b1)
    day = max(LEFT, quarter_start(TODAY))
    for summary in ("第一次联系", "第二次联系"):  # two contacts must not double the counts
        services.mobile_contact_add(
            actor=county.secretary_a1, record=record, on=day, way=ContactWay.PHONE,
            summary=summary,
        )  # fmt: skip
    for kind, title in [(ActivityKind.MEETING, "主题党日"), (ActivityKind.MEETING, "党课"),
                        (ActivityKind.STUDY, "集中学习")]:  # fmt: skip
        services.mobile_activity_add(
            actor=county.secretary_b1, record=record, on=day, kind=kind, title=title
        )
    if day > LEFT:  # an earlier quarter's activity is not this quarter's
        services.mobile_activity_add(
            actor=county.secretary_b1, record=record, on=LEFT, kind=ActivityKind.MEETING,
            title="去年的会",
        )  # fmt: skip
    client.force_login(county.secretary_a1)
    page = client.get(reverse("mobility:index")).content.decode()
    assert "本季度在流入地：组织生活 2 次，学习 1 次" in page
