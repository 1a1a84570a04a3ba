"""组织关系 out of the system (介绍信, then the 回执) and in from outside (registered from the
outside letter; someone who once left by transfer gets their old record back)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_id_number
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.people.checks import MemberData
from xianfeng.people.enums import MemberStatus
from xianfeng.people.models import Member, MemberPeriod, StatusChange
from xianfeng.people.selectors import members_on
from xianfeng.transfers import services
from xianfeng.transfers.enums import TransferDirection, TransferState
from xianfeng.transfers.letter import letter_pdf
from xianfeng.transfers.models import Transfer

pytestmark = pytest.mark.django_db

D = datetime.date
OUTSIDE = "上海市浦东新区某街道党工委"


@pytest.fixture
def county(county):
    Member.objects.update(org_since=D(2016, 1, 1))
    county.member_a1.refresh_from_db()
    return county


def out(county) -> Transfer:
    return services.transfer_out_start(
        actor=county.secretary_a1, member=county.member_a1, outside_org=OUTSIDE, reason="赴沪工作"
    )


def test_transfer_out_prints_a_numbered_letter_and_ends_with_the_receipt(county, client):
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("transfers:start_out", args=[county.member_a1.pk]),
        {"outside_org": OUTSIDE, "reason": "赴沪工作"},
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302
    year = timezone.localdate().year
    assert (transfer.direction, transfer.number, transfer.to_org, transfer.state) == (
        TransferDirection.OUT,
        f"{year}-A1-001",
        None,
        TransferState.PENDING,
    )
    import io

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(letter_pdf(transfer))).pages)
    assert OUTSIDE in text and f"{year}-A1-001" in text and "回执寄回东街社区党支部" in text
    member = Member.objects.get(pk=county.member_a1.pk)
    assert member.left_on is None  # still on the roll until the receipt comes back
    page = client.get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert 'id="transfer-receipt"' in page and 'id="transfer-accept"' not in page
    response = client.post(
        reverse("transfers:complete_out", args=[transfer.pk]),
        {"effective_on": "2026-06-10", "receipt": "沪浦党回〔2026〕18号"},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    member.refresh_from_db()
    assert (transfer.state, transfer.effective_on, transfer.outside_number) == (
        TransferState.ACCEPTED,
        D(2026, 6, 10),
        "沪浦党回〔2026〕18号",
    )
    assert (member.status, member.left_on, member.org_id) == (
        MemberStatus.TRANSFERRED,
        D(2026, 6, 10),
        county.branch_a1.pk,
    )
    assert members_on(county.branch_a1, D(2026, 6, 9)).filter(pk=member.pk).exists()
    assert not members_on(county.branch_a1, D(2026, 6, 10)).filter(pk=member.pk).exists()
    change = StatusChange.objects.get(member=member)
    assert change.reason == f"转至{OUTSIDE}（介绍信 {transfer.number}）"
    assert AuditLog.objects.filter(event="member.transferred").count() == 1


def test_the_receiver_outside_cannot_be_accepted_inside_and_others_cannot_record_the_receipt(
    county, client
):
    transfer = out(county)
    with pytest.raises(Refused, match="请在收到回执后登记"):
        services.transfer_accept(actor=county.secretary_b1, transfer=transfer)
    with pytest.raises(PermissionDenied):
        services.transfer_out_complete(
            actor=county.secretary_b1, transfer=transfer, effective_on=D(2026, 6, 1), receipt=""
        )
    client.force_login(county.secretary_b1)
    response = client.post(
        reverse("transfers:complete_out", args=[transfer.pk]), {"effective_on": "2026-06-01"}
    )
    assert response.status_code == 404
    assert Transfer.objects.get().state == TransferState.PENDING
    assert Member.objects.get(pk=county.member_a1.pk).left_on is None


def test_a_bad_receipt_date_is_refused_with_the_input_kept(county, client):
    transfer = out(county)
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("transfers:complete_out", args=[transfer.pk]),
        {"effective_on": "2099-01-01", "receipt": "回执18号"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "转出日期不能晚于今天" in body and 'value="回执18号"' in body
    assert Transfer.objects.get().state == TransferState.PENDING


def test_starting_out_twice_gives_one_transfer(county):
    out(county)
    with pytest.raises(Refused, match="该党员已有一个待接收的组织关系转接"):
        out(county)
    assert Transfer.objects.count() == 1


def test_empty_outside_org_is_refused_on_the_page(county, client):
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("transfers:start_out", args=[county.member_a1.pk]),
        {"outside_org": " ", "reason": "赴沪工作"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写系统外党组织的名称" in body and 'value="赴沪工作"' in body
    assert not Transfer.objects.exists()


def _in_post(county, **extra):
    post = {
        "name": "赵新来",
        "phone": "13912345678",
        "id_number": make_id_number(D(1990, 3, 4)),
        "org": county.branch_b1.pk,
        "joined_on": "2015-07-01",
        "confirmed_on": "2016-07-01",
        "status": "full",
        "ethnicity": "汉族",
        "outside_org": "浙江省杭州市某社区党委",
        "outside_number": "杭社党转〔2026〕7号",
        "effective_on": "2026-05-20",
        "reason": "回乡创业",
    }
    post.update(extra)
    return post


def test_registering_a_member_from_outside_puts_them_on_the_roll_from_that_day(county, client):
    client.force_login(county.secretary_b1)
    assert client.get(reverse("transfers:register_in")).status_code == 200
    response = client.post(reverse("transfers:register_in"), _in_post(county))
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    member = transfer.member
    year = timezone.localdate().year
    assert (transfer.direction, transfer.state, transfer.number, transfer.from_org) == (
        TransferDirection.IN,
        TransferState.ACCEPTED,
        f"{year}-B1-R001",
        None,
    )
    assert (member.user.name, member.org_id, member.org_since) == (
        "赵新来",
        county.branch_b1.pk,
        D(2026, 5, 20),
    )
    assert not members_on(county.branch_b1, D(2026, 5, 19)).filter(pk=member.pk).exists()
    assert members_on(county.branch_b1, D(2026, 5, 20)).filter(pk=member.pk).exists()
    assert AuditLog.objects.filter(event="transfer.registered").count() == 1


def test_someone_who_left_by_transfer_comes_back_with_their_old_record(county):
    transfer = out(county)
    services.transfer_out_complete(
        actor=county.secretary_a1, transfer=transfer, effective_on=D(2026, 3, 1), receipt=""
    )
    member = Member.objects.get(pk=county.member_a1.pk)
    data = MemberData(
        name=member.user.name, id_number=member.id_number, status="full", joined_on=member.joined_on
    )
    services.transfer_in_register(
        actor=county.secretary_b1,
        to_org=county.branch_b1,
        data=data,
        outside_org=OUTSIDE,
        outside_number="沪转3号",
        effective_on=D(2026, 9, 1),
        reason="返乡",
    )
    member.refresh_from_db()
    assert (member.pk, member.status, member.org_id, member.org_since, member.left_on) == (
        county.member_a1.pk,
        MemberStatus.FULL,
        county.branch_b1.pk,
        D(2026, 9, 1),
        None,
    )
    period = MemberPeriod.objects.get(member=member)
    assert (period.org_id, period.started_on, period.ended_on) == (
        county.branch_a1.pk,
        D(2016, 1, 1),
        D(2026, 3, 1),
    )
    # Away from March to September: counted nowhere.
    assert not members_on(county.county, D(2026, 6, 1), subtree=True).filter(pk=member.pk).exists()
    assert Member.objects.filter(id_number=member.id_number).count() == 1


def test_registering_someone_still_on_a_roll_here_is_refused(county, client):
    client.force_login(county.secretary_b1)
    post = _in_post(county, id_number=county.member_a1.id_number, name="张东街")
    response = client.post(reverse("transfers:register_in"), post)
    assert response.status_code == 400
    assert "该身份证号已在党员名册中（东街社区党支部），请走系统内组织关系转接" in (
        response.content.decode()
    )
    assert not Transfer.objects.exists()
    assert Member.objects.get(pk=county.member_a1.pk).org_id == county.branch_a1.pk


def test_registering_into_another_branch_is_refused(county, client):
    client.force_login(county.secretary_b1)
    before = Member.objects.count()
    response = client.post(
        reverse("transfers:register_in"), _in_post(county, org=county.branch_a1.pk)
    )
    assert response.status_code == 400
    assert Member.objects.count() == before and not Transfer.objects.exists()


@pytest.mark.parametrize("who", ["member", "resident"])
def test_members_and_residents_cannot_register_or_see(county, client, who):
    actor = county.member_b1.user if who == "member" else county.resident
    client.force_login(actor)
    assert client.get(reverse("transfers:register_in")).status_code == 403
    transfer = out(county)
    assert client.get(reverse("transfers:detail", args=[transfer.pk])).status_code == 404
    assert client.get(reverse("transfers:letter", args=[transfer.pk])).status_code == 404


def test_list_query_count_does_not_grow_with_outside_transfers(county, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MemberFactory

    client.force_login(county.secretary_a1)
    out(county)
    client.get(reverse("transfers:index"))  # warm the session and the identity memo
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("transfers:index")).status_code == 200
    for _ in range(2):
        m = MemberFactory(org=county.branch_a1)
        services.transfer_out_start(
            actor=county.secretary_a1, member=m, outside_org=OUTSIDE, reason="外出"
        )
    with CaptureQueriesContext(connection) as three:
        assert client.get(reverse("transfers:index")).status_code == 200
    assert len(three.captured_queries) == len(one.captured_queries)
