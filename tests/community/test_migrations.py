"""Open activities posted twice before the open-repeat constraint are told apart by a
numbered title, so the unique index can be built; nothing is cancelled or lost."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("community", "0007_campaign_meeting")]
AFTER = [("community", "0009_activity_one_open_repeat")]
START = datetime.datetime(2026, 6, 1, 1, 0, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    # Users and orgs as they are now (only community moves back and forth).
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] in ("people", "orgs")]
    return executor.loader.project_state([*targets, *others]).apps


def test_open_repeats_are_numbered_and_the_constraint_holds():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = migrate(BEFORE)
        User = apps.get_model("people", "User")
        Org = apps.get_model("orgs", "Org")
        Activity = apps.get_model("community", "Activity")
        poster = User.objects.create(username="zhang", name="张书记", password="!")
        org = Org.objects.create(code="A1", name="东街社区党支部", kind="branch", path="0001")

        def post(title, state="published"):
            return Activity.objects.create(
                org=org, kind="cleanup", title=title, starts_at=START,
                ends_at=START + datetime.timedelta(hours=2), place="东街广场", capacity=5,
                signup_deadline=START, checkin_key="k", created_by=poster, state=state,
            ).pk  # fmt: skip

        long = "东" * 60
        title = "背街小巷环境整治"
        first, second, third = post(title), post(title), post(title)
        cancelled = post(title, state="cancelled")
        long_first, long_second = post(long), post(long)

        apps = migrate(AFTER)
        Activity = apps.get_model("community", "Activity")
        titles = dict(Activity.objects.values_list("pk", "title"))
        assert titles == {
            first: "背街小巷环境整治",
            second: "背街小巷环境整治（2）",
            third: "背街小巷环境整治（3）",
            cancelled: "背街小巷环境整治",
            long_first: long,
            long_second: "东" * 57 + "（2）",
        }
        assert Activity.objects.filter(state="published").count() == 5
    finally:
        migrate(latest)
