"""An officer's 微行动 and 微星光 writes through the API (community/api/organisers.py): post,
edit before the start, list one's activities, nominate, resubmit, list one's nominations.
The pages' services, refusals, audit rows and notices; a person outside the org is refused
and nothing changes; no list shows another community's rows."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.community.test_activities import post as post_activity
from tests.community.test_api_five import api_as
from tests.community.test_honors import STORY, nominate
from tests.factories import UserFactory
from xianfeng.audit.models import AuditLog
from xianfeng.community.enums import HonorState, SignupState
from xianfeng.community.models import Activity, Honor, Signup
from xianfeng.community.services import activities as activity_services
from xianfeng.community.services import honors as honor_services
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db
API = "/api/v1/community"
HOUR = datetime.timedelta(hours=1)


def local(moment: datetime.datetime) -> str:
    """As a client in Beijing sends it: no offset."""
    return timezone.localtime(moment).replace(tzinfo=None).isoformat(timespec="minutes")


def activity_body(county, **kw):
    starts = (timezone.now() + 48 * HOUR).replace(second=0, microsecond=0)
    body = {
        "org": county.branch_a1.code,
        "kind": "cleanup",
        "title": "东街背街小巷环境整治",
        "starts_at": local(starts),
        "ends_at": local(starts + 2 * HOUR),
        "place": "东街社区广场",
        "capacity": 2,
    }
    return {**body, **kw}


def nominate_team(county, name):
    return honor_services.honor_nominate(
        actor=county.secretary_a1, org=county.branch_a1, kind="team", name=name, story=STORY
    )


def audit_rows(event):
    """What an audit row says, without what differs between two objects."""
    return [
        (r.action, r.event, r.actor_id, r.org_id, r.object_type, sorted(r.data))
        for r in AuditLog.objects.filter(event=event).order_by("pk")
    ]


# --- 微行动: post -------------------------------------------------------------------------------


def test_an_officer_posts_an_activity_in_beijing_time(county):
    body = api_as(county.secretary_a1).call("post", f"{API}/activities", activity_body(county))
    item = Activity.objects.get()
    assert (body["id"], body["state"], body["org_code"], body["capacity"]) == (
        item.pk,
        "published",
        "A1",
        2,
    )
    assert timezone.localtime(item.starts_at).strftime("%H:%M") == local(item.starts_at)[-5:]
    assert item.signup_deadline == item.starts_at  # not given: at the start, as the page
    assert audit_rows("activity.published") == [
        (
            "activity.published",
            "activity.published",
            county.secretary_a1.pk,
            county.branch_a1.pk,
            "community.activity",
            ["capacity", "kind", "org_id", "starts_at"],
        )
    ]


def test_the_api_and_the_page_write_the_same_audit_row(county):
    api_as(county.secretary_a1).call("post", f"{API}/activities", activity_body(county))
    web = Client()
    web.force_login(county.secretary_a1)
    form = activity_body(county, title="东街社区义诊活动", audience="everyone")
    form["org"] = county.branch_a1.pk
    response = web.post("/community/activities/new/", form)
    assert response.status_code == 302, response.content.decode()
    api_row, page_row = AuditLog.objects.filter(event="activity.published").order_by("pk")
    assert api_row.data == page_row.data  # the same org, kind, capacity and start
    assert audit_rows("activity.published")[0] == audit_rows("activity.published")[1]


def test_posting_for_another_community_or_as_a_member_is_refused(county):
    body = activity_body(county)
    for who in [county.secretary_b1, county.member_a1.user, county.resident]:
        answer = api_as(who).call("post", f"{API}/activities", body, status=403)
        assert answer == {"detail": "只有该组织的书记、支委或管理员可以发布活动", "field": None}
    answer = api_as(county.secretary_a1).call(
        "post", f"{API}/activities", {**body, "org": "NOPE"}, status=403
    )
    assert answer["detail"] == "只有该组织的书记、支委或管理员可以发布活动"
    assert (
        not Activity.objects.exists()
        and not AuditLog.objects.filter(event="activity.published").exists()
    )


def test_without_a_token_the_post_is_a_401(county):
    response = Client().post(
        f"{API}/activities", activity_body(county), content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "请先登录，或在 Authorization 头中提供有效的令牌"
    response = Client().post(
        f"{API}/activities",
        activity_body(county),
        content_type="application/json",
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 401
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "field", "detail"),
    [
        ({"kind": "party"}, 400, "kind", "请选择活动类别"),
        ({"title": "整治"}, 400, "title", "活动名称至少 4 个字"),
        ({"ends_at": "2020-01-01T08:00"}, 400, "ends_at", "结束时间应晚于开始时间"),
        ({"audience": "cadres"}, 400, "audience", "请选择参加对象"),
    ],
)
def test_bad_activity_input_is_refused_in_chinese(county, change, status, field, detail):
    body = api_as(county.secretary_a1).call(
        "post", f"{API}/activities", activity_body(county, **change), status=status
    )
    assert (body["field"], body["detail"]) == (field, detail)
    assert not Activity.objects.exists()


def test_schema_refusals_are_chinese_too(county):
    body = api_as(county.secretary_a1).call(
        "post", f"{API}/activities", activity_body(county, capacity=0), status=422
    )
    assert body["field"] == "capacity"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body


def test_posting_twice_returns_the_first_activity(county):
    officer = api_as(county.secretary_a1)
    first = officer.call("post", f"{API}/activities", activity_body(county))
    again = officer.call("post", f"{API}/activities", activity_body(county))
    assert again["id"] == first["id"]
    assert Activity.objects.count() == 1
    assert AuditLog.objects.filter(event="activity.published").count() == 1


# --- 微行动: edit, cancel -----------------------------------------------------------------------


def test_more_places_move_the_waiting_list_up_and_tell_them(county):
    activity = post_activity(county, capacity=1)
    first, second, third = (UserFactory(name=f"志愿者{i}") for i in range(3))
    for who in (first, second, third):
        activity_services.signup_join(actor=who, activity=activity)
    body = api_as(county.secretary_a1).call(
        "patch", f"{API}/activities/{activity.pk}", {"capacity": 2}
    )
    assert (body["capacity"], body["confirmed"], body["waiting"]) == (2, 2, 1)
    states = dict(Signup.objects.values_list("user_id", "state"))
    assert states == {
        first.pk: SignupState.CONFIRMED,
        second.pk: SignupState.CONFIRMED,
        third.pk: SignupState.WAITING,
    }
    told = Notification.objects.filter(title__startswith="候补成功").values_list(
        "user_id", flat=True
    )
    assert list(told) == [second.pk]
    (row,) = AuditLog.objects.filter(event="activity.updated")
    assert (row.actor_id, row.data["changed"], row.data["moved_up"]) == (
        county.secretary_a1.pk,
        ["capacity"],
        [second.pk],
    )


def test_a_new_time_is_told_to_everyone_signed_up(county):
    activity = post_activity(county, capacity=5)
    joined = UserFactory(name="志愿者")
    activity_services.signup_join(actor=joined, activity=activity)
    later = (activity.starts_at + 2 * HOUR).replace(second=0, microsecond=0)
    body = api_as(county.secretary_a1).call(
        "patch",
        f"{API}/activities/{activity.pk}",
        {"starts_at": local(later), "ends_at": local(later + HOUR), "place": "东街社区活动室"},
    )
    item = Activity.objects.get()
    assert (item.starts_at, item.signup_deadline, item.place) == (later, later, "东街社区活动室")
    assert body["place"] == "东街社区活动室"
    (note,) = Notification.objects.filter(user=joined, title__startswith="活动时间或地点有变更")
    assert "东街社区活动室" in note.body


def test_editing_is_refused_to_others_after_the_start_and_below_the_confirmed(county):
    activity = post_activity(county, capacity=3)
    for i in range(2):
        activity_services.signup_join(actor=UserFactory(name=f"志愿者{i}"), activity=activity)
    url = f"{API}/activities/{activity.pk}"
    for who in [county.secretary_b1, county.member_a1.user]:
        body = api_as(who).call("patch", url, {"title": "别人改的活动名称"}, status=403)
        assert body["detail"] == "只有发布组织的书记、支委或管理员可以修改活动"
    officer = api_as(county.secretary_a1)
    body = officer.call("patch", url, {"capacity": 1}, status=400)
    assert (body["field"], body["detail"]) == ("capacity", "名额不能少于已报上名的 2 人")
    body = officer.call("patch", url, {"audience": "members"}, status=400)
    assert body["detail"] == "已经有人报名，不能再更改参加对象"
    officer.call("patch", f"{API}/activities/999999", {"title": "不存在的活动"}, status=404)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=timezone.now() - HOUR, signup_deadline=timezone.now() - HOUR
    )
    body = officer.call("patch", url, {"title": "开始以后再改名"}, status=400)
    assert body["detail"] == "活动已开始，不能修改"
    item = Activity.objects.get()
    assert (item.title, item.capacity) == ("东街背街小巷环境整治", 3)
    assert not AuditLog.objects.filter(event="activity.updated").exists()


def test_a_cancelled_activity_tells_its_sign_ups_and_cannot_be_edited(county):
    activity = post_activity(county, capacity=1)
    on, waiting = UserFactory(name="报上名的"), UserFactory(name="候补的")
    for who in (on, waiting):
        activity_services.signup_join(actor=who, activity=activity)
    officer = api_as(county.secretary_a1)
    officer.call("post", f"{API}/activities/{activity.pk}/cancel", {"note": "暴雨预警，活动取消"})
    told = Notification.objects.filter(title__startswith="活动已取消").values_list(
        "user_id", flat=True
    )
    assert sorted(told) == sorted([on.pk, waiting.pk])
    body = officer.call("patch", f"{API}/activities/{activity.pk}", {"capacity": 5}, status=400)
    assert body["detail"] == "活动已取消，不能修改"


# --- 微行动: the organiser's lists --------------------------------------------------------------


def test_the_organised_list_is_the_officers_own_in_every_state(county):
    mine = post_activity(county, capacity=5)
    gone = post_activity(county, capacity=5, starts=timezone.now() + 72 * HOUR)
    activity_services.activity_cancel(actor=county.secretary_a1, activity=gone, reason="下雨取消")
    theirs = activity_services.activity_create(
        actor=county.secretary_b1, org=county.branch_b1, kind="cleanup", title="柳湾村河道清理",
        starts_at=timezone.now() + HOUR, ends_at=timezone.now() + 2 * HOUR, place="柳湾村",
        capacity=5,
    )  # fmt: skip
    body = api_as(county.secretary_a1).call("get", f"{API}/activities/organised")
    assert [(a["id"], a["state"]) for a in body["results"]] == [
        (gone.pk, "cancelled"),
        (mine.pk, "published"),
    ]
    assert body["next_cursor"] is None
    b1 = api_as(county.secretary_b1)
    assert [a["id"] for a in b1.call("get", f"{API}/activities/organised")["results"]] == [
        theirs.pk
    ]
    snooping = b1.call("get", f"{API}/activities/organised?org=A1")
    assert snooping == {"results": [], "next_cursor": None}
    town = api_as(county.town_a_admin).call("get", f"{API}/activities/organised?org=A1")
    assert len(town["results"]) == 2
    assert api_as(county.member_a1.user).call("get", f"{API}/activities/organised")["results"] == []


def test_the_organised_list_pages_by_cursor(county):
    made = [
        post_activity(county, capacity=5, starts=timezone.now() + (24 + i) * HOUR) for i in range(3)
    ]
    officer = api_as(county.secretary_a1)
    first = officer.call("get", f"{API}/activities/organised?page_size=2")
    assert [a["id"] for a in first["results"]] == [made[2].pk, made[1].pk]
    rest = officer.call(
        "get", f"{API}/activities/organised?page_size=2&after={first['next_cursor']}"
    )
    assert ([a["id"] for a in rest["results"]], rest["next_cursor"]) == ([made[0].pk], None)


@pytest.mark.parametrize("n", [1, 3])
def test_organiser_lists_query_count(county, django_assert_num_queries, n):
    activity = post_activity(county, capacity=10)
    for i in range(n):
        post_activity(county, capacity=5, starts=timezone.now() + (30 + i) * HOUR)
        activity_services.signup_join(actor=UserFactory(name=f"志愿者{i}"), activity=activity)
        nominate_team(county, f"东街党员先锋队{i}")
    officer = api_as(county.secretary_a1)
    officer.call("get", f"{API}/honors/to-decide")  # the token's last use is now recorded
    # the token with its user, the roles (twice: the org given, the reach), the page
    with django_assert_num_queries(3):
        assert len(officer.call("get", f"{API}/activities/organised")["results"]) == n + 1
    with django_assert_num_queries(4):
        assert len(officer.call("get", f"{API}/activities/organised?org=A1")["results"]) == n + 1
    # the token with its user, the activity, the roles, the roster
    with django_assert_num_queries(4):
        assert len(officer.call("get", f"{API}/activities/{activity.pk}/signups")) == n
    with django_assert_num_queries(3):
        assert len(officer.call("get", f"{API}/honors/nominations")["results"]) == n


# --- 微星光 ------------------------------------------------------------------------------------


def test_a_branch_nominates_its_member_and_the_town_is_asked(county):
    body = api_as(county.secretary_a1).call(
        "post",
        f"{API}/honors",
        {"org": "A1", "kind": "member", "member_id": county.member_a1.pk, "story": STORY},
    )
    honor = Honor.objects.get()
    assert (body["id"], body["name"], body["state"], body["story"]) == (
        honor.pk,
        "张东街",
        HonorState.NOMINATED,
        STORY,
    )
    told = Notification.objects.filter(kind="honor.review").values_list("user_id", flat=True)
    assert list(told) == [county.town_a_admin.pk]
    (row,) = AuditLog.objects.filter(event="honor.nominated")
    assert (row.actor_id, row.org_id, row.data["person_id"]) == (
        county.secretary_a1.pk,
        county.branch_a1.pk,
        county.member_a1.user.pk,
    )


def test_the_api_and_the_page_nominate_with_the_same_audit_row(county):
    api_as(county.secretary_a1).call(
        "post",
        f"{API}/honors",
        {"org": "A1", "kind": "team", "name": "东街党员先锋队", "story": STORY},
    )
    web = Client()
    web.force_login(county.secretary_a1)
    response = web.post(
        "/community/honors/new/",
        {"org": county.branch_a1.pk, "kind": "team", "name": "东街红色义工队", "story": STORY},
    )
    assert response.status_code == 302, response.content.decode()
    api_row, page_row = AuditLog.objects.filter(event="honor.nominated").order_by("pk")
    for row in (api_row, page_row):
        row.data.pop("person_id")
    assert api_row.data == page_row.data
    assert audit_rows("honor.nominated")[0] == audit_rows("honor.nominated")[1]


def test_nominating_is_refused_outside_the_officers_org(county):
    item = {"org": "A1", "kind": "member", "member_id": county.member_a1.pk, "story": STORY}
    for who in [county.secretary_b1, county.member_a1.user]:
        body = api_as(who).call("post", f"{API}/honors", item, status=403)
        assert body["detail"] == "只有该组织的书记、支委或管理员可以推荐"
    officer = api_as(county.secretary_a1)
    body = officer.call(
        "post", f"{API}/honors", {**item, "member_id": county.member_b1.pk}, status=400
    )
    assert (body["field"], body["detail"]) == ("member_id", "请选择本组织的党员")
    body = officer.call("post", f"{API}/honors", {**item, "story": "太短了"}, status=400)
    assert (body["field"], body["detail"]) == ("story", "事迹至少 20 个字")
    body = officer.call("post", f"{API}/honors", {**item, "kind": "hero"}, status=400)
    assert (body["field"], body["detail"]) == ("kind", "请选择类别")
    assert not Honor.objects.exists()


def test_nominating_twice_returns_the_waiting_nomination(county):
    officer = api_as(county.secretary_a1)
    item = {"org": "A1", "kind": "member", "member_id": county.member_a1.pk, "story": STORY}
    first = officer.call("post", f"{API}/honors", item)
    assert officer.call("post", f"{API}/honors", item)["id"] == first["id"]
    assert Honor.objects.count() == 1
    assert AuditLog.objects.filter(event="honor.nominated").count() == 1


def test_a_returned_nomination_is_resubmitted_by_its_branch_only(county):
    honor = nominate(county)
    honor_services.honor_decide(
        actor=county.town_a_admin, honor=honor, approve=False, note="事迹太简略"
    )
    story = STORY + "今年又带头组织了防汛抢险。"
    api_as(county.secretary_b1).call(
        "post", f"{API}/honors/{honor.pk}/resubmit", {"story": story}, status=404
    )
    assert Honor.objects.get().state == HonorState.RETURNED
    body = api_as(county.secretary_a1).call(
        "post", f"{API}/honors/{honor.pk}/resubmit", {"story": story}
    )
    assert (body["state"], body["story"]) == (HonorState.NOMINATED, story)


def test_the_nominations_list_is_the_officers_orgs_own(county):
    waiting = nominate(county)
    returned = nominate_team(county, "东街党员先锋队")
    honor_services.honor_decide(
        actor=county.town_a_admin, honor=returned, approve=False, note="请补充"
    )
    officer = api_as(county.secretary_a1)
    body = officer.call("get", f"{API}/honors/nominations")
    assert [(h["id"], h["state"]) for h in body["results"]] == [
        (returned.pk, HonorState.RETURNED),
        (waiting.pk, HonorState.NOMINATED),
    ]
    only = officer.call("get", f"{API}/honors/nominations?state=returned")["results"]
    assert [h["id"] for h in only] == [returned.pk]
    town = api_as(county.town_a_admin).call("get", f"{API}/honors/nominations?org=A1")
    assert len(town["results"]) == 2
    b1 = api_as(county.secretary_b1)
    assert b1.call("get", f"{API}/honors/nominations")["results"] == []
    assert b1.call("get", f"{API}/honors/nominations?org=A1")["results"] == []
    assert api_as(county.resident).call("get", f"{API}/honors/nominations")["results"] == []
