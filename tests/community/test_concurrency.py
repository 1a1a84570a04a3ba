"""Claims racing each other, on PostgreSQL (real row locks; SQLite serialises writers).

20 people press 认领 on one wish in the same instant: one claim, 19 clear refusals. One
person claims 20 wishes at once with a limit of 3: exactly 3 claims.
"""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from tests.community.conftest import open_wish
from tests.factories import MemberFactory
from xianfeng.common.errors import Refused
from xianfeng.community import services
from xianfeng.community.enums import WishState
from xianfeng.community.models import Wish, WishClaim

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
    ),
]


def all_at_once(calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_claimers_at_once_make_one_claim(county, resident_a1):
    wish = open_wish(county, resident_a1)
    claimers = [MemberFactory(org=county.branch_a2).user for _ in range(20)]
    results = all_at_once([lambda u=u: services.wish_claim(actor=u, wish=wish) for u in claimers])
    refused = [r for r in results if isinstance(r, Refused)]
    won = [r for r in results if isinstance(r, Wish)]
    assert (len(won), len(refused)) == (1, 19)
    assert {r.message for r in refused} == {"这个心愿刚刚已被认领，请看看其他心愿"}
    assert WishClaim.objects.filter(wish=wish).count() == 1
    fresh = Wish.objects.get(pk=wish.pk)
    assert fresh.state == WishState.CLAIMED
    assert fresh.claimer_id == WishClaim.objects.get(wish=wish).claimer_id


def test_one_claimer_double_clicking_twenty_times_holds_one_claim(county, resident_a1):
    wish = open_wish(county, resident_a1)
    claimer = county.member_a2.user
    results = all_at_once([lambda: services.wish_claim(actor=claimer, wish=wish)] * 20)
    assert [type(r) for r in results] == [Wish] * 20
    assert WishClaim.objects.filter(wish=wish).count() == 1
    assert Wish.objects.get(pk=wish.pk).claimer == claimer


def test_one_claimer_claiming_twenty_wishes_at_once_stops_at_the_limit(
    county, resident_a1, settings
):
    settings.WISH_MAX_CLAIMS = 3
    wishes = [open_wish(county, resident_a1, title=f"第{i}个小小的心愿") for i in range(20)]
    claimer = county.member_a2.user
    results = all_at_once([lambda w=w: services.wish_claim(actor=claimer, wish=w) for w in wishes])
    assert sum(isinstance(r, Wish) for r in results) == 3
    assert sum(isinstance(r, Refused) for r in results) == 17
    assert WishClaim.objects.filter(claimer=claimer, active=True).count() == 3
    assert Wish.objects.filter(state=WishState.CLAIMED).count() == 3


def test_a_branch_claiming_as_an_org_from_two_officers_at_once_stops_at_the_limit(
    county, resident_a1, settings
):
    from tests.factories import UserFactory, grant
    from xianfeng.orgs.enums import RoleKind

    settings.WISH_MAX_CLAIMS = 1
    second = UserFactory(name="柳湾组织委员")
    grant(second, county.branch_b1, RoleKind.ORGANIZER)
    one = open_wish(county, resident_a1, title="第一个小小的心愿")
    two = open_wish(county, resident_a1, title="第二个小小的心愿")
    results = all_at_once(
        [
            lambda: services.wish_claim(actor=county.secretary_b1, wish=one, org=county.branch_b1),
            lambda: services.wish_claim(actor=second, wish=two, org=county.branch_b1),
        ]
    )
    assert sorted(type(r).__name__ for r in results) == ["Refused", "Wish"]
    assert Wish.objects.filter(claimer_org=county.branch_b1).count() == 1


# --- 微实事 and 微行动 -------------------------------------------------------------------------


def test_twenty_votes_at_once_by_one_person_leave_one_per_project_and_at_most_k(county):
    import datetime as dt

    from django.utils import timezone

    from xianfeng.community.models import Ballot
    from xianfeng.community.services import civic

    now = timezone.now()
    civic.round_open(
        actor=county.secretary_a1, org=county.branch_a1, title="东街民生实事投票",
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1), votes_each=3,
    )  # fmt: skip
    projects = [
        civic.project_propose(
            actor=county.secretary_a1,
            org=county.branch_a1,
            title=f"第{i}件民生实事",
            description="路灯坏了三个月，晚上出门不安全。",
        )
        for i in range(5)
    ]
    voter = county.member_a1.user
    calls = [lambda p=projects[i % 5]: civic.ballot_cast(actor=voter, project=p) for i in range(20)]
    all_at_once(calls)
    ballots = list(Ballot.objects.filter(voter=voter).values_list("project_id", "slot"))
    assert len(ballots) == 3
    assert len({p for p, _ in ballots}) == 3
    assert sorted(s for _, s in ballots) == [1, 2, 3]


def test_twenty_sign_ups_at_once_fill_the_capacity_and_queue_the_rest_in_order(county):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import UserFactory
    from xianfeng.community.models import Activity, Signup
    from xianfeng.community.services import activities

    start = timezone.now() + dt.timedelta(days=1)
    activity = activities.activity_create(
        actor=county.secretary_a1, org=county.branch_a1, kind="cleanup", title="东街环境整治",
        starts_at=start, ends_at=start + dt.timedelta(hours=2), place="东街广场", capacity=5,
    )  # fmt: skip
    users = [UserFactory(name=f"志愿者{i}") for i in range(20)]
    all_at_once([lambda u=u: activities.signup_join(actor=u, activity=activity) for u in users])
    rows = list(Signup.objects.filter(activity=activity).order_by("queued_at", "id"))
    assert [r.state for r in rows] == ["confirmed"] * 5 + ["waiting"] * 15
    fresh = Activity.objects.get(pk=activity.pk)
    assert (fresh.confirmed_count, fresh.waiting_count) == (5, 15)


def test_twenty_posts_of_the_same_activity_at_once_make_one(county):
    import datetime as dt

    from django.utils import timezone

    from xianfeng.community.models import Activity
    from xianfeng.community.services import activities

    start = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)

    def post():
        return activities.activity_create(
            actor=county.secretary_a1, org=county.branch_a1, kind="cleanup", title="东街环境整治",
            starts_at=start, ends_at=start + dt.timedelta(hours=2), place="东街广场", capacity=5,
        )  # fmt: skip

    results = all_at_once([post] * 20)
    assert [type(r) for r in results] == [Activity] * 20
    assert len({r.pk for r in results}) == 1
    assert Activity.objects.count() == 1
