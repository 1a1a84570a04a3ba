"""微实事, 微行动, 微星光 and the org pages through /api/v1/community/: the same selectors,
services and refusals as the pages, nothing that the pages keep private (who proposed or
signed up, live vote counts while a round keeps them hidden, a nomination outside its
orgs), with data from another branch that could leak, and query counts at 1 and 3."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import TokenClient
from tests.community.conftest import open_wish
from tests.community.test_activities import post as post_activity
from tests.community.test_civic import candidate, resident, vote_round
from tests.community.test_honors import STORY, nominate
from tests.conftest import PASSWORD
from xianfeng.community.enums import HonorState
from xianfeng.community.models import Ballot, Honor, Signup
from xianfeng.community.services import activities as activity_services
from xianfeng.community.services import honors as honor_services

pytestmark = pytest.mark.django_db
API = "/api/v1/community"


def api_as(user):
    user.set_password(PASSWORD)
    user.save()
    return TokenClient(user.username)


# --- 微实事 ------------------------------------------------------------------------------------


def test_projects_list_and_detail_for_anyone_hide_the_proposer_and_live_votes(county):
    round_ = vote_round(county)  # standings hidden until the window closes
    lamp = candidate(county, "修好东街路灯")
    voter = resident(county, county.branch_a1, name="钱东街")
    from xianfeng.community.services import civic

    civic.ballot_cast(actor=voter, project=lamp)
    body = Client().get(f"{API}/projects").json()
    assert len(body["results"]) == 1 and body["next_cursor"] is None
    (card,) = body["results"]
    assert (card["title"], card["state"], card["round_id"], card["votes"]) == (
        "修好东街路灯",
        "candidate",
        round_.pk,
        None,
    )
    detail = Client().get(f"{API}/projects/{lamp.pk}").json()
    assert detail["ballots"] is None and detail["actions"] == []
    text = json.dumps(detail, ensure_ascii=False)
    assert "东街书记" not in text and county.secretary_a1.username not in text
    rounds = Client().get(f"{API}/votes/{round_.pk}").json()
    assert rounds["open"] is True
    assert rounds["projects"] == [
        {"id": lamp.pk, "title": "修好东街路灯", "state": "candidate", "ballots": None}
    ]


def test_a_vote_through_the_api_and_the_refusal_for_another_community(county):
    vote_round(county, votes_each=2)
    lamp = candidate(county, "修好东街路灯")
    ramp = candidate(county, "卫生室门口修坡道")
    voter = resident(county, county.branch_a1, name="钱东街")
    client = api_as(voter)
    body = client.call("post", f"{API}/projects/{lamp.pk}/vote")
    assert (body["voted"], body["votes_left"], body["actions"][0]) == (True, 1, "unvote")
    client.call("post", f"{API}/projects/{ramp.pk}/vote")
    third = candidate(county, "小区加装健身器材")
    refused = client.call("post", f"{API}/projects/{third.pk}/vote", status=400)
    assert "2 票已经投完" in refused["detail"]
    # A resident of 柳湾村 (another town) may not vote in 东街: 403, nothing recorded.
    outsider = api_as(resident(county, county.branch_b1, name="孙柳湾"))
    outsider.call("post", f"{API}/projects/{lamp.pk}/vote", status=403)
    assert Ballot.objects.filter(voter=voter).count() == 2
    assert Ballot.objects.count() == 2
    body = client.call("post", f"{API}/projects/{lamp.pk}/unvote")
    assert (body["voted"], body["votes_left"]) == (False, 1)


def test_a_pending_proposal_is_404_outside_its_branch(county, resident_a1):
    vote_round(county)
    from xianfeng.community.services import civic

    pending = civic.project_propose(
        actor=resident_a1,
        org=county.branch_a1,
        title="东街新建一个小公园",
        description="孩子们放学后没有地方玩。",
        cost_yuan=0,
    )
    assert Client().get(f"{API}/projects/{pending.pk}").status_code == 404
    other = api_as(county.secretary_b1)
    body = other.call("get", f"{API}/projects/{pending.pk}", status=404)
    assert body == {"detail": "找不到该微实事", "field": None}
    other.call("post", f"{API}/projects/{pending.pk}/comment", {"text": "支持"}, status=404)
    assert Client().get(f"{API}/projects").json()["results"] == []
    mine = api_as(county.secretary_a1).call("get", f"{API}/projects/{pending.pk}")
    assert mine["state"] == "pending"


@pytest.mark.parametrize("n", [1, 3])
def test_projects_api_query_count(county, django_assert_num_queries, n):
    vote_round(county)
    for i in range(n):
        candidate(county, f"第{i}个民生实事项目")
    with django_assert_num_queries(1):  # the page with org and round (no COUNT)
        body = Client().get(f"{API}/projects").json()
    assert len(body["results"]) == n and body["next_cursor"] is None


# --- 微行动 ------------------------------------------------------------------------------------


def test_activity_sign_up_waiting_list_and_no_roster_in_the_api(county):
    activity = post_activity(county, capacity=1)
    first = api_as(county.member_b1.user)
    body = first.call("post", f"{API}/activities/{activity.pk}/join")
    assert body["mine"]["state"] == "confirmed" and body["confirmed"] == 1
    second = api_as(county.member_a2.user)
    body = second.call("post", f"{API}/activities/{activity.pk}/join")
    assert (body["mine"]["state"], body["mine"]["waiting_place"]) == ("waiting", 1)
    # The roster is the organiser's: no other person's name in anyone's answer.
    for client in (first, second):
        text = json.dumps(client.call("get", f"{API}/activities/{activity.pk}"), ensure_ascii=False)
        assert "王柳湾" not in text and "李西街" not in text
    anonymous = Client().get(f"{API}/activities/{activity.pk}").json()
    assert anonymous["mine"] is None and anonymous["actions"] == []
    body = first.call("post", f"{API}/activities/{activity.pk}/leave")
    assert body["mine"] is None
    assert Signup.objects.get(activity=activity, user=county.member_a2.user).state == "confirmed"


def test_a_members_only_activity_refuses_a_resident_through_the_api(county, resident_a1):
    from xianfeng.community.enums import Audience

    activity = post_activity(county, capacity=5, audience=Audience.MEMBERS)
    client = api_as(resident_a1)
    body = client.call("post", f"{API}/activities/{activity.pk}/join", status=403)
    assert body["detail"]
    assert not Signup.objects.filter(activity=activity).exists()
    assert Client().get(f"{API}/activities/999999").status_code == 404


def test_qr_scan_through_the_api_checks_in(county):
    activity = post_activity(
        county, capacity=5, starts=timezone.now() + datetime.timedelta(minutes=10)
    )
    member = county.member_b1.user
    activity_services.signup_join(actor=member, activity=activity)
    client = api_as(member)
    token = activity_services.checkin_token(activity)
    body = client.call("post", f"{API}/activities/scan", {"token": token})
    assert body["mine"]["checked_in_at"] is not None
    bad = client.call("post", f"{API}/activities/scan", {"token": token[:-1] + "x"}, status=400)
    assert "二维码" in bad["detail"]
    stranger = api_as(county.member_a2.user)
    stranger.call("post", f"{API}/activities/scan", {"token": token}, status=400)
    assert Signup.objects.filter(checked_in_at__isnull=False).count() == 1


@pytest.mark.parametrize("n", [1, 3])
def test_activities_api_query_count(county, django_assert_num_queries, n):
    for _ in range(n):
        post_activity(county, capacity=5)
    with django_assert_num_queries(1):  # the page with orgs (no COUNT)
        body = Client().get(f"{API}/activities").json()
    assert len(body["results"]) == n and body["next_cursor"] is None


# --- 微星光 and the org page ---------------------------------------------------------------------


def test_the_honor_roll_has_approved_honors_only_and_a_nomination_is_404_outside(county):
    approved = nominate(county)
    honor_services.honor_decide(actor=county.town_a_admin, honor=approved, approve=True)
    pending = nominate(county, person=county.member_a1.user, kind="member", year=2025)
    body = Client().get(f"{API}/honors").json()
    assert [h["id"] for h in body["results"]] == [approved.pk]
    assert Client().get(f"{API}/honors/{approved.pk}").json()["story"] == STORY
    assert Client().get(f"{API}/honors/{pending.pk}").status_code == 404
    api_as(county.secretary_b1).call("get", f"{API}/honors/{pending.pk}", status=404)
    town = api_as(county.town_a_admin).call("get", f"{API}/honors/{pending.pk}")
    assert town["state"] == HonorState.NOMINATED
    assert Honor.objects.get(pk=pending.pk).state == HonorState.NOMINATED


@pytest.mark.parametrize("n", [1, 3])
def test_honors_api_query_count(county, django_assert_num_queries, n):
    for i in range(n):
        item = nominate(county, year=2020 + i)
        honor_services.honor_decide(actor=county.town_a_admin, honor=item, approve=True)
    with django_assert_num_queries(1):  # the page with orgs (no COUNT)
        body = Client().get(f"{API}/honors").json()
    assert len(body["results"]) == n and body["next_cursor"] is None


def test_the_org_page_api_shows_only_public_pieces(county, resident_a1):
    open_wish(county, resident_a1, title="给孙子买一个新书包", contact_address="东街 8 号")
    nominate(county)  # not approved: not on the page
    honor_services.notice_post(
        actor=county.secretary_a1, org=county.branch_a1, text="本周六上午义诊"
    )
    body = Client().get(f"{API}/orgs/A1").json()
    assert (body["code"], body["name"]) == ("A1", "东街社区党支部")
    assert [n["text"] for n in body["notices"]] == ["本周六上午义诊"]
    assert [w["title"] for w in body["wishes"]] == ["给孙子买一个新书包"]
    assert body["honors"] == []
    text = json.dumps(body, ensure_ascii=False)
    assert "13712345678" not in text and "孙桂芳" not in text and "东街 8 号" not in text
    assert Client().get(f"{API}/orgs/NOPE").status_code == 404
    # The town's page holds its villages' pieces; 河口镇's holds none of them.
    assert [w["title"] for w in Client().get(f"{API}/orgs/TA").json()["wishes"]] == [
        "给孙子买一个新书包"
    ]
    assert Client().get(f"{API}/orgs/TB").json()["wishes"] == []
