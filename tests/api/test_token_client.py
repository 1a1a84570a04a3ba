"""Everything a mobile client does, with a bearer token only: no session cookie, no CSRF
token, Django's client enforcing CSRF. One walk per app through its main writes, then
the token is revoked and refused."""

from __future__ import annotations

import base64
import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from tests.conftest import PASSWORD
from tests.contests.conftest import advance_to_final
from tests.factories import MemberFactory, UserFactory, published_lesson
from tests.meetings.conftest import make_branch, use_tmp_private_storage
from xianfeng.contests.models import Review
from xianfeng.lessons.models import Comment, Lesson, Like, Rating, Reflection, WatchProgress
from xianfeng.media.enums import VideoStatus
from xianfeng.meetings.models import Attachment, Meeting
from xianfeng.notify.models import Notification
from xianfeng.people.models import ApiToken

pytestmark = pytest.mark.django_db

TUS = {"Tus-Resumable": "1.0.0"}
OCTET = "application/offset+octet-stream"
REFLECTION = (
    "矿灯的故事让我想到，安全生产不是一句口号，而是每一个班组、每一名党员每天的坚守。"
    "今后我要在班前会上带头讲安全，发现隐患马上报告，做到不安全不生产。"
)


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def tus_upload(client, upload: dict, path) -> None:
    """Create, check and send a tus upload with the token only (no cookie, no CSRF)."""
    data = path.read_bytes()
    meta = {**upload["metadata"], "filename": "矿灯.mp4", "filetype": "video/mp4"}
    created = client.http.generic(
        "POST",
        upload["endpoint"],
        headers={
            **client.auth,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": ",".join(f"{k} {b64(v)}" for k, v in meta.items()),
        },
    )
    assert created.status_code == 201, created.content.decode()
    assert created["Tus-Resumable"] == "1.0.0"
    url = created["Location"]
    head = client.http.generic("HEAD", url, headers={**client.auth, **TUS})
    assert (head.status_code, head["Upload-Offset"], head["Upload-Length"]) == (
        200,
        "0",
        str(len(data)),
    )
    half = len(data) // 2
    for offset, chunk in ((0, data[:half]), (half, data[half:])):
        sent = client.http.generic(
            "PATCH",
            url,
            data=chunk,
            content_type=OCTET,
            headers={**client.auth, **TUS, "Upload-Offset": str(offset)},
        )
        assert sent.status_code == 204, sent.content.decode()
        assert sent["Upload-Offset"] == str(offset + len(chunk))


def test_lesson_recorded_published_and_discussed_with_tokens_only(
    county, token_client, media_dirs, small_clip, django_capture_on_commit_callbacks
):
    member = token_client("member_a1")
    secretary = token_client("secretary_a1")
    assert member.call("get", "/api/v1/lessons/orgs") == [{"code": "A1", "name": "东街社区党支部"}]
    created = member.call(
        "post",
        "/api/v1/lessons/",
        {"title": "矿灯下的初心", "story": "老矿工的安全经", "question": "我们怎么做？"},
        status=201,
    )
    lesson_id = created["id"]
    assert (created["state"], created["speaker"], created["can_edit"]) == ("draft", "张东街", True)
    assert created["upload"] == {
        "endpoint": "/media-api/uploads/",
        "metadata": {"target_kind": "lesson", "target_id": str(lesson_id)},
    }
    with django_capture_on_commit_callbacks(execute=True):
        tus_upload(member, created["upload"], small_clip)
    video = member.call("get", f"/api/v1/lessons/{lesson_id}/video")
    assert (video["status"], video["progress"], video["failure_reason"]) == ("ready", 100, "")
    assert video["duration"] == pytest.approx(11, abs=0.3)
    edited = member.call(
        "put", f"/api/v1/lessons/{lesson_id}", {"title": "矿灯下的初心（修订）", "story": "老矿工"}
    )
    assert edited["title"] == "矿灯下的初心（修订）"
    assert member.call("post", f"/api/v1/lessons/{lesson_id}/submit")["state"] == "submitted"
    waiting = secretary.call("get", "/api/v1/lessons/awaiting")
    assert [x["id"] for x in waiting] == [lesson_id]
    published = secretary.call("post", f"/api/v1/lessons/{lesson_id}/publish", {"audience": "A1"})
    assert (published["state"], published["hls"].endswith("master.m3u8")) == ("published", True)

    watched = member.call(
        "post", f"/api/v1/lessons/{lesson_id}/watch", {"sections": [[0, 8]], "position": 8}
    )
    assert (watched["covered"], watched["completed"], watched["position"]) == (8.0, False, 8.0)
    comment = member.call("post", f"/api/v1/lessons/{lesson_id}/comments", {"text": "讲得真好"})
    reply = secretary.call(
        "post", f"/api/v1/lessons/{lesson_id}/comments", {"text": "谢谢", "parent": comment["id"]}
    )
    assert (
        member.call("post", f"/api/v1/lessons/{lesson_id}/rating", {"score": 4})["my_rating"] == 4
    )
    liked = member.call("post", f"/api/v1/lessons/{lesson_id}/like", {"liked": True})
    assert (liked["liked"], liked["like_count"]) == (True, 1)
    saved = member.call("put", f"/api/v1/lessons/{lesson_id}/reflection", {"text": REFLECTION})
    assert saved["status"] == "visible"
    member.call("post", f"/api/v1/lessons/{lesson_id}/share", {"channel": "wechat"}, status=204)
    secretary.call("delete", f"/api/v1/lessons/{lesson_id}/comments/{reply['id']}", status=204)

    lesson = Lesson.objects.get(pk=lesson_id)
    assert (lesson.state, lesson.video.status, lesson.author.username) == (
        "published",
        VideoStatus.READY,
        "member_a1",
    )
    progress = WatchProgress.objects.get(lesson=lesson)
    assert (progress.user.username, progress.covered) == ("member_a1", 8.0)
    assert [c.text for c in Comment.objects.filter(lesson=lesson, status="visible")] == ["讲得真好"]
    assert Rating.objects.get(lesson=lesson).score == 4
    assert Like.objects.filter(lesson=lesson).count() == 1
    assert Reflection.objects.get(lesson=lesson).user.username == "member_a1"


def test_a_token_identifies_the_person_on_public_lesson_reads(county, token_client, client):
    """The feed and the detail are open to everyone, and a token still says who asks: the
    branch's own lessons show with it exactly as with the session."""
    own = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="本支部课")
    published_lesson(org=county.branch_b1, author=county.member_b1.user, title="柳湾村的课")
    secretary = token_client("secretary_a1")
    with_token = secretary.call("get", "/api/v1/lessons/")
    client.force_login(county.secretary_a1)
    with_session = client.get("/api/v1/lessons/").json()
    anonymous = secretary.http.get("/api/v1/lessons/").json()
    assert [x["title"] for x in with_token["results"]] == ["本支部课"]
    assert with_token == with_session
    assert anonymous["count"] == 0
    assert secretary.call("get", f"/api/v1/lessons/{own.pk}")["title"] == "本支部课"
    assert secretary.http.get(f"/api/v1/lessons/{own.pk}").json() == {
        "detail": "找不到该微党课",
        "field": None,
    }


def test_meeting_planned_signed_in_and_recorded_with_tokens(
    county, token_client, monkeypatch, tmp_path
):
    use_tmp_private_storage(monkeypatch, tmp_path / "private")
    branch = make_branch(county)
    secretary = token_client("secretary_a1")
    a, b = token_client("member_a1"), token_client("member_a1b")
    leaver = token_client("m_a1c")
    starts = timezone.now() - datetime.timedelta(minutes=2)
    planned = secretary.call(
        "post",
        "/api/v1/meetings/",
        {
            "org": "A1",
            "kind": "assembly",
            "topic": "令牌安排的党员大会",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + datetime.timedelta(hours=1)).isoformat(),
            "place": "村委会",
            "host_id": branch.secretary.pk,
            "recorder_a_id": branch.recorder_a.pk,
            "recorder_b_id": branch.recorder_b.pk,
        },
        status=201,
    )
    url = f"/api/v1/meetings/{planned['id']}"
    assert (planned["state"], planned["counts"]["expected"]) == ("planned", 6)
    code = secretary.call("get", f"{url}/checkin-code")
    assert a.call("post", "/api/v1/meetings/checkin", {"token": code["token"]})["status"] == (
        "present"
    )
    b.call("post", "/api/v1/meetings/checkin", {"token": code["token"]})
    leave = leaver.call("post", f"{url}/leave", {"reason": "下井值班"})
    decided = secretary.call("post", f"{url}/leave/{leave['id']}", {"approve": True})
    assert decided["status"] == "approved"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 10)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "现场.jpg"
    photo = a.http.post(
        f"{url}/attachments", {"kind": "photo", "image": buffer}, headers=a.auth
    ).json()
    assert (photo["width"], photo["height"]) == (800, 600)
    a.call("delete", f"{url}/attachments/{photo['id']}", status=204)
    assert not Attachment.objects.filter(meeting_id=planned["id"]).exists()
    minutes = {"agenda": "学习党章", "discussion": "讨论安全生产", "resolutions": "通过"}
    a.call("put", f"{url}/minutes", minutes)
    a.call("post", f"{url}/minutes/submit")
    approved = b.call("post", f"{url}/minutes/approve")
    assert (approved["state"], approved["minutes"]["approved_by"]["name"]) == ("approved", "赵记录")
    calendar = a.call("post", "/api/v1/meetings/calendar", {"action": "enable"})
    assert calendar["enabled"] is True and calendar["url"].endswith(".ics")
    meeting = Meeting.objects.get(pk=planned["id"])
    assert (meeting.state, meeting.topic) == ("approved", "令牌安排的党员大会")

    # The plan's notice and the approval reached recorder A; reading them through the API
    # marks them read, one by id, then all.
    inbox = a.call("get", "/api/v1/notifications/?unread=true")["results"]
    assert [n["kind"] for n in inbox] == ["meeting.minutes", "meeting.planned"]
    a.call("post", "/api/v1/notifications/read", {"ids": [inbox[1]["id"]]}, status=204)
    unread = a.call("get", "/api/v1/notifications/?unread=true")["results"]
    assert [n["id"] for n in unread] == [inbox[0]["id"]]
    assert Notification.objects.get(pk=inbox[1]["id"]).read_at is not None
    a.call("post", "/api/v1/notifications/read", {}, status=204)
    assert a.call("get", "/api/v1/notifications/?unread=true")["results"] == []
    a.call("put", "/api/v1/notifications/prefs", {"email": "zhang@example.cn"}, status=200)
    assert a.call("get", "/api/v1/notifications/prefs")["email"] == "zhang@example.cn"


def test_judge_scores_an_entry_with_a_token(county, world, token_client):
    entries = advance_to_final(county, world)
    judge = token_client("judge0")
    base = f"/api/v1/contests/{world.contest.pk}/rounds/3"
    queue = judge.call("get", f"{base}/queue")
    assert (queue["done"], queue["total"]) == (0, 2)
    first = queue["entries"][0]["id"]
    criteria = {c.name: c.pk for c in world.r3.criteria.all()}
    saved = judge.call(
        "put",
        f"{base}/entries/{first}/review",
        {
            "scores": {
                str(criteria["思想性"]): "90",
                str(criteria["艺术性"]): "80",
                str(criteria["观赏性"]): "85",
            },
            "feedback": "故事真实，结尾可以更有力",
        },
    )
    other = ({entries["a1"].pk, entries["b1"].pk} - {first}).pop()
    assert saved["next_entry_id"] == other
    review = Review.objects.get(pk=saved["review_id"])
    assert (review.judge.username, review.entry_id, review.feedback) == (
        "judge0",
        first,
        "故事真实，结尾可以更有力",
    )
    assert judge.call("get", f"{base}/queue")["done"] == 1


def test_member_enters_a_contest_with_a_token(county, world, token_client):
    member = token_client("member_a1")
    entered = member.call(
        "post",
        f"/api/v1/contests/{world.contest.pk}/entries",
        {"lesson_id": world.lessons["a1"].pk},
    )
    entry = world.contest.entries.get()
    assert entered == {"id": entry.pk, "code": entry.code}
    detail = member.call("get", f"/api/v1/contests/{world.contest.pk}")
    assert [e["lesson"] for e in detail["my_entries"]] == ["东街的安全课"]


def test_revoked_token_is_refused_everywhere(county, token_client, media_dirs):
    MemberFactory(org=county.branch_a1, user=UserFactory(username="leaving", name="要走的人"))
    client = token_client("leaving")
    assert client.call("get", "/api/v1/auth/me")["name"] == "要走的人"
    client.call("delete", "/api/v1/auth/token", status=204)
    assert not ApiToken.objects.filter(user__username="leaving").exists()
    refused = {"detail": "令牌无效或已过期，请重新登录获取", "field": None}
    assert client.call("get", "/api/v1/auth/me", status=401) == refused
    assert client.call("get", "/api/v1/lessons/", status=401) == refused
    assert client.call("post", "/api/v1/notifications/read", {}, status=401) == refused
    tus = client.http.generic(
        "POST", "/media-api/uploads/", headers={**client.auth, **TUS, "Upload-Length": "10"}
    )
    assert (tus.status_code, tus.content.decode()) == (401, "令牌无效或已过期，请重新登录获取")
    # A new token from the password works again.
    again = client.http.post(
        "/api/v1/auth/token",
        {"username": "leaving", "password": PASSWORD},
        content_type="application/json",
    )
    assert again.status_code == 200


def test_series_and_showcase_with_tokens(county, token_client):
    from xianfeng.lessons import services

    secretary = token_client("secretary_a1")
    made = secretary.call(
        "post", "/api/v1/lessons/series", {"org": "A1", "title": "安全生产十讲"}, status=201
    )
    assert made["name"] == "安全生产十讲"
    assert secretary.call("get", "/api/v1/lessons/series") == [made]
    secretary.call(
        "post", "/api/v1/lessons/series", {"org": "B1", "title": "别人的专题"}, status=404
    )
    draft = secretary.call(
        "post",
        "/api/v1/lessons/",
        {"title": "第一讲", "speaker_name": "王书记", "series_id": made["id"]},
        status=201,
    )
    assert Lesson.objects.get(pk=draft["id"]).series_id == made["id"]

    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, title="展播课")
    show = services.showcase_for_org(
        actor=county.secretary_a1, org=county.branch_a1, title="七一展播"
    )
    services.showcase_set_items(actor=county.secretary_a1, showcase=show, lessons=[lesson])
    member = token_client("member_a1")
    shown = member.call("get", f"/api/v1/lessons/showcases/{show.pk}")
    assert (shown["title"], [x["title"] for x in shown["lessons"]]) == ("七一展播", ["展播课"])
    anonymous = member.http.get(f"/api/v1/lessons/showcases/{show.pk}")
    assert anonymous.status_code == 404


def test_organiser_runs_a_contest_with_a_token(county, token_client):
    admin = token_client("county_admin")
    today = timezone.localdate()
    span = {"starts_on": str(today), "ends_on": str(today + datetime.timedelta(days=30))}
    contest = admin.call(
        "post",
        "/api/v1/contests/",
        {"org": "C", "title": "令牌举办的微党课大赛", "theme": "初心", **span},
        status=201,
    )
    base = f"/api/v1/contests/{contest['id']}"
    admin.call("post", f"{base}/open", status=400)  # no round yet
    final = admin.call(
        "post",
        f"{base}/rounds",
        {
            "name": "县级决赛",
            "level": "organiser",
            **span,
            "criteria": [
                {"name": "思想性", "weight": "60"},
                {"name": "艺术性", "weight": "40", "max_score": 50},
            ],
        },
    )
    assert (final["number"], [c["name"] for c in final["criteria"]]) == (1, ["思想性", "艺术性"])
    assert admin.call("post", f"{base}/open")["state"] == "open"
    hired = admin.call("post", f"{base}/rounds/1/judges", {"who": "judge"})
    assert hired == {"judge": "评委甲", "round": 1}
    refused = admin.call("post", f"{base}/rounds/1/judges", {"who": "nobody"}, status=400)
    assert refused == {"detail": "找不到该用户，请核对手机号或用户名", "field": "who"}
    member = token_client("member_a1")
    member.call("post", f"{base}/rounds", {"name": "x", "level": "branch", **span}, status=403)
    awards = admin.call("post", f"{base}/org-awards", {"org": "TA"})
    assert [(a["label"], a["org"]) for a in awards] == [("优秀组织奖", "城关镇党委")]
