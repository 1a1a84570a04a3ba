"""组织关系转接 between branches: start, accept, return, withdraw; who sees what; reminders."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory, grant
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.notify.models import Notification
from xianfeng.orgs.enums import RoleKind
from xianfeng.people.models import Member, MemberPeriod
from xianfeng.people.selectors import members_on
from xianfeng.transfers import services
from xianfeng.transfers.enums import TransferState
from xianfeng.transfers.models import Transfer

pytestmark = pytest.mark.django_db

D = datetime.date


def start(county, member=None, to_org=None, actor=None) -> Transfer:
    return services.transfer_start(
        actor=actor or county.secretary_a1,
        member=member or county.member_a1,
        to_org=to_org or county.branch_b1,
        reason="工作调动到河口镇",
    )


def test_transfer_between_towns_moves_the_member_from_the_accepted_date(county):
    transfer = start(county)
    year = timezone.localdate().year
    assert (transfer.state, transfer.number) == (TransferState.PENDING, f"{year}-A1-001")
    assert list(
        Notification.objects.filter(kind="transfer.notice").values_list("user__username", "title")
    ) == [("secretary_b1", "组织关系转入待接收：张东街")]
    county.member_a1.refresh_from_db()
    assert county.member_a1.org == county.branch_a1  # nothing moves before it is accepted
    services.transfer_accept(
        actor=county.secretary_b1, transfer=transfer, effective_on=D(2026, 5, 15)
    )
    transfer.refresh_from_db()
    member = Member.objects.get(pk=county.member_a1.pk)
    assert (transfer.state, transfer.effective_on, transfer.decided_by) == (
        TransferState.ACCEPTED,
        D(2026, 5, 15),
        county.secretary_b1,
    )
    assert (member.org, member.org_since, member.group) == (county.branch_b1, D(2026, 5, 15), None)
    period = MemberPeriod.objects.get(member=member)
    assert (period.org, period.started_on, period.ended_on, period.reason) == (
        county.branch_a1,
        None,
        D(2026, 5, 15),
        f"组织关系转接 {transfer.number}",
    )
    assert member.pk in members_on(county.branch_a1, D(2026, 5, 14)).values_list("pk", flat=True)
    assert member.pk in members_on(county.branch_b1, D(2026, 5, 15)).values_list("pk", flat=True)
    assert sorted(
        Notification.objects.filter(title="组织关系已转入柳湾村党支部").values_list(
            "user__username", flat=True
        )
    ) == ["member_a1", "secretary_a1"]
    assert AuditLog.objects.filter(action="transfer.accepted", object_id=str(transfer.pk)).exists()


def test_second_transfer_while_one_waits_is_refused(county):
    start(county)
    with pytest.raises(Refused) as excinfo:
        start(county, to_org=county.branch_a2)
    assert excinfo.value.message == "该党员已有一个待接收的组织关系转接"
    assert Transfer.objects.count() == 1


def test_transfer_to_a_party_group_or_the_same_branch_is_refused(county):
    with pytest.raises(Refused) as excinfo:
        start(county, to_org=county.group_a1)
    assert excinfo.value.message == "“第一党小组”是党小组，不能直接接收党员，请转入党支部"
    with pytest.raises(Refused) as excinfo:
        start(county, to_org=county.branch_a1)
    assert excinfo.value.message == "转入组织与现所在组织相同"
    assert not Transfer.objects.exists()


def test_return_needs_a_reason_and_leaves_the_member_where_they_were(county):
    transfer = start(county)
    with pytest.raises(Refused) as excinfo:
        services.transfer_return(actor=county.secretary_b1, transfer=transfer, reason=" ")
    assert excinfo.value.message == "请填写退回原因"
    services.transfer_return(
        actor=county.secretary_b1, transfer=transfer, reason="本村无此人工作单位，请核对"
    )
    transfer.refresh_from_db()
    assert (transfer.state, transfer.return_reason) == (
        TransferState.RETURNED,
        "本村无此人工作单位，请核对",
    )
    county.member_a1.refresh_from_db()
    assert county.member_a1.org == county.branch_a1
    assert not MemberPeriod.objects.exists()
    # A returned transfer is closed: it can be neither accepted nor returned again.
    with pytest.raises(Refused) as excinfo:
        services.transfer_accept(actor=county.secretary_b1, transfer=transfer)
    assert excinfo.value.message == "组织关系转接不能从“已退回”变为“已接收”"


def test_only_the_receiving_side_decides_and_only_the_sending_side_withdraws(county):
    transfer = start(county)
    with pytest.raises(PermissionDenied):
        services.transfer_accept(actor=county.secretary_a1, transfer=transfer)
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(actor=county.secretary_b1, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PENDING
    services.transfer_cancel(actor=county.secretary_a1, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.CANCELLED
    start(county)  # a withdrawn transfer does not block a new one


def test_someone_else_cannot_start_a_transfer_of_a_member_they_do_not_manage(county):
    with pytest.raises(PermissionDenied):
        start(county, member=county.member_a1, actor=county.secretary_b1)
    assert not Transfer.objects.exists()


def test_overdue_transfers_are_reminded_once_a_week(county):
    transfer = start(county)
    Transfer.objects.filter(pk=transfer.pk).update(
        started_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert services.transfers_remind_overdue() == 1
    assert services.transfers_remind_overdue() == 0
    assert sorted(
        Notification.objects.filter(kind="transfer.overdue").values_list(
            "user__username", flat=True
        )
    ) == ["secretary_a1", "secretary_b1"]
    later = timezone.now() + datetime.timedelta(days=8)
    assert services.transfers_remind_overdue(now=later) == 1
    services.transfer_accept(actor=county.secretary_b1, transfer=transfer)
    assert services.transfers_remind_overdue(now=later + datetime.timedelta(days=8)) == 0


def test_a_fresh_transfer_is_not_overdue(county):
    start(county)
    assert services.transfers_remind_overdue() == 0


# --- pages -----------------------------------------------------------------------------------


def test_pages_carry_the_flow(client, county):
    client.force_login(county.secretary_a1)
    member = county.member_a1
    detail = client.get(reverse("people:member_detail", args=[member.pk])).content.decode()
    assert reverse("transfers:start", args=[member.pk]) in detail
    found = client.get(reverse("transfers:start", args=[member.pk]), {"q": "柳湾"})
    assert "柳湾村党支部" in found.content.decode()
    response = client.post(
        reverse("transfers:start", args=[member.pk]),
        {"q": "柳湾", "to_org": county.branch_b1.pk, "reason": "迁居"},
    )
    transfer = Transfer.objects.get()
    assert response["Location"] == reverse("transfers:detail", args=[transfer.pk])
    client.force_login(county.secretary_b1)
    page = client.get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert "确认接收" in page and "撤回转接" not in page
    client.post(reverse("transfers:accept", args=[transfer.pk]), {"effective_on": "2026-05-15"})
    member.refresh_from_db()
    assert (member.org, member.org_since) == (county.branch_b1, D(2026, 5, 15))


def test_start_page_reports_a_missing_choice(client, county):
    client.force_login(county.secretary_a1)
    page = client.post(
        reverse("transfers:start", args=[county.member_a1.pk]), {"q": "柳湾", "reason": "迁居"}
    ).content.decode()
    assert "请先查找并选择转入的党支部" in page
    assert not Transfer.objects.exists()


@pytest.fixture
def pending(county) -> Transfer:
    return start(county)


def test_receiving_secretary_sees_the_transfer_but_not_the_sending_branch(client, county, pending):
    client.force_login(county.secretary_b1)
    assert client.get(reverse("transfers:detail", args=[pending.pk])).status_code == 200
    # The member's page and the sending branch's roster stay out of reach until accepted.
    assert client.get(reverse("people:member_detail", args=[pending.member_id])).status_code == 404
    other = MemberFactory(org=county.branch_a1, user=UserFactory(name="东街另一人"))
    assert client.get(reverse("people:member_detail", args=[other.pk])).status_code == 404
    listing = client.get(reverse("people:member_list")).content.decode()
    assert "东街另一人" not in listing and "张东街" not in listing


def test_sending_secretary_keeps_the_transfer_but_loses_the_member(client, county, pending):
    services.transfer_accept(actor=county.secretary_b1, transfer=pending)
    client.force_login(county.secretary_a1)
    assert client.get(reverse("transfers:detail", args=[pending.pk])).status_code == 200
    assert client.get(reverse("people:member_detail", args=[pending.member_id])).status_code == 404
    listing = client.get(reverse("people:member_list")).content.decode()
    assert "王柳湾" not in listing


@pytest.mark.parametrize("who", ["anonymous", "member_b1", "secretary_a2", "propagandist_a1"])
def test_outsiders_get_nothing_and_change_nothing(client, county, pending, who):
    if who == "secretary_a2":
        user = UserFactory(username="secretary_a2")
        grant(user, county.branch_a2, RoleKind.SECRETARY)
        client.force_login(user)
    elif who != "anonymous":
        client.force_login(county.member_b1.user if who == "member_b1" else county.propagandist_a1)
    urls = [
        reverse(f"transfers:{name}", args=[pending.pk]) for name in ("accept", "return", "cancel")
    ]
    get = client.get(reverse("transfers:detail", args=[pending.pk]))
    posts = [client.post(url, {"return_reason": "x"}).status_code for url in urls]
    if who == "anonymous":
        assert (get.status_code, posts) == (302, [302, 302, 302])
    else:
        assert (get.status_code, posts) == (404, [404, 404, 404])
    assert client.get(reverse("transfers:index")).content.decode().count("张东街") == 0
    pending.refresh_from_db()
    assert pending.state == TransferState.PENDING


def test_the_member_sees_their_own_transfer_without_actions(client, county, pending):
    client.force_login(county.member_a1.user)
    page = client.get(reverse("transfers:detail", args=[pending.pk])).content.decode()
    assert "柳湾村党支部" in page and "确认接收" not in page and "撤回转接" not in page
    assert client.post(reverse("transfers:accept", args=[pending.pk])).status_code == 403


@pytest.mark.parametrize("count", [1, 3])
def test_transfer_list_query_count(client, county, django_assert_num_queries, count):
    for i in range(count):
        member = MemberFactory(org=county.branch_a1, user=UserFactory(name=f"调动{i}"))
        start(county, member=member)
    client.force_login(county.secretary_b1)
    # session, user, roles, count, page (member, user, orgs, starter joined), unread badge
    with django_assert_num_queries(6):
        page = client.get(reverse("transfers:index")).content.decode()
    assert page.count('class="title"') == count


def test_letter_pdf_carries_the_number_and_both_orgs(client, county, pending):
    import io

    from pypdf import PdfReader

    client.force_login(county.secretary_b1)
    response = client.get(reverse("transfers:letter", args=[pending.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert f"编号：{pending.number}" in compact
    assert "柳湾村党支部：" in compact and "张东街同志" in compact
    assert "转接原因：工作调动到河口镇" in compact


@pytest.mark.parametrize("who", ["anonymous", "member_b1"])
def test_letter_is_out_of_reach_for_outsiders(client, county, pending, who):
    if who != "anonymous":
        client.force_login(county.member_b1.user)
    status = client.get(reverse("transfers:letter", args=[pending.pk])).status_code
    assert status == (302 if who == "anonymous" else 404)
