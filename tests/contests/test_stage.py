"""On-stage rounds (走上讲台讲党课): entering a speaker and a topic, the timed speech, scores
given on the spot (not before the speech ends, locked after the reveal, a resent
submission counted once), the reveal's trimmed mean, the ranking among revealed speakers,
who sees which page, and query counts."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, OrgFactory, UserFactory, grant, ready_video
from xianfeng.common.errors import Refused
from xianfeng.contests import services
from xianfeng.contests.enums import Aggregation, Level, StageState
from xianfeng.contests.models import Contest, Entry, Review, Round, StageSlot
from xianfeng.lessons.enums import LessonState
from xianfeng.orgs.enums import OrgKind, RoleKind

pytestmark = pytest.mark.django_db

RUBRIC = [
    services.CriterionData("思想性", Decimal(40)),
    services.CriterionData("表达", Decimal(60)),
]


@dataclass
class Stage:
    contest: Contest
    round: Round
    judges: list
    entries: dict


def _stage(county, *, judges: int = 5, show: bool = True, aggregation=Aggregation.TRIMMED):
    admin = county.county_admin
    today = timezone.localdate()
    contest = services.contest_create(
        actor=admin,
        org=county.county,
        title="青山县“一人一课”现场决赛",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=10),
    )
    round_ = services.round_add(
        actor=admin,
        contest=contest,
        name="现场决赛",
        level=Level.ORGANISER,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=10),
        aggregation=aggregation,
        criteria=RUBRIC,
        on_stage=True,
        warn_seconds=420,
        stop_seconds=480,
        show_judge_scores=show,
    )
    services.contest_open(actor=admin, contest=contest)
    round_.refresh_from_db()
    people = []
    for i in range(judges):
        user = UserFactory(username=f"stage_judge{i}", name=f"现场评委{i}")
        MemberFactory(user=user, org=county.county)
        grant(user, county.county, RoleKind.JUDGE)
        services.judge_assign(actor=admin, round_=round_, user=user)
        people.append(user)
    entries = {
        key: services.stage_entry_add(actor=admin, round_=round_, speaker=member, topic=topic)
        for key, member, topic in (
            ("a1", county.member_a1, "东街的红色记忆"),
            ("a2", county.member_a2, "西街的廉洁故事"),
            ("b1", county.member_b1, "柳湾修路记"),
        )
    }
    return Stage(contest, round_, people, entries)


@pytest.fixture
def stage(county) -> Stage:
    return _stage(county)


def _slot(stage: Stage, key: str) -> StageSlot:
    return StageSlot.objects.get(round=stage.round, entry=stage.entries[key])


def _score(stage: Stage, judge, key: str, a, b, *, client_key: str = ""):
    criteria = list(stage.round.criteria.order_by("order"))
    return services.review_save(
        judge=judge,
        round_=stage.round,
        entry=stage.entries[key],
        scores={criteria[0].pk: a, criteria[1].pk: b},
        client_key=client_key,
    )


def _speak(stage: Stage, key: str, admin) -> StageSlot:
    services.stage_start(actor=admin, slot=_slot(stage, key))
    return services.stage_stop(actor=admin, slot=_slot(stage, key))


# --- setting up ------------------------------------------------------------------------


def test_an_entry_is_a_speaker_and_a_topic_with_a_draft_lesson(county, stage):
    entry = stage.entries["a1"]
    lesson = entry.lesson
    assert (lesson.title, lesson.speaker, lesson.state, lesson.video) == (
        "东街的红色记忆",
        county.member_a1,
        LessonState.DRAFT,
        None,
    )
    assert lesson.author == county.member_a1.user  # the speaker's own draft
    assert entry.versions.count() == 0
    order = list(
        StageSlot.objects.filter(round=stage.round).values_list("entry__lesson__title", "position")
    )
    assert order == [("东街的红色记忆", 1), ("西街的廉洁故事", 2), ("柳湾修路记", 3)]


def test_a_speaker_enters_a_round_once_and_only_from_the_contest_scope(county, stage):
    admin = county.county_admin
    with pytest.raises(Refused, match="张东街已在本轮"):
        services.stage_entry_add(
            actor=admin, round_=stage.round, speaker=county.member_a1, topic="又一课"
        )
    other = OrgFactory(code="BS", name="白水县委", kind=OrgKind.COMMITTEE)
    branch = OrgFactory(code="BS1", name="白水村党支部", parent=other)
    outsider = MemberFactory(org=branch, user=UserFactory(name="赵白水"))
    with pytest.raises(Refused, match="不在本次竞赛的范围内"):
        services.stage_entry_add(actor=admin, round_=stage.round, speaker=outsider, topic="白水课")
    with pytest.raises(Refused, match="请填写演讲题目"):
        services.stage_entry_add(
            actor=admin, round_=stage.round, speaker=outsider, topic=" \u200b "
        )
    with pytest.raises(PermissionDenied):
        services.stage_entry_add(
            actor=county.secretary_a1, round_=stage.round, speaker=county.member_a2, topic="x"
        )
    assert Entry.objects.filter(contest=stage.contest).count() == 3


def test_an_on_stage_round_refuses_public_votes_and_odd_timing(county):
    admin = county.county_admin
    today = timezone.localdate()
    contest = services.contest_create(
        actor=admin, org=county.county, title="赛", starts_on=today, ends_on=today
    )
    common = dict(actor=admin, contest=contest, name="决赛", level=Level.ORGANISER)
    with pytest.raises(Refused, match="不能设置群众投票"):
        services.round_add(**common, starts_on=today, ends_on=today, on_stage=True, vote_share=20)
    with pytest.raises(Refused, match="提醒时间应早于限时"):
        services.round_add(
            **common,
            starts_on=today,
            ends_on=today,
            on_stage=True,
            warn_seconds=480,
            stop_seconds=480,
        )
    assert not contest.rounds.exists()


def test_the_draw_orders_speakers_before_the_first_speech_only(county, stage):
    admin = county.county_admin
    order = services.stage_draw(actor=admin, round_=stage.round, rng=random.Random(3))
    positions = dict(
        StageSlot.objects.filter(round=stage.round).values_list("entry_id", "position")
    )
    assert [positions[e] for e in order] == [1, 2, 3]
    services.stage_start(actor=admin, slot=_slot(stage, "a2"))
    with pytest.raises(Refused, match="不能再抽签"):
        services.stage_draw(actor=admin, round_=stage.round)


# --- the speech and the scores ---------------------------------------------------------------


def test_one_speech_at_a_time(county, stage):
    admin = county.county_admin
    services.stage_start(actor=admin, slot=_slot(stage, "a1"))
    with pytest.raises(Refused, match="正在演讲"):
        services.stage_start(actor=admin, slot=_slot(stage, "a2"))
    assert _slot(stage, "a2").state == StageState.WAITING


def test_a_score_is_taken_only_after_the_speech_ends(county, stage):
    admin = county.county_admin
    judge = stage.judges[0]
    with pytest.raises(services.StageRefused) as before:
        _score(stage, judge, "a1", 90, 90)
    assert before.value.retry is True
    services.stage_start(actor=admin, slot=_slot(stage, "a1"))
    with pytest.raises(services.StageRefused, match="演讲结束后"):
        _score(stage, judge, "a1", 90, 90)
    assert not Review.objects.exists()
    # Past the limit the speech is over even if the host has not pressed stop.
    StageSlot.objects.filter(pk=_slot(stage, "a1").pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=481)
    )
    review = _score(stage, judge, "a1", 90, 80)
    assert review.version is None and review.scores == {
        str(c.pk): v for c, v in zip(stage.round.criteria.order_by("order"), ["90", "80"])
    }


def test_reveal_gives_the_trimmed_mean_and_locks_the_scores(county, stage):
    admin = county.county_admin
    _speak(stage, "a1", admin)
    # Totals 0.4a + 0.6b: 92, 86, 80, 74, 50 -> trimmed mean of 86, 80, 74 = 80.000.
    for judge, (a, b) in zip(
        stage.judges, [(95, 90), (80, 90), (80, 80), (80, 70), (50, 50)], strict=True
    ):
        _score(stage, judge, "a1", a, b, client_key=f"k-{judge.pk}")
    slot = services.stage_reveal(actor=admin, slot=_slot(stage, "a1"))
    assert (slot.state, slot.score) == (StageState.REVEALED, Decimal("80.000"))
    assert slot.judge_totals == ["92.000", "86.000", "80.000", "74.000", "50.000"]
    # Locked: a change is refused for good and nothing moves.
    with pytest.raises(services.StageRefused) as locked:
        _score(stage, stage.judges[4], "a1", 100, 100, client_key="late")
    assert locked.value.retry is False
    assert (
        Review.objects.get(judge=stage.judges[4]).scores[
            str(stage.round.criteria.order_by("order")[0].pk)
        ]
        == "50"
    )
    # A device resending the submission it already made is answered with that review.
    first = Review.objects.get(judge=stage.judges[0])
    again = _score(stage, stage.judges[0], "a1", 95, 90, client_key=f"k-{stage.judges[0].pk}")
    assert again.pk == first.pk and again.submitted_at == first.submitted_at
    with pytest.raises(Refused, match="评分细则不能再改"):
        services.criteria_set(actor=admin, round_=stage.round, criteria=RUBRIC)
    with pytest.raises(Refused, match="成绩已经揭晓"):
        services.stage_reveal(actor=admin, slot=_slot(stage, "a1"))


def test_reveal_with_judges_missing_needs_the_host_to_be_sure(county, stage):
    admin = county.county_admin
    with pytest.raises(Refused, match="演讲结束后才能揭晓"):
        services.stage_reveal(actor=admin, slot=_slot(stage, "a1"))
    _speak(stage, "a1", admin)
    with pytest.raises(Refused, match="还没有评委提交评分"):
        services.stage_reveal(actor=admin, slot=_slot(stage, "a1"))
    _score(stage, stage.judges[0], "a1", 90, 90)
    _score(stage, stage.judges[1], "a1", 70, 70)
    with pytest.raises(Refused, match="还有 3 位评委没有提交评分"):
        services.stage_reveal(actor=admin, slot=_slot(stage, "a1"))
    assert _slot(stage, "a1").state == StageState.SCORING
    slot = services.stage_reveal(actor=admin, slot=_slot(stage, "a1"), allow_missing=True)
    assert slot.score == Decimal("80.000")  # fewer than five judges: the plain mean
    with pytest.raises(PermissionDenied):
        services.stage_reveal(actor=stage.judges[0], slot=_slot(stage, "a2"))


def test_the_board_ranks_revealed_speakers_by_the_contest_rules(county):
    stage = _stage(county, judges=2, aggregation=Aggregation.MEAN)
    admin = county.county_admin
    a, b = stage.judges
    for key, scores in (("a1", (80, 80)), ("a2", (90, 70)), ("b1", (70, 90))):
        _speak(stage, key, admin)
        _score(stage, a, key, *scores)
        _score(stage, b, key, *scores)
    services.stage_reveal(actor=admin, slot=_slot(stage, "a1"))
    services.stage_reveal(actor=admin, slot=_slot(stage, "b1"))
    from xianfeng.contests.selectors import stage_state

    state = stage_state(county.member_b1.user, stage.contest, stage.round)
    by_speaker = {s["speaker"]: s for s in state["slots"]}
    # 80 (a1) against 82 (b1): b1 first. a2 is unrevealed: no score leaves the server.
    assert (by_speaker["王柳湾"]["score"], by_speaker["王柳湾"]["rank"]) == ("82.000", 1)
    assert (by_speaker["张东街"]["score"], by_speaker["张东街"]["rank"]) == ("80.000", 2)
    assert (by_speaker["李西街"]["score"], by_speaker["李西街"]["rank"]) == (None, None)
    assert by_speaker["王柳湾"]["judge_totals"] == ["82.000", "82.000"]
    assert "submitted" not in by_speaker["王柳湾"] and "mine" not in by_speaker["王柳湾"]
    # Equal totals: the tie-break of the contest (the heaviest criterion, 表达 60 %).
    services.stage_reveal(actor=admin, slot=_slot(stage, "a2"))
    # a2: 0.4×90 + 0.6×70 = 78.
    assert [s["rank"] for s in stage_state(admin, stage.contest, stage.round)["slots"]] == [2, 3, 1]


def test_the_board_hides_judges_totals_when_the_contest_says_so(county):
    stage = _stage(county, judges=1, show=False, aggregation=Aggregation.MEAN)
    admin = county.county_admin
    _speak(stage, "a1", admin)
    _score(stage, stage.judges[0], "a1", 90, 90)
    services.stage_reveal(actor=admin, slot=_slot(stage, "a1"))
    from xianfeng.contests.selectors import stage_state

    slot = stage_state(admin, stage.contest, stage.round)["slots"][0]
    assert (slot["score"], slot["judge_totals"], slot["submitted"]) == ("90.000", [], 1)


def test_entries_advancing_into_an_on_stage_final_get_their_turns(county, world):
    from tests.contests.conftest import advance_to_final

    world.r3.on_stage = True
    world.r3.save()
    entries = advance_to_final(county, world)
    slots = list(
        StageSlot.objects.filter(round=world.r3).values_list("entry_id", "position", "state")
    )
    assert slots == [(entries["a1"].pk, 1, "waiting"), (entries["b1"].pk, 2, "waiting")]


def test_a_recording_attached_afterwards_becomes_the_lesson(county, stage):
    entry = stage.entries["a1"]
    video = ready_video(county.member_a1.user, duration=420)
    version = services.entry_add_version(actor=county.member_a1.user, entry=entry, video=video)
    entry.lesson.refresh_from_db()
    assert (version.number, entry.lesson.video_id, entry.lesson.duration) == (1, video.pk, 420)
    # A second recording is a version (打磨), not a new video for the lesson.
    second = ready_video(county.member_a1.user, duration=400)
    services.entry_add_version(actor=county.member_a1.user, entry=entry, video=second)
    entry.lesson.refresh_from_db()
    assert entry.lesson.video_id == video.pk


# --- pages and the API ---------------------------------------------------------------------


def _urls(stage: Stage) -> dict[str, str]:
    args = [stage.contest.pk, stage.round.number]
    return {
        "host": reverse("contests:stage_host", args=args),
        "judge": reverse("contests:stage_judge", args=args),
        "board": reverse("contests:stage_board", args=args),
        "api": f"/api/v1/contests/{stage.contest.pk}/rounds/{stage.round.number}/stage",
    }


def test_who_sees_which_stage_page(client, county, stage):
    urls = _urls(stage)
    other = OrgFactory(code="BS", name="白水县委", kind=OrgKind.COMMITTEE)
    branch = OrgFactory(code="BS1", name="白水村党支部", parent=other)
    outsider = MemberFactory(org=branch, user=UserFactory(username="baishui")).user
    admin_elsewhere = UserFactory(username="baishui_admin")
    grant(admin_elsewhere, other, RoleKind.ADMIN)
    expected = {
        county.county_admin: {"host": 200, "judge": 404, "board": 200, "api": 200},
        stage.judges[0]: {"host": 404, "judge": 200, "board": 200, "api": 200},
        county.member_a1.user: {"host": 404, "judge": 404, "board": 200, "api": 200},
        outsider: {"host": 404, "judge": 404, "board": 404, "api": 404},
        admin_elsewhere: {"host": 404, "judge": 404, "board": 404, "api": 404},
        county.resident: {"host": 404, "judge": 404, "board": 404, "api": 404},
    }
    for user, statuses in expected.items():
        client.force_login(user)
        got = {name: client.get(url).status_code for name, url in urls.items()}
        assert got == statuses, user.username
    client.logout()
    assert client.get(urls["board"]).status_code == 302
    assert client.get(urls["api"]).status_code == 401


def test_host_actions_from_the_console_and_refusals_for_others(client, county, stage):
    args = [stage.contest.pk, stage.round.number]
    entry = stage.entries["a1"].pk
    client.force_login(stage.judges[0])
    url = reverse("contests:stage_action", args=[*args, "start"])
    assert client.post(url, {"entry": entry}).status_code == 404
    assert _slot(stage, "a1").state == StageState.WAITING
    api = f"/api/v1/contests/{args[0]}/rounds/{args[1]}/stage/{entry}/start"
    assert client.post(api, {}, content_type="application/json").status_code == 403
    client.force_login(county.county_admin)
    response = client.post(url, {"entry": entry})
    assert response.status_code == 302 and _slot(stage, "a1").state == StageState.SPEAKING
    assert client.post(url, {"entry": "x"}).status_code == 400
    stop = f"/api/v1/contests/{args[0]}/rounds/{args[1]}/stage/{entry}/stop"
    body = client.post(stop, {}, content_type="application/json").json()
    assert body["slots"][0]["state"] == "scoring" and body["slots"][0]["submitted"] == 0
    add = reverse("contests:stage_action", args=[*args, "add"])
    MemberFactory(org=county.branch_b1, user=UserFactory(username="new_speaker", name="周新"))
    client.post(add, {"who": "new_speaker", "topic": "新时代的山村"})
    assert StageSlot.objects.filter(round=stage.round).count() == 4
    page = client.get(reverse("contests:stage_host", args=args)).content.decode()
    assert "周新" in page and "新时代的山村" in page


def test_the_score_endpoint_answers_not_yet_saved_resent_and_locked(client, county, stage):
    args = [stage.contest.pk, stage.round.number]
    entry = stage.entries["a1"].pk
    criteria = list(stage.round.criteria.order_by("order"))
    url = f"/api/v1/contests/{args[0]}/rounds/{args[1]}/stage/{entry}/score"
    body = {"scores": {str(criteria[0].pk): 90, str(criteria[1].pk): 80}, "key": "abc123"}
    client.force_login(stage.judges[0])
    early = client.put(url, body, content_type="application/json")
    assert (early.status_code, early.json()["retry"]) == (409, True)
    _speak(stage, "a1", county.county_admin)
    saved = client.put(url, body, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["key"] == "abc123"
    again = client.put(url, body, content_type="application/json")
    assert again.json()["review_id"] == saved.json()["review_id"]
    assert Review.objects.filter(judge=stage.judges[0]).count() == 1
    services.stage_reveal(actor=county.county_admin, slot=_slot(stage, "a1"), allow_missing=True)
    late = client.put(url, {**body, "key": "other"}, content_type="application/json")
    assert (late.status_code, late.json()["retry"]) == (409, False)
    assert "已锁定" in late.json()["detail"]
    assert client.put(url, body, content_type="application/json").status_code == 200
    bad = client.put(url, {**body, "key": "<script>"}, content_type="application/json")
    assert bad.status_code == 422
    client.force_login(county.member_a1.user)
    assert client.put(url, body, content_type="application/json").status_code == 404


def test_the_judge_page_posts_without_script_and_shows_what_was_sent(client, county, stage):
    args = [stage.contest.pk, stage.round.number]
    criteria = list(stage.round.criteria.order_by("order"))
    _speak(stage, "a1", county.county_admin)
    client.force_login(stage.judges[1])
    url = reverse("contests:stage_judge", args=args)
    form = {
        "entry": stage.entries["a1"].pk,
        "key": "nojs1",
        f"score_{criteria[0].pk}": "88",
        f"score_{criteria[1].pk}": "",
    }
    client.post(url, form)
    assert not Review.objects.exists()  # 表达 is required: refused, nothing saved
    form[f"score_{criteria[1].pk}"] = "77"
    client.post(url, form)
    client.post(url, form)  # a double click: the same submission
    review = Review.objects.get()
    assert (review.scores[str(criteria[1].pk)], review.client_key) == ("77", "nojs1")
    page = client.get(url).content.decode()
    assert "评分已送达" in page and 'value="77"' in page


def test_a_judge_with_a_conflict_never_gets_the_sheet(client, county, stage):
    judge = UserFactory(username="judge_b1", name="柳湾评委")
    MemberFactory(user=judge, org=county.branch_b1)
    grant(judge, county.county, RoleKind.JUDGE)
    services.judge_assign(actor=county.county_admin, round_=stage.round, user=judge)
    _speak(stage, "b1", county.county_admin)
    client.force_login(judge)
    page = client.get(reverse("contests:stage_judge", args=[stage.contest.pk, 1])).content
    assert "柳湾修路记" not in page.decode() and "东街的红色记忆" in page.decode()
    url = f"/api/v1/contests/{stage.contest.pk}/rounds/1/stage/{stage.entries['b1'].pk}/score"
    assert client.put(url, {"scores": {}}, content_type="application/json").status_code == 404


@pytest.mark.parametrize("extra", [0, 2])
def test_stage_pages_query_counts(client, county, stage, extra):
    admin = county.county_admin
    for i in range(extra):
        member = MemberFactory(org=county.branch_a2, user=UserFactory(name=f"加赛{i}"))
        services.stage_entry_add(actor=admin, round_=stage.round, speaker=member, topic=f"课{i}")
    _speak(stage, "a1", admin)
    for judge in stage.judges:
        _score(stage, judge, "a1", 80, 80)
    services.stage_reveal(actor=admin, slot=_slot(stage, "a1"))
    urls = _urls(stage)
    counts = {}
    for who, name in (
        (admin, "host"),
        (admin, "board"),
        (admin, "api"),
        (stage.judges[0], "judge"),
        (stage.judges[0], "api"),
    ):
        client.force_login(who)
        client.get(urls[name])  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(urls[name]).status_code == 200
        counts[(who.username, name)] = len(ctx.captured_queries)
    # The same count with 3 or 5 speakers: no query per speaker (roles and member record
    # from the identity memo after the warm-up).
    expected = {
        ("county_admin", "host"): 11,
        ("county_admin", "board"): 10,
        ("county_admin", "api"): 10,
        ("stage_judge0", "judge"): 16,
        ("stage_judge0", "api"): 9,
    }
    assert counts == expected
