"""Every response and request schema of the API has its own name: django-ninja files
schemas in the OpenAPI components by class name, so two apps' `AttendanceOut` became one
and the meetings endpoint was documented with the remote app's shape (the fuzz stage
found it). Twenty more such pairs were renamed on 2026-12-03; the document is checked
endpoint by endpoint for each of them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from ninja import Schema
from ninja.openapi.schema import OpenAPISchema

from xianfeng.api import api
from xianfeng.assessment.api import AssessmentBulletinQuery, AssessmentBulletinRowOut
from xianfeng.community.api.five import (
    ProjectCommentIn,
    ProjectRateIn,
    ProjectUpdateOut,
    VoteRoundOut,
)
from xianfeng.community.api.officers import ActivityNoteIn, OfficerDecisionIn, VoteRoundIn
from xianfeng.community.api.wishes import WishNoteIn, WishReviewIn
from xianfeng.contests.api import ContestOut, ContestRoundIn, ContestRoundOut, EntryReviewIn
from xianfeng.lessons.api.engagement import LessonCommentOut, LessonRateIn
from xianfeng.lessons.api.practice import ShowcaseChannelOut, ShowcaseOrderIn
from xianfeng.lessons.api.reading import LessonFeedQuery
from xianfeng.live.api import LiveCommentIn, LiveCommentOut, LiveFeedQuery
from xianfeng.meetings.api import (
    AttendanceRecordIn,
    LeaveDecisionIn,
    MeetingCheckinIn,
    MeetingCheckinOut,
    MeetingListQuery,
    MeetingPlanIn,
    MinutesNoteIn,
    RectificationUpdateOut,
)
from xianfeng.notify.api import NotificationChannelOut, NotificationListQuery
from xianfeng.remote.api import (
    BulletinGroupOut,
    MenuOrderIn,
    RemoteBulletinQuery,
    RemotePlanIn,
    ViewingCheckinIn,
    ViewingCheckinOut,
    ViewingRecordIn,
)
from xianfeng.study.api import StudyContestOut


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def test_schema_class_names_are_unique_across_apps():
    api.get_openapi_schema()  # imports every router
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("xianfeng."):
            by_name[cls.__name__].add(cls.__module__)
    assert {name: sorted(mods) for name, mods in by_name.items() if len(mods) > 1} == {}


def test_no_component_is_filed_twice_with_different_shapes(monkeypatch):
    # The name test above sees ninja Schemas only; this sees whatever ninja files in the
    # components (enums, plain pydantic models), as it files it: a second, different
    # definition under a name already taken silently replaces the first.
    first: dict[str, Any] = {}
    replaced: dict[str, int] = defaultdict(int)
    original = OpenAPISchema.add_schema_definitions

    def noting(self: OpenAPISchema, definitions: dict) -> None:
        for name, definition in definitions.items():
            if first.setdefault(name, definition) != definition:
                replaced[name] += 1
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", noting)
    components = api.get_openapi_schema()["components"]["schemas"]
    assert first.keys() == components.keys()  # the patch saw the whole document being built
    assert dict(replaced) == {}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api.get_openapi_schema()


def _ref(schema: dict[str, Any]) -> str:
    """The component a schema points at, through a list or an optional."""
    if "items" in schema:
        schema = schema["items"]
    if "anyOf" in schema:
        (schema,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
    return schema["$ref"].removeprefix("#/components/schemas/")


def _fields(cls: type[Schema]) -> set[str]:
    return {field.alias or name for name, field in cls.model_fields.items()}


# (old name, method, path, where, properties to follow, class now documented there): each
# name two apps shared until 2026-12-03, checked at an endpoint of each app. `where` is
# "body" or a response status; nested schemas are reached through the named properties;
# paths are under /api/v1.
# (api.get_openapi_schema() keys responses by int; /api/v1/openapi.json by string.)
DOCUMENTED = [
    (
        "BulletinRowOut",
        "get",
        "/assessment/bulletins/{bulletin_id}",
        200,
        ["rows"],
        AssessmentBulletinRowOut,
    ),
    ("BulletinRowOut", "get", "/remote/bulletin", 200, ["total"], BulletinGroupOut),
    ("ChannelOut", "get", "/lessons/showcases", 200, [], ShowcaseChannelOut),
    ("ChannelOut", "get", "/notifications/prefs", 200, ["channels"], NotificationChannelOut),
    ("CheckinIn", "post", "/meetings/checkin", "body", [], MeetingCheckinIn),
    ("CheckinIn", "post", "/remote/checkin", "body", [], ViewingCheckinIn),
    ("CheckinOut", "post", "/meetings/checkin", 200, [], MeetingCheckinOut),
    ("CheckinOut", "post", "/remote/checkin", 200, [], ViewingCheckinOut),
    ("CommentIn", "post", "/community/projects/{project_id}/comment", "body", [], ProjectCommentIn),
    ("CommentIn", "post", "/live/{live_id}/comments", "body", [], LiveCommentIn),
    ("CommentOut", "get", "/lessons/{lesson_id}/comments", 200, [], LessonCommentOut),
    ("CommentOut", "post", "/lessons/{lesson_id}/comments", 200, ["replies"], LessonCommentOut),
    ("CommentOut", "get", "/live/{live_id}/feed", 200, ["comments"], LiveCommentOut),
    ("CommentOut", "get", "/live/{live_id}/feed", 200, ["pinned"], LiveCommentOut),
    ("ContestOut", "get", "/contests/", 200, [], ContestOut),
    ("ContestOut", "post", "/contests/", 201, [], ContestOut),
    ("ContestOut", "get", "/study/contests", 200, [], StudyContestOut),
    (
        "DecisionIn",
        "post",
        "/community/projects/{project_id}/review",
        "body",
        [],
        OfficerDecisionIn,
    ),
    ("DecisionIn", "post", "/community/honors/{honor_id}/decide", "body", [], OfficerDecisionIn),
    ("DecisionIn", "post", "/meetings/{meeting_id}/leave/{leave_id}", "body", [], LeaveDecisionIn),
    ("NoteIn", "post", "/community/activities/{activity_id}/cancel", "body", [], ActivityNoteIn),
    ("NoteIn", "post", "/wishes/{wish_id}/release", "body", [], WishNoteIn),
    ("NoteIn", "post", "/wishes/{wish_id}/dispute", "body", [], WishNoteIn),
    ("NoteIn", "post", "/meetings/{meeting_id}/minutes/return", "body", [], MinutesNoteIn),
    ("OrderIn", "put", "/lessons/showcases/{showcase_id}/order", "body", [], ShowcaseOrderIn),
    ("OrderIn", "post", "/remote/menu/offers/{offer_id}/order", "body", [], MenuOrderIn),
    ("PlanIn", "post", "/meetings/", "body", [], MeetingPlanIn),
    ("PlanIn", "post", "/remote/plans", "body", [], RemotePlanIn),
    ("RateIn", "post", "/community/projects/{project_id}/rate", "body", [], ProjectRateIn),
    ("RateIn", "post", "/lessons/{lesson_id}/rating", "body", [], LessonRateIn),
    ("RecordIn", "post", "/meetings/{meeting_id}/attendance", "body", [], AttendanceRecordIn),
    ("RecordIn", "post", "/remote/viewings/{viewing_id}/record", "body", [], ViewingRecordIn),
    (
        "ReviewIn",
        "put",
        "/contests/{contest_id}/rounds/{number}/entries/{entry_id}/review",
        "body",
        [],
        EntryReviewIn,
    ),
    ("ReviewIn", "post", "/wishes/{wish_id}/review", "body", [], WishReviewIn),
    ("RoundIn", "post", "/community/votes", "body", [], VoteRoundIn),
    ("RoundIn", "post", "/contests/{contest_id}/rounds", "body", [], ContestRoundIn),
    ("RoundOut", "get", "/community/votes/{round_id}", 200, [], VoteRoundOut),
    ("RoundOut", "post", "/community/votes/{round_id}/count", 200, [], VoteRoundOut),
    ("RoundOut", "post", "/contests/{contest_id}/rounds", 200, [], ContestRoundOut),
    ("RoundOut", "get", "/contests/{contest_id}", 200, ["rounds"], ContestRoundOut),
    ("UpdateOut", "get", "/community/projects/{project_id}", 200, ["log"], ProjectUpdateOut),
    (
        "UpdateOut",
        "get",
        "/meetings/rectifications/{item_id}",
        200,
        ["updates"],
        RectificationUpdateOut,
    ),
]


@pytest.mark.parametrize(("old", "method", "path", "where", "through", "cls"), DOCUMENTED)
def test_an_endpoint_is_documented_with_its_own_schema(
    document, old, method, path, where, through, cls
):
    components = document["components"]["schemas"]
    operation = document["paths"][f"/api/v1{path}"][method]
    if where == "body":
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
    else:
        schema = operation["responses"][where]["content"]["application/json"]["schema"]
    for prop in through:
        schema = components[_ref(schema)]["properties"][prop]
    assert _ref(schema) == cls.__name__
    assert set(components[cls.__name__]["properties"]) == _fields(cls)


# The three query schemas: ninja lays their fields out as parameters (and files the schema
# in the components too, unreferenced).
QUERIES = [
    ("BulletinQuery", "/api/v1/assessment/bulletins", AssessmentBulletinQuery),
    ("BulletinQuery", "/api/v1/remote/bulletin", RemoteBulletinQuery),
    ("FeedQuery", "/api/v1/lessons/", LessonFeedQuery),
    ("FeedQuery", "/api/v1/live/{live_id}/feed", LiveFeedQuery),
    ("ListQuery", "/api/v1/meetings/", MeetingListQuery),
    ("ListQuery", "/api/v1/notifications/", NotificationListQuery),
]


@pytest.mark.parametrize(("old", "path", "cls"), QUERIES)
def test_a_query_is_documented_with_its_own_fields(document, old, path, cls):
    parameters = document["paths"][path]["get"]["parameters"]
    assert {p["name"] for p in parameters if p["in"] == "query"} == _fields(cls)
    assert set(document["components"]["schemas"][cls.__name__]["properties"]) == _fields(cls)


def test_the_renamed_pairs_are_documented_apart(document):
    # Each pair is checked above at both apps' endpoints by field names; three pairs share
    # their field names and differ in their limits, which the document now shows apart.
    components = document["components"]["schemas"]

    def prop(name: str, field: str) -> dict[str, Any]:
        return components[name]["properties"][field]

    assert prop("ProjectCommentIn", "text")["maxLength"] == 500
    assert prop("LiveCommentIn", "text")["maxLength"] == 1000
    assert prop("OfficerDecisionIn", "note")["maxLength"] == 300
    assert prop("LeaveDecisionIn", "note")["maxLength"] == 200
    assert "description" not in prop("MeetingCheckinIn", "token")
    assert prop("ViewingCheckinIn", "token")["description"] == "签到二维码中的令牌"
    pairs = [
        ("AssessmentBulletinRowOut", "BulletinGroupOut"),
        ("ShowcaseChannelOut", "NotificationChannelOut"),
        ("MeetingCheckinIn", "ViewingCheckinIn"),
        ("MeetingCheckinOut", "ViewingCheckinOut"),
        ("ProjectCommentIn", "LiveCommentIn"),
        ("LessonCommentOut", "LiveCommentOut"),
        ("ContestOut", "StudyContestOut"),
        ("OfficerDecisionIn", "LeaveDecisionIn"),
        ("ActivityNoteIn", "MinutesNoteIn"),
        ("WishNoteIn", "MinutesNoteIn"),
        ("ShowcaseOrderIn", "MenuOrderIn"),
        ("MeetingPlanIn", "RemotePlanIn"),
        ("ProjectRateIn", "LessonRateIn"),
        ("AttendanceRecordIn", "ViewingRecordIn"),
        ("EntryReviewIn", "WishReviewIn"),
        ("VoteRoundIn", "ContestRoundIn"),
        ("VoteRoundOut", "ContestRoundOut"),
        ("ProjectUpdateOut", "RectificationUpdateOut"),
        ("AssessmentBulletinQuery", "RemoteBulletinQuery"),
        ("LessonFeedQuery", "LiveFeedQuery"),
        ("MeetingListQuery", "NotificationListQuery"),
    ]
    same = [(a, b) for a, b in pairs if components[a]["properties"] == components[b]["properties"]]
    # The one pair whose clash did no harm: both rate 1–5 (renamed all the same).
    assert same == [("ProjectRateIn", "LessonRateIn")]
