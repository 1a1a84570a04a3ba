"""Every response and request schema of the API has its own name: django-ninja files
schemas in the OpenAPI components by class name, so two apps' `AttendanceOut` became one
and the meetings endpoint was documented with the remote app's shape (the fuzz stage
found it)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from xianfeng.api import api


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


# Names two apps already share (found 2026-12-03): each is a place where one endpoint may be
# documented with the other's shape. Rename them away; a new clash fails at once.
KNOWN = {
    "BulletinQuery", "BulletinRowOut", "ChannelOut", "CheckinIn", "CheckinOut", "CommentIn",
    "CommentOut", "ContestOut", "DecisionIn", "FeedQuery", "ListQuery", "NoteIn", "OrderIn",
    "PlanIn", "RateIn", "RecordIn", "ReviewIn", "RoundIn", "RoundOut", "UpdateOut",
}  # fmt: skip


def test_schema_class_names_are_unique_across_apps():
    api.get_openapi_schema()  # imports every router
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("xianfeng."):
            by_name[cls.__name__].add(cls.__module__)
    clashes = {name: sorted(mods) for name, mods in by_name.items() if len(mods) > 1}
    assert {name: mods for name, mods in clashes.items() if name not in KNOWN} == {}
