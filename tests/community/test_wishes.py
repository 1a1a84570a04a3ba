"""微心愿 through its life: post, review, claim, fulfil, confirm — and every refusal."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.community.conftest import open_wish, png, post
from tests.factories import SensitiveWordFactory
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.community import services
from xianfeng.community.enums import ClaimEnd, PhotoKind, WishState
from xianfeng.community.models import Wish, WishClaim, WishContact, WishPhoto
from xianfeng.moderation import scanner
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db


def events_of(wish):
    return list(
        AuditLog.objects.filter(object_type="community.wish", object_id=str(wish.pk))
        .exclude(event="")
        .order_by("pk")
        .values_list("event", flat=True)
    )


def notices(user, kind=None):
    rows = Notification.objects.filter(user=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("pk").values_list("title", flat=True))


# --- posting ----------------------------------------------------------------------------------


def test_post_a_resident_wish_waits_for_review_with_private_contact(county, resident_a1):
    wish = post(resident_a1, county.branch_a1, detail="孙子今年上一年级")
    wish.refresh_from_db()
    assert wish.state == WishState.PENDING
    assert (wish.wisher, wish.posted_by, wish.on_behalf) == (resident_a1, resident_a1, False)
    assert wish.public_name == "孙**"
    contact = WishContact.objects.get(wish=wish)
    assert (contact.name, contact.phone) == ("孙桂芳", "13712345678")
    assert events_of(wish) == ["wish.posted"]
    # The branch's officers are told; the secretary of another village is not.
    assert notices(county.secretary_a1) == ["新的微心愿待审核：给孙子买一个新书包"]
    assert notices(county.propagandist_a1) == ["新的微心愿待审核：给孙子买一个新书包"]
    assert notices(county.secretary_b1) == []
    assert notices(county.county_admin) == []


def test_post_a_double_click_makes_one_wish(county, resident_a1):
    first = post(resident_a1, county.branch_a1)
    second = post(resident_a1, county.branch_a1)
    assert first.pk == second.pk
    assert Wish.objects.count() == 1


def test_post_over_the_value_limit_is_refused(county, resident_a1, settings):
    settings.WISH_MAX_YUAN = 500
    with pytest.raises(Refused, match="不超过 500 元"):
        post(resident_a1, county.branch_a1, value_yuan=501)
    assert Wish.objects.count() == 0
    assert post(resident_a1, county.branch_a1, value_yuan=500).value_yuan == 500


def test_post_to_a_county_is_refused(county, resident_a1):
    with pytest.raises(Refused, match="村或社区"):
        post(resident_a1, county.county)
    assert Wish.objects.count() == 0


def test_post_too_short_is_refused(county, resident_a1):
    with pytest.raises(Refused, match="至少 4 个字"):
        post(resident_a1, county.branch_a1, title="书包")
    assert Wish.objects.count() == 0


def test_post_on_behalf_by_the_branch_secretary(county):
    wish = post(
        county.secretary_a1,
        county.branch_a1,
        title="修一下漏水的屋顶",
        on_behalf=True,
        contact_name="周大爷",
        contact_phone="0797-1234567",
        contact_address="东街 12 号",
        public_name="周大爷",
    )
    assert (wish.wisher, wish.posted_by, wish.on_behalf) == (None, county.secretary_a1, True)
    contact = WishContact.objects.get(wish=wish)
    assert (contact.name, contact.phone, contact.address) == (
        "周大爷",
        "0797-1234567",
        "东街 12 号",
    )
    assert wish.public_name == "周大爷"


def test_post_on_behalf_by_a_plain_member_is_refused(county):
    with pytest.raises(PermissionDenied):
        post(county.member_a1.user, county.branch_a1, on_behalf=True, contact_name="周大爷")
    assert Wish.objects.count() == 0


def test_post_on_behalf_elsewhere_is_refused(county):
    with pytest.raises(PermissionDenied):
        post(county.secretary_b1, county.branch_a1, on_behalf=True, contact_name="周大爷")
    assert Wish.objects.count() == 0


def test_post_with_a_photo_keeps_it_private_and_small(county, resident_a1):
    wish = post(resident_a1, county.branch_a1, photos=[png(3000, 2000)])
    photo = WishPhoto.objects.get(wish=wish)
    assert photo.kind == PhotoKind.WISH
    assert (photo.width, photo.height) == (1600, 1067)
    assert photo.image.storage.exists(photo.image.name)


# --- review -----------------------------------------------------------------------------------


def test_review_approve_makes_it_public_and_tells_the_wisher(county, resident_a1):
    wish = post(resident_a1, county.branch_a1)
    services.wish_review(actor=county.secretary_a1, wish=wish, approve=True, public_name="孙阿姨")
    wish.refresh_from_db()
    assert wish.state == WishState.OPEN
    assert wish.public_name == "孙阿姨"
    assert wish.published_at is not None
    assert wish.reviewed_by == county.secretary_a1
    assert events_of(wish) == ["wish.posted", "wish.open"]
    assert notices(resident_a1) == ["您的微心愿已公开，等待认领：给孙子买一个新书包"]


def test_review_reject_needs_a_reason(county, resident_a1):
    wish = post(resident_a1, county.branch_a1)
    with pytest.raises(Refused, match="原因"):
        services.wish_review(actor=county.secretary_a1, wish=wish, approve=False)
    assert Wish.objects.get(pk=wish.pk).state == WishState.PENDING
    services.wish_review(actor=county.secretary_a1, wish=wish, approve=False, note="超出微心愿范围")
    assert Wish.objects.get(pk=wish.pk).state == WishState.REJECTED


def test_review_by_another_village_is_refused(county, resident_a1):
    wish = post(resident_a1, county.branch_a1)
    with pytest.raises(PermissionDenied):
        services.wish_review(actor=county.secretary_b1, wish=wish, approve=True)
    assert Wish.objects.get(pk=wish.pk).state == WishState.PENDING


def test_review_a_sensitive_word_must_be_edited_out(county, resident_a1):
    SensitiveWordFactory(word="赌博")
    scanner.bump_version()
    wish = post(resident_a1, county.branch_a1, title="还清赌博欠下的债")
    assert wish.flagged_words == ["赌博"]
    with pytest.raises(Refused, match="含有敏感词的内容：赌博"):
        services.wish_review(actor=county.secretary_a1, wish=wish, approve=True)
    assert Wish.objects.get(pk=wish.pk).state == WishState.PENDING
    services.wish_review(
        actor=county.secretary_a1, wish=wish, approve=True, title="给家里添一台电风扇"
    )
    wish.refresh_from_db()
    assert (wish.state, wish.title, wish.flagged_words) == (
        WishState.OPEN,
        "给家里添一台电风扇",
        [],
    )


# --- claiming ---------------------------------------------------------------------------------


def test_claim_an_open_wish(county, resident_a1):
    wish = open_wish(county, resident_a1)
    now = timezone.now()
    services.wish_claim(actor=county.member_a2.user, wish=wish, now=now)
    wish.refresh_from_db()
    assert (wish.state, wish.claimer, wish.claimer_org) == (
        WishState.CLAIMED,
        county.member_a2.user,
        None,
    )
    assert wish.due_at == now + datetime.timedelta(days=30)
    claim = WishClaim.objects.get(wish=wish)
    assert (claim.active, claim.claimer) == (True, county.member_a2.user)
    assert events_of(wish)[-1] == "wish.claimed"
    assert notices(resident_a1)[-1] == "您的微心愿已被认领：给孙子买一个新书包"


def test_claim_twice_by_the_same_person_is_one_claim(county, resident_a1):
    wish = open_wish(county, resident_a1)
    services.wish_claim(actor=county.member_a2.user, wish=wish)
    services.wish_claim(actor=county.member_a2.user, wish=wish)
    assert WishClaim.objects.filter(wish=wish).count() == 1
    assert events_of(wish).count("wish.claimed") == 1


def test_claim_a_claimed_wish_is_refused_clearly(county, resident_a1):
    wish = open_wish(county, resident_a1)
    services.wish_claim(actor=county.member_a2.user, wish=wish)
    with pytest.raises(Refused, match="刚刚已被认领"):
        services.wish_claim(actor=county.member_b1.user, wish=wish)
    wish.refresh_from_db()
    assert wish.claimer == county.member_a2.user
    assert WishClaim.objects.filter(wish=wish).count() == 1


def test_a_claim_of_a_wish_read_as_claimed_is_refused_without_taking_a_lock(county, resident_a1):
    """Under a race the losers that read the wish after the winner committed are refused
    at once, not queued for the wish's lock (what made 32 claimers crawl)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wish = open_wish(county, resident_a1)
    services.wish_claim(actor=county.member_a2.user, wish=wish)
    fresh = Wish.objects.get(pk=wish.pk)
    with CaptureQueriesContext(connection) as queries, pytest.raises(Refused, match="刚刚已被认领"):
        services.wish_claim(actor=county.member_b1.user, wish=fresh)
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "FOR UPDATE" not in sql and "SAVEPOINT" not in sql
    assert WishClaim.objects.filter(wish=wish).count() == 1
    # The same claimer asking again still gets their claim back.
    assert services.wish_claim(actor=county.member_a2.user, wish=fresh).state == "claimed"


def test_claim_a_pending_wish_is_refused(county, resident_a1):
    wish = post(resident_a1, county.branch_a1)
    with pytest.raises(Refused, match="待审核"):
        services.wish_claim(actor=county.member_a2.user, wish=wish)
    assert Wish.objects.get(pk=wish.pk).state == WishState.PENDING


def test_claim_ones_own_wish_is_refused(county, resident_a1):
    wish = open_wish(county, resident_a1)
    with pytest.raises(Refused, match="自己"):
        services.wish_claim(actor=resident_a1, wish=wish)
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN


def test_claim_limit_per_person(county, resident_a1, settings):
    settings.WISH_MAX_CLAIMS = 2
    wishes = [open_wish(county, resident_a1, title=f"心愿第{i}个小小愿望") for i in range(3)]
    claimer = county.member_a2.user
    services.wish_claim(actor=claimer, wish=wishes[0])
    services.wish_claim(actor=claimer, wish=wishes[1])
    with pytest.raises(Refused, match="已认领 2 个尚未实现的心愿"):
        services.wish_claim(actor=claimer, wish=wishes[2])
    assert Wish.objects.get(pk=wishes[2].pk).state == WishState.OPEN


def test_claim_in_the_name_of_a_branch(county, resident_a1):
    wish = open_wish(county, resident_a1)
    services.wish_claim(actor=county.secretary_b1, wish=wish, org=county.branch_b1)
    wish.refresh_from_db()
    assert (wish.claimer, wish.claimer_org) == (county.secretary_b1, county.branch_b1)
    assert notices(resident_a1)[-1] == "您的微心愿已被认领：给孙子买一个新书包"


def test_claim_in_the_name_of_a_branch_one_does_not_run_is_refused(county, resident_a1):
    wish = open_wish(county, resident_a1)
    with pytest.raises(PermissionDenied):
        services.wish_claim(actor=county.member_b1.user, wish=wish, org=county.branch_b1)
    with pytest.raises(PermissionDenied):
        services.wish_claim(actor=county.secretary_a1, wish=wish, org=county.branch_b1)
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN


def test_two_active_claims_on_one_wish_are_refused_by_the_database(county, resident_a1):
    wish = open_wish(county, resident_a1)
    services.wish_claim(actor=county.member_a2.user, wish=wish)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        WishClaim.objects.create(
            wish=wish, claimer=county.member_b1.user, claimed_at=now, due_at=now
        )


def test_an_open_wish_with_a_claimer_is_refused_by_the_database(county, resident_a1):
    wish = open_wish(county, resident_a1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wish.objects.filter(pk=wish.pk).update(claimer=county.member_a2.user)


# --- fulfilling and confirming ----------------------------------------------------------------


def claimed(county, resident):
    wish = open_wish(county, resident)
    return services.wish_claim(actor=county.member_a2.user, wish=wish)


def test_fulfil_needs_a_photo(county, resident_a1):
    wish = claimed(county, resident_a1)
    with pytest.raises(Refused, match="照片"):
        services.wish_fulfil(actor=county.member_a2.user, wish=wish, note="书包已经送到家里")
    assert Wish.objects.get(pk=wish.pk).state == WishState.CLAIMED


def test_fulfil_by_someone_else_is_refused(county, resident_a1):
    wish = claimed(county, resident_a1)
    with pytest.raises(PermissionDenied):
        services.wish_fulfil(
            actor=county.member_b1.user, wish=wish, note="书包已经送到家里", photos=[png()]
        )
    assert Wish.objects.get(pk=wish.pk).state == WishState.CLAIMED
    assert WishPhoto.objects.count() == 0


def test_fulfil_then_confirm(county, resident_a1):
    wish = claimed(county, resident_a1)
    services.wish_fulfil(
        actor=county.member_a2.user, wish=wish, note="书包已经送到家里", photos=[png()]
    )
    wish.refresh_from_db()
    assert (wish.state, wish.done_note) == (WishState.CONFIRMING, "书包已经送到家里")
    assert notices(resident_a1)[-1] == "您的微心愿已实现，请确认：给孙子买一个新书包"
    services.wish_confirm(actor=resident_a1, wish=wish, thanks="谢谢党员同志！")
    wish.refresh_from_db()
    assert (wish.state, wish.thanks_note) == (WishState.FULFILLED, "谢谢党员同志！")
    claim = WishClaim.objects.get(wish=wish)
    assert (claim.active, claim.end) == (False, ClaimEnd.FULFILLED)
    assert notices(county.member_a2.user) == ["心愿人确认您已实现心愿：给孙子买一个新书包"]
    assert events_of(wish) == [
        "wish.posted",
        "wish.open",
        "wish.claimed",
        "wish.confirming",
        "wish.fulfilled",
    ]
    fulfilled = AuditLog.objects.get(event="wish.fulfilled")
    assert fulfilled.data["claimer_id"] == county.member_a2.user.pk
    assert fulfilled.data["org_id"] == county.branch_a1.pk
    assert fulfilled.data["value_yuan"] == 120
    assert fulfilled.data["from"] == "confirming"


def test_confirm_by_a_stranger_is_refused(county, resident_a1):
    wish = claimed(county, resident_a1)
    services.wish_fulfil(
        actor=county.member_a2.user, wish=wish, note="书包已经送到家里", photos=[png()]
    )
    for stranger in (county.member_b1.user, county.member_a2.user, county.secretary_b1):
        with pytest.raises(PermissionDenied):
            services.wish_confirm(actor=stranger, wish=wish)
    assert Wish.objects.get(pk=wish.pk).state == WishState.CONFIRMING


def test_confirm_an_open_wish_is_refused_by_the_machine(county, resident_a1):
    wish = open_wish(county, resident_a1)
    with pytest.raises(Refused, match="待认领"):
        services.wish_confirm(actor=resident_a1, wish=wish)
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN


def test_confirm_on_behalf_by_the_cadre_who_entered_it(county):
    wish = open_wish(
        county, county.secretary_a1, on_behalf=True, contact_name="周大爷", title="陪老人去一次医院"
    )
    services.wish_claim(actor=county.member_a2.user, wish=wish)
    services.wish_fulfil(
        actor=county.member_a2.user, wish=wish, note="已陪同到县医院复查", photos=[png()]
    )
    services.wish_confirm(actor=county.secretary_a1, wish=wish, thanks="周大爷说谢谢")
    assert Wish.objects.get(pk=wish.pk).state == WishState.FULFILLED


def test_dispute_sends_it_back_to_the_claimer(county, resident_a1):
    wish = claimed(county, resident_a1)
    services.wish_fulfil(
        actor=county.member_a2.user, wish=wish, note="书包已经送到家里", photos=[png()]
    )
    now = timezone.now()
    services.wish_dispute(actor=resident_a1, wish=wish, note="还没有收到书包", now=now)
    wish.refresh_from_db()
    assert (wish.state, wish.dispute_note) == (WishState.CLAIMED, "还没有收到书包")
    assert wish.due_at >= now + datetime.timedelta(days=7)
    assert notices(county.member_a2.user) == ["心愿人对实现情况有异议：给孙子买一个新书包"]
    # The photo is still there: a second report needs no new one.
    services.wish_fulfil(actor=county.member_a2.user, wish=wish, note="已经补送到家")
    assert Wish.objects.get(pk=wish.pk).state == WishState.CONFIRMING


def test_release_reopens_the_wish(county, resident_a1):
    wish = claimed(county, resident_a1)
    services.wish_release(actor=county.member_a2.user, wish=wish, reason="临时外出务工")
    wish.refresh_from_db()
    assert (wish.state, wish.claimer, wish.due_at) == (WishState.OPEN, None, None)
    claim = WishClaim.objects.get(wish=wish)
    assert (claim.active, claim.end) == (False, ClaimEnd.RELEASED)
    # Someone else may claim it now.
    services.wish_claim(actor=county.member_b1.user, wish=wish)
    assert Wish.objects.get(pk=wish.pk).claimer == county.member_b1.user


def test_withdraw_a_claimed_wish_tells_the_claimer(county, resident_a1):
    wish = claimed(county, resident_a1)
    services.wish_withdraw(actor=resident_a1, wish=wish, reason="家里已经买了")
    wish.refresh_from_db()
    assert (wish.state, wish.claimer) == (WishState.WITHDRAWN, None)
    assert notices(county.member_a2.user) == ["您认领的心愿已撤回：给孙子买一个新书包"]


def test_withdraw_by_a_stranger_is_refused(county, resident_a1):
    wish = open_wish(county, resident_a1)
    with pytest.raises(PermissionDenied):
        services.wish_withdraw(actor=county.member_b1.user, wish=wish)
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN


# --- deadlines --------------------------------------------------------------------------------


def test_an_overdue_claim_reopens_once_with_notices_to_both(county, resident_a1):
    wish = claimed(county, resident_a1)
    due = Wish.objects.get(pk=wish.pk).due_at
    assert services.wishes_expire(now=due - datetime.timedelta(seconds=1)) == (0, 0)
    assert Wish.objects.get(pk=wish.pk).state == WishState.CLAIMED
    assert services.wishes_expire(now=due + datetime.timedelta(seconds=1)) == (1, 0)
    assert services.wishes_expire(now=due + datetime.timedelta(hours=1)) == (0, 0)
    wish.refresh_from_db()
    assert (wish.state, wish.claimer) == (WishState.OPEN, None)
    claim = WishClaim.objects.get(wish=wish)
    assert (claim.active, claim.end) == (False, ClaimEnd.OVERDUE)
    assert notices(county.member_a2.user) == ["认领已逾期，心愿重新开放认领：给孙子买一个新书包"]
    assert notices(resident_a1)[-1] == "认领人未按期实现，心愿重新等待认领：给孙子买一个新书包"
    assert len(notices(resident_a1, kind="wish.progress")) == 3  # public, claimed, reopened
    assert AuditLog.objects.filter(event="wish.open").count() == 2


def test_a_reported_wish_does_not_reopen_when_the_deadline_passes(county, resident_a1):
    wish = claimed(county, resident_a1)
    services.wish_fulfil(
        actor=county.member_a2.user, wish=wish, note="书包已经送到家里", photos=[png()]
    )
    due = Wish.objects.get(pk=wish.pk).due_at
    assert services.wishes_expire(now=due + datetime.timedelta(days=1)) == (0, 0)
    assert Wish.objects.get(pk=wish.pk).state == WishState.CONFIRMING


def test_a_wish_open_too_long_expires(county, resident_a1, settings):
    settings.WISH_OPEN_DAYS = 180
    wish = open_wish(county, resident_a1)
    published = Wish.objects.get(pk=wish.pk).published_at
    assert services.wishes_expire(now=published + datetime.timedelta(days=180)) == (0, 0)
    assert services.wishes_expire(now=published + datetime.timedelta(days=180, seconds=1)) == (0, 1)
    assert Wish.objects.get(pk=wish.pk).state == WishState.EXPIRED
    assert notices(resident_a1)[-1] == "心愿长期无人认领，已过期：给孙子买一个新书包"
