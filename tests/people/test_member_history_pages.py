"""The 党籍变动 page: who sees it, who may record a change, what a refusal leaves."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.factories import MemberFactory, UserFactory
from xianfeng.people.enums import MemberStatus
from xianfeng.people.models import Member, MemberPeriod, StatusChange

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def probationer(county) -> Member:
    return MemberFactory(
        org=county.branch_a1,
        user=UserFactory(name="预备甲"),
        joined_on=D(2025, 3, 1),
        confirmed_on=None,
        status=MemberStatus.PROBATIONARY,
        probation_ends_on=D(2026, 3, 1),
    )


def url(member: Member) -> str:
    return reverse("people:member_status", args=[member.pk])


CONFIRM = {"kind": "confirm", "meeting_on": "2026-02-20", "approved_on": "2026-03-05",
           "decision": "城党〔2026〕12号"}  # fmt: skip


def test_secretary_records_a_confirmation_through_the_page(client, county, probationer):
    client.force_login(county.secretary_a1)
    response = client.post(url(probationer), CONFIRM)
    assert response.status_code == 302
    probationer.refresh_from_db()
    assert (probationer.status, probationer.confirmed_on) == (MemberStatus.FULL, D(2026, 3, 1))
    page = client.get(url(probationer)).content.decode()
    assert "转正（预备党员 → 正式党员）" in page
    assert "支部大会 2026-02-20；上级批准 2026-03-05；城党〔2026〕12号" in page


def test_missing_dates_and_refusals_show_on_the_form(client, county, probationer):
    client.force_login(county.secretary_a1)
    page = client.post(url(probationer), {"kind": "confirm"}).content.decode()
    assert "请填写支部大会讨论日期" in page and "请填写上级党委批准日期" in page
    page = client.post(url(probationer), {**CONFIRM, "effective_on": "2026-02-01"}).content.decode()
    assert "预备期到 2026-03-01 才满，不能早于该日转正" in page
    probationer.refresh_from_db()
    assert probationer.status == MemberStatus.PROBATIONARY
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "member_b1", "secretary_b1"])
def test_people_outside_the_branch_get_nothing(client, county, probationer, who):
    if who != "anonymous":
        user = county.member_b1.user if who == "member_b1" else county.secretary_b1
        client.force_login(user)
    get, post = client.get(url(probationer)), client.post(url(probationer), CONFIRM)
    if who == "anonymous":
        assert (get.status_code, post.status_code) == (302, 302)
    else:
        assert (get.status_code, post.status_code) == (404, 404)
    probationer.refresh_from_db()
    assert probationer.status == MemberStatus.PROBATIONARY
    assert not StatusChange.objects.exists()


def test_a_propaganda_officer_sees_the_history_but_cannot_record(client, county, probationer):
    client.force_login(county.propagandist_a1)
    page = client.get(url(probationer))
    assert page.status_code == 200 and "记录党籍变动" not in page.content.decode()
    assert client.post(url(probationer), CONFIRM).status_code == 403
    assert not StatusChange.objects.exists()


def test_a_member_sees_their_own_history_without_the_form(client, county):
    client.force_login(county.member_a1.user)
    page = client.get(url(county.member_a1)).content.decode()
    assert "在东街社区党支部（建档前 至 今）" in page and "记录党籍变动" not in page


@pytest.mark.parametrize("lines", [1, 3])
def test_history_page_query_count(client, county, django_assert_num_queries, lines):
    member = county.member_a1
    for i in range(lines):
        MemberPeriod.objects.create(
            member=member, org=county.branch_a2, ended_on=D(2020 + i, 1, 1), reason="调动"
        )
        StatusChange.objects.create(
            member=member, kind="extend", from_status="full", to_status="full",
            effective_on=D(2020 + i, 1, 1),
        )  # fmt: skip
    client.force_login(county.secretary_a1)
    # session, user, member (visible), roles ×1 (manage), periods, changes, unread badge
    with django_assert_num_queries(7):
        page = client.get(url(member)).content.decode()
    assert page.count("在西街社区党支部") == lines
