"""Officer actions through the API, on the pages' services and refusals: the wish review
queue and its edit-out of personal details, campaigns, the proposal queue, vote rounds
opened and counted, an activity's roster and hours, nominations decided. A person outside
the org gets a 404 or 403 and nothing changes; no queue shows another community's items."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.community.conftest import post as post_wish
from tests.community.test_activities import post as post_activity
from tests.community.test_api_five import api_as
from tests.community.test_civic import candidate, resident
from tests.community.test_honors import nominate
from xianfeng.common.errors import Refused
from xianfeng.community.enums import HonorState, ProjectState, WishState
from xianfeng.community.models import CivicProject, Honor, Signup, VoteRound, Wish, WishCampaign
from xianfeng.community.services import activities as activity_services
from xianfeng.community.services import civic

API = "/api/v1/community"
HOUR = datetime.timedelta(hours=1)
PHONE = "13912345678"


# --- 微心愿 ------------------------------------------------------------------------------------


def test_the_review_queue_shows_only_the_officers_community(county, resident_a1):
    wish = post_wish(resident_a1, county.branch_a1, detail=f"有事请打 {PHONE}")
    mine = api_as(county.secretary_a1).call("get", "/api/v1/wishes/review")
    assert [(w["id"], w["state"]) for w in mine] == [(wish.pk, WishState.PENDING)]
    assert api_as(county.secretary_b1).call("get", "/api/v1/wishes/review") == []
    body = api_as(county.member_b1.user).call("get", "/api/v1/wishes/review", status=403)
    assert body["detail"] == "只有村社区支部的书记或支委审核心愿"


def test_a_reviewer_edits_out_personal_details_and_approves(county, resident_a1):
    wish = post_wish(resident_a1, county.branch_a1, detail=f"有事请打 {PHONE}")
    api_as(county.secretary_b1).call(
        "post", f"/api/v1/wishes/{wish.pk}/review", {"approve": True}, status=404
    )
    assert Wish.objects.get(pk=wish.pk).state == WishState.PENDING
    body = api_as(county.secretary_a1).call(
        "post",
        f"/api/v1/wishes/{wish.pk}/review",
        {"approve": True, "detail": "想给孙子买一个新书包", "public_name": "孙阿姨"},
    )
    assert (body["state"], body["detail"], body["public_name"]) == (
        "open",
        "想给孙子买一个新书包",
        "孙阿姨",
    )
    wall = api_as(county.member_b1.user).call("get", "/api/v1/wishes/")
    assert PHONE not in str(wall) and "孙桂芳" not in str(wall)


def test_a_town_launches_a_campaign_and_a_branch_cannot(county):
    today = timezone.localdate()
    campaign = {
        "org": county.town_a.code,
        "title": "点亮微心愿·春节",
        "starts_on": str(today),
        "ends_on": str(today + datetime.timedelta(days=30)),
        "target": 50,
    }
    for who, org in [(county.secretary_a1, county.branch_a1), (county.town_a_admin, county.town_b)]:
        body = api_as(who).call(
            "post", "/api/v1/wishes/campaigns", {**campaign, "org": org.code}, status=403
        )
        assert body["detail"].startswith("只有县、镇（街道）党组织")
    assert not WishCampaign.objects.exists()
    body = api_as(county.town_a_admin).call("post", "/api/v1/wishes/campaigns", campaign)
    assert (body["org_code"], body["target"], body["total"]) == (county.town_a.code, 50, 0)
    bad = {**campaign, "ends_on": str(today - datetime.timedelta(days=1))}
    api_as(county.town_a_admin).call("post", "/api/v1/wishes/campaigns", bad, status=400)
    assert WishCampaign.objects.count() == 1


# --- 微实事 ------------------------------------------------------------------------------------


def test_a_resident_proposal_is_reviewed_by_its_branch_only(county):
    voter = resident(county, county.branch_a1, name="钱东街")
    proposal = candidate(county, "东街口加一个无障碍坡道", actor=voter)
    assert proposal.state == ProjectState.PENDING
    assert api_as(county.secretary_b1).call("get", f"{API}/projects/review") == []
    outsider = api_as(county.secretary_b1)
    outsider.call("post", f"{API}/projects/{proposal.pk}/review", {"approve": True}, status=404)
    officer = api_as(county.secretary_a1)
    assert [p["id"] for p in officer.call("get", f"{API}/projects/review")] == [proposal.pk]
    body = officer.call(
        "post", f"{API}/projects/{proposal.pk}/review", {"approve": False}, status=400
    )
    assert body["field"] == "note"
    assert CivicProject.objects.get(pk=proposal.pk).state == ProjectState.PENDING
    body = officer.call("post", f"{API}/projects/{proposal.pk}/review", {"approve": True})
    assert body["state"] == ProjectState.CANDIDATE


def test_a_round_is_opened_and_counted_by_its_branch(county):
    lamp = candidate(county, "修好东街路灯")
    now = timezone.now()
    vote = {
        "org": county.branch_a1.code,
        "title": "东街民生实事投票",
        "opens_at": (now - 2 * HOUR).isoformat(),
        "closes_at": (now + HOUR).isoformat(),
        "winners": 1,
    }
    body = api_as(county.secretary_b1).call("post", f"{API}/votes", vote, status=403)
    assert body["detail"] == "只有村社区支部的书记或支委可以发起投票"
    assert not VoteRound.objects.exists()
    officer = api_as(county.secretary_a1)
    body = officer.call("post", f"{API}/votes", vote)
    assert [p["id"] for p in body["projects"]] == [lamp.pk] and not body["counted"]
    lamp.refresh_from_db()  # the round took it in
    civic.ballot_cast(actor=resident(county, county.branch_a1, name="钱东街"), project=lamp)
    VoteRound.objects.filter(pk=body["id"]).update(closes_at=now - HOUR)  # the window ends
    api_as(county.secretary_b1).call("post", f"{API}/votes/{body['id']}/count", status=403)
    assert VoteRound.objects.get().counted_at is None
    counted = officer.call("post", f"{API}/votes/{body['id']}/count")
    assert counted["counted"] and counted["projects"][0]["state"] == ProjectState.APPROVED


def test_counting_before_the_window_closes_is_refused(county):
    now = timezone.now()
    vote = {
        "org": county.branch_a1.code,
        "title": "东街民生实事投票",
        "opens_at": now.isoformat(),
        "closes_at": (now + HOUR).isoformat(),
    }
    officer = api_as(county.secretary_a1)
    item = officer.call("post", f"{API}/votes", vote)
    body = officer.call("post", f"{API}/votes/{item['id']}/count", status=400)
    assert body["detail"] == "投票尚未截止，截止后才能计票"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"opens_at": "0001-01-01T00:00:00+08:00"}, "opens_at"),
        ({"closes_at": "9999-12-31T23:59:00-12:00"}, "closes_at"),
        ({"closes_at": "2101-01-01T00:00:00"}, "closes_at"),
        ({"opens_at": "1999-12-31T23:59:00"}, "opens_at"),
    ],
)
def test_a_round_far_off_in_time_is_a_422_in_chinese(county, change, field):
    now = timezone.now()
    vote = {
        "org": county.branch_a1.code,
        "title": "东街民生实事投票",
        "opens_at": now.isoformat(),
        "closes_at": (now + HOUR).isoformat(),
        **change,
    }
    body = api_as(county.secretary_a1).call("post", f"{API}/votes", vote, status=422)
    assert (body["field"], body["detail"]) == (field, f"{field}：时间应在 2000 年到 2100 年之间")
    assert not VoteRound.objects.exists()


def test_a_round_without_an_offset_is_beijing_time(county):
    vote = {
        "org": county.branch_a1.code,
        "title": "东街民生实事投票",
        "opens_at": "2099-06-01T08:00:00",
        "closes_at": "2099-06-02T08:00:00+08:00",
    }
    api_as(county.secretary_a1).call("post", f"{API}/votes", vote)
    item = VoteRound.objects.get()
    assert item.opens_at == datetime.datetime(2099, 6, 1, tzinfo=datetime.UTC)
    assert item.closes_at == datetime.datetime(2099, 6, 2, tzinfo=datetime.UTC)


def test_the_service_refuses_a_round_far_off_in_time(county):
    start = datetime.datetime(2100, 12, 31, 12, tzinfo=datetime.UTC)
    with pytest.raises(Refused, match="时间应在 2000 年到 2100 年之间") as refused:
        civic.round_open(
            actor=county.secretary_a1, org=county.branch_a1, title="东街民生实事投票",
            opens_at=start, closes_at=start.replace(year=2101),
        )  # fmt: skip
    assert refused.value.field == "closes_at"
    assert not VoteRound.objects.exists()


# --- 微行动 ------------------------------------------------------------------------------------


def test_the_roster_and_hours_are_the_organisers_only(county):
    activity = post_activity(county, capacity=5)
    signup = activity_services.signup_join(actor=county.member_b1.user, activity=activity)
    for who in [county.member_b1.user, county.secretary_b1]:
        api_as(who).call("get", f"{API}/activities/{activity.pk}/signups", status=404)
        api_as(who).call(
            "post",
            f"{API}/activities/{activity.pk}/hours",
            {"signup": signup.pk, "hours": "2.0", "reason": "补签到"},
            status=404,
        )
    assert Signup.objects.get(pk=signup.pk).hours == 0
    officer = api_as(county.secretary_a1)
    (row,) = officer.call("get", f"{API}/activities/{activity.pk}/signups")
    assert (row["id"], row["name"], row["state"]) == (
        signup.pk,
        county.member_b1.user.name,
        "confirmed",
    )
    rows = officer.call(
        "post",
        f"{API}/activities/{activity.pk}/hours",
        {"signup": signup.pk, "hours": "1.5", "reason": "忘记签退，按实际时间更正"},
    )
    assert (rows[0]["hours"], rows[0]["hours_note"]) == ("1.5", "忘记签退，按实际时间更正")
    officer.call(
        "post",
        f"{API}/activities/{activity.pk}/hours",
        {"signup": 999999, "hours": "1.0", "reason": "补签到"},
        status=404,
    )


def test_an_activity_is_cancelled_by_its_organiser_only(county):
    activity = post_activity(county, capacity=5)
    api_as(county.secretary_b1).call(
        "post", f"{API}/activities/{activity.pk}/cancel", {"note": "下雨"}, status=403
    )
    body = api_as(county.secretary_a1).call(
        "post", f"{API}/activities/{activity.pk}/cancel", {"note": "暴雨预警，活动取消"}
    )
    assert body["state"] == "cancelled"


# --- 微星光 ------------------------------------------------------------------------------------


def test_a_nomination_is_decided_by_the_org_above_only(county):
    honor = nominate(county)
    assert api_as(county.secretary_b1).call("get", f"{API}/honors/to-decide") == []
    api_as(county.secretary_b1).call(
        "post", f"{API}/honors/{honor.pk}/decide", {"approve": True}, status=404
    )
    api_as(county.secretary_a1).call(
        "post", f"{API}/honors/{honor.pk}/decide", {"approve": True}, status=403
    )
    assert Honor.objects.get(pk=honor.pk).state == HonorState.NOMINATED
    town = api_as(county.town_a_admin)
    assert [h["id"] for h in town.call("get", f"{API}/honors/to-decide")] == [honor.pk]
    body = town.call("post", f"{API}/honors/{honor.pk}/decide", {"approve": True})
    assert body["state"] == HonorState.APPROVED


@pytest.mark.parametrize("n", [1, 3])
def test_officer_queues_query_count(county, django_assert_num_queries, n):
    for i in range(n):
        post_wish(county.resident, county.branch_a1, title=f"第{i}个心愿：修一下漏水的屋顶")
        candidate(
            county,
            f"第{i}个居民提议的项目",
            actor=resident(county, county.branch_a1, name=f"居民{i}"),
        )
    officer = api_as(county.secretary_a1)
    officer.call("get", f"{API}/honors/to-decide")  # the token's last use is now recorded
    # the token with its user, roles (may review), the queue with its orgs
    with django_assert_num_queries(3):
        assert len(officer.call("get", "/api/v1/wishes/review")) == n
    with django_assert_num_queries(3):
        assert len(officer.call("get", f"{API}/projects/review")) == n
