"""微行动: posting, sign-up with a waiting list, QR check-in and out, service hours."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory
from xianfeng.common.errors import Refused
from xianfeng.community.enums import Audience
from xianfeng.community.models import Activity, Signup
from xianfeng.community.selectors import activities as selectors
from xianfeng.community.services import activities as services
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def post(county, capacity=2, starts=None, title="东街背街小巷环境整治", **kw):
    starts = starts or timezone.now() + 24 * HOUR
    kw.setdefault("audience", Audience.EVERYONE)
    return services.activity_create(
        actor=county.secretary_a1,
        org=county.branch_a1,
        kind="cleanup",
        title=title,
        starts_at=starts,
        ends_at=starts + 2 * HOUR,
        place="东街社区广场",
        capacity=capacity,
        **kw,
    )


def people(n):
    return [UserFactory(name=f"志愿者{i}") for i in range(n)]


def test_only_the_orgs_officers_post_and_bad_times_are_refused(county):
    with pytest.raises(PermissionDenied):
        services.activity_create(
            actor=county.secretary_b1, org=county.branch_a1, kind="cleanup", title="别人的活动",
            starts_at=timezone.now() + HOUR, ends_at=timezone.now() + 2 * HOUR,
            place="东街", capacity=5,
        )  # fmt: skip
    with pytest.raises(Refused, match="结束时间应晚于开始时间"):
        start = timezone.now() + HOUR
        services.activity_create(
            actor=county.secretary_a1, org=county.branch_a1, kind="cleanup", title="时间反了",
            starts_at=start, ends_at=start - HOUR, place="东街", capacity=5,
        )  # fmt: skip
    assert Activity.objects.count() == 0


def test_a_full_activity_queues_and_the_queue_moves_up_on_a_cancel(county):
    activity = post(county, capacity=2)
    a, b, c, d = people(4)
    states = [services.signup_join(actor=u, activity=activity).state for u in (a, b, c, d)]
    assert states == ["confirmed", "confirmed", "waiting", "waiting"]
    assert services.signup_join(actor=c, activity=activity).state == "waiting"  # double click
    moved = services.signup_cancel(actor=a, activity=activity)
    assert moved is not None and moved.user_id == c.pk
    fresh = Activity.objects.get(pk=activity.pk)
    assert (fresh.confirmed_count, fresh.waiting_count) == (2, 1)
    assert dict(Signup.objects.values_list("user_id", "state")) == {
        a.pk: "cancelled", b.pk: "confirmed", c.pk: "confirmed", d.pk: "waiting",
    }  # fmt: skip
    assert Notification.objects.filter(user=c, kind="activity.signup").count() == 1
    assert selectors.waiting_place(Signup.objects.get(user=d)) == 1
    services.signup_cancel(actor=d, activity=activity)
    fresh = Activity.objects.get(pk=activity.pk)
    assert (fresh.confirmed_count, fresh.waiting_count) == (2, 0)


def test_members_only_activity_refuses_a_resident(county):
    activity = post(county, audience=Audience.MEMBERS)
    with pytest.raises(PermissionDenied, match="仅限党员"):
        services.signup_join(actor=county.resident, activity=activity)
    assert services.signup_join(actor=county.member_b1.user, activity=activity).state == "confirmed"


def test_sign_up_closes_at_the_deadline(county):
    activity = post(county)
    with pytest.raises(Refused, match="报名已截止"):
        services.signup_join(
            actor=county.resident, activity=activity, now=activity.signup_deadline + HOUR
        )
    assert Signup.objects.count() == 0


def test_qr_check_in_and_out_credits_hours_within_the_activity(county):
    activity = post(county, capacity=5)
    member = county.member_b1.user
    services.signup_join(actor=member, activity=activity)
    early = activity.starts_at - datetime.timedelta(minutes=20)
    row = services.signup_scan(
        actor=member, token=services.checkin_token(activity, early), now=early
    )
    assert row.checked_in_at == early
    late = activity.ends_at + HOUR  # stayed on: the hours stop at the activity's end
    row = services.signup_scan(actor=member, token=services.checkin_token(activity, late), now=late)
    assert row.hours == Decimal("2.0")
    assert row.home_branch_id == county.branch_b1.pk
    with pytest.raises(Refused, match="无需重复"):
        services.signup_scan(actor=member, token=services.checkin_token(activity, late), now=late)


def test_qr_refuses_an_old_code_a_forged_one_and_someone_not_signed_up(county):
    activity = post(county, capacity=5)
    member = county.member_b1.user
    services.signup_join(actor=member, activity=activity)
    at = activity.starts_at
    old = services.checkin_token(activity, at - datetime.timedelta(minutes=2))
    with pytest.raises(Refused, match="二维码已过期"):
        services.signup_scan(actor=member, token=old, now=at)
    good = services.checkin_token(activity, at)
    forged = good[:-1] + ("1" if good[-1] == "0" else "0")  # always a different last character
    with pytest.raises(Refused, match="二维码无效"):
        services.signup_scan(actor=member, token=forged, now=at)
    with pytest.raises(Refused, match="没有报上"):
        services.signup_scan(
            actor=county.member_a2.user, token=services.checkin_token(activity, at), now=at
        )
    assert Signup.objects.filter(checked_in_at__isnull=False).count() == 0


def test_the_organiser_corrects_hours_with_a_reason(county):
    activity = post(county, capacity=5)
    row = services.signup_join(actor=county.member_b1.user, activity=activity)
    with pytest.raises(PermissionDenied):
        services.hours_correct(
            actor=county.secretary_b1, signup=row, hours=Decimal("1.5"), reason="补录"
        )
    with pytest.raises(Refused, match=r"0 到 2\.0 小时"):
        services.hours_correct(
            actor=county.secretary_a1, signup=row, hours=Decimal("3"), reason="补录"
        )
    services.hours_correct(
        actor=county.secretary_a1, signup=row, hours=Decimal("1.5"), reason="忘记扫码，补录"
    )
    fresh = Signup.objects.get(pk=row.pk)
    assert (fresh.hours, fresh.hours_note, fresh.hours_by_id) == (
        Decimal("1.5"), "忘记扫码，补录", county.secretary_a1.pk,
    )  # fmt: skip


def test_hours_come_home_to_the_members_own_branch(county):
    """双报道: 柳湾's member serves in 东街; the hours count for 柳湾, not 东街."""
    activity = post(county, capacity=5)
    row = services.signup_join(actor=county.member_b1.user, activity=activity)
    services.hours_correct(actor=county.secretary_a1, signup=row, hours=Decimal("2"), reason="补录")
    year = activity.starts_at.year
    (home,) = selectors.members_hours(county.branch_b1, year)
    assert (home["user__name"], home["hours"], home["n"]) == ("王柳湾", Decimal("2.0"), 1)
    assert selectors.members_hours(county.branch_a1, year) == []
    record = selectors.hours_of(county.member_b1.user, year)
    assert record.total == Decimal("2.0")


# --- pages ------------------------------------------------------------------------------------


def test_the_roster_is_the_organisers_alone(client, county):
    activity = post(county, capacity=5)
    services.signup_join(actor=county.member_b1.user, activity=activity)
    url = reverse("community:activity", args=[activity.pk])
    for viewer in (None, county.resident, county.secretary_b1):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        html = client.get(url).content.decode()
        assert "东街背街小巷环境整治" in html and "王柳湾" not in html
    client.force_login(county.secretary_a1)
    assert "王柳湾" in client.get(url).content.decode()
    client.force_login(county.secretary_b1)
    assert client.get(reverse("community:activity_qr", args=[activity.pk])).status_code == 404


def test_sign_up_and_scan_through_the_pages(client, county):
    activity = post(county, capacity=1, starts=timezone.now() + datetime.timedelta(minutes=10))
    client.force_login(county.resident)
    response = client.post(
        reverse("community:activity_action", args=[activity.pk, "join"]), follow=True
    )
    assert "报名成功" in response.content.decode()
    other = UserFactory(name="后来的人")
    client.force_login(other)
    response = client.post(
        reverse("community:activity_action", args=[activity.pk, "join"]), follow=True
    )
    assert "名额已满，您已在候补名单中" in response.content.decode()
    client.force_login(county.resident)
    scan = reverse("community:activity_scan", args=[services.checkin_token(activity)])
    assert "确认签到" in client.get(scan).content.decode()
    html = client.post(scan).content.decode()
    assert "签到成功" in html
    assert Signup.objects.get(user=county.resident).checked_in_at is not None
    client.logout()
    response = client.get(scan)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("n", [1, 3])
def test_activity_list_query_count(client, county, django_assert_num_queries, n):
    for _ in range(n):
        post(county)
    MemberFactory(org=county.branch_a2, user=county.resident)
    client.force_login(county.resident)
    # session, user, member (nearness, menu and nav), rows (no COUNT), unread notices, roles
    with django_assert_num_queries(6):
        response = client.get(reverse("community:activities"))
    assert response.content.decode().count("东街背街小巷环境整治") == n


@pytest.mark.parametrize("n", [1, 3])
def test_my_hours_query_count(client, county, django_assert_num_queries, n):
    for _ in range(n):
        activity = post(county)
        services.signup_join(actor=county.member_b1.user, activity=activity)
    client.force_login(county.member_b1.user)
    # session, user, upcoming, this year's, my honors, member (nav), unread notices, roles
    with django_assert_num_queries(8):
        response = client.get(reverse("community:my_hours"))
    assert response.content.decode().count("东街背街小巷环境整治") == 2 * n


def test_an_orgs_member_hours_are_for_its_officers_only(client, county):
    activity = post(county, capacity=5)
    row = services.signup_join(actor=county.member_b1.user, activity=activity)
    services.hours_correct(actor=county.secretary_a1, signup=row, hours=Decimal("2"), reason="补录")
    url = reverse("community:org_hours")
    assert client.get(url, {"org": "B1"}).status_code == 302  # anonymous: to the login page
    client.force_login(county.secretary_a1)
    assert client.get(url, {"org": "B1"}).status_code == 404  # another branch
    client.force_login(county.member_b1.user)
    assert client.get(url, {"org": "B1"}).status_code == 404  # a member, no office
    client.force_login(county.secretary_b1)
    html = client.get(url, {"org": "B1"}).content.decode()
    assert "王柳湾" in html and "2.0" in html


def test_the_same_open_activity_twice_is_refused_by_the_database(county):
    from django.db import IntegrityError, transaction

    first = post(county)
    same = {
        "org": first.org,
        "kind": first.kind,
        "title": first.title,
        "starts_at": first.starts_at,
        "ends_at": first.ends_at,
        "place": first.place,
        "capacity": 2,
        "signup_deadline": first.signup_deadline,
        "checkin_key": "k",
        "created_by": first.created_by,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(**same)
    assert Activity.objects.count() == 1
    # Cancelled copies and another poster's same activity are not repeats.
    Activity.objects.create(**same, state="cancelled")
    Activity.objects.create(**{**same, "created_by": county.secretary_b1})
    assert Activity.objects.count() == 3


def test_posting_the_same_activity_again_returns_the_first(county):
    first = post(county)
    again = post(county, starts=first.starts_at, capacity=5)
    assert again.pk == first.pk
    assert again.capacity == 2
    assert Activity.objects.count() == 1
    services.activity_cancel(actor=county.secretary_a1, activity=first, reason="下雨改期")
    reposted = post(county, starts=first.starts_at)
    assert reposted.pk != first.pk
    assert Activity.objects.count() == 2


def test_editing_into_an_open_repeat_is_refused_and_changes_nothing(county):
    first = post(county)
    other = post(county, title="西街垃圾分类宣传")
    with pytest.raises(Refused, match="同一时间已发布过同名活动") as refused:
        services.activity_update(
            actor=county.secretary_a1, activity=other, kind="cleanup", title=first.title,
            starts_at=first.starts_at, ends_at=first.ends_at, place="东街社区广场", capacity=2,
        )  # fmt: skip
    assert refused.value.field == "title"
    assert Activity.objects.get(pk=other.pk).title == "西街垃圾分类宣传"
