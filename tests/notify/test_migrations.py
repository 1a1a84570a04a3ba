"""The e-mail address moves from notify.Prefs to User.email, and each notification's
e-mail outcome becomes a delivery row — forwards and backwards, nothing lost."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notify", "0003_deliveries_batches_org_policy")]
AFTER = [("notify", "0005_remove_prefs_email_and_notification_email_fields")]
WHEN = datetime.datetime(2026, 3, 10, 7, 0, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([*targets, ("people", "0003_user_email")]).apps


def test_email_and_outcomes_move_forward_and_back():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = migrate(BEFORE)
        User = apps.get_model("people", "User")
        Prefs = apps.get_model("notify", "Prefs")
        Notification = apps.get_model("notify", "Notification")
        zhang = User.objects.create(username="zhang", name="张东街", password="!")
        li = User.objects.create(username="li", name="李西街", password="!")
        wang = User.objects.create(username="wang", name="王柳湾", password="!")
        Prefs.objects.create(user=zhang, email="zhang@example.cn")
        Prefs.objects.create(user=li, email="")
        sent = Notification.objects.create(user=zhang, title="会议通知", emailed_at=WHEN)
        failed = Notification.objects.create(
            user=zhang, title="会议取消", email_error="550 邮箱已满"
        )
        quiet = Notification.objects.create(user=wang, title="三会一课提醒")

        apps = migrate(AFTER)
        User = apps.get_model("people", "User")
        Delivery = apps.get_model("notify", "Delivery")
        assert dict(User.objects.values_list("username", "email")) == {
            "zhang": "zhang@example.cn",
            "li": "",
            "wang": "",
        }
        assert sorted(
            Delivery.objects.values_list(
                "notification_id", "channel", "state", "sent_at", "error", "attempts"
            )
        ) == [
            (sent.pk, "email", "sent", WHEN, "", 1),
            (failed.pk, "email", "failed", None, "550 邮箱已满", 1),
        ]
        assert not Delivery.objects.filter(notification_id=quiet.pk).exists()

        apps = migrate(BEFORE)
        Prefs = apps.get_model("notify", "Prefs")
        Notification = apps.get_model("notify", "Notification")
        assert dict(Prefs.objects.values_list("user__username", "email")) == {
            "zhang": "zhang@example.cn",
            "li": "",
        }
        assert sorted(Notification.objects.values_list("title", "emailed_at", "email_error")) == [
            ("三会一课提醒", None, ""),
            ("会议取消", None, "550 邮箱已满"),
            ("会议通知", WHEN, ""),
        ]
    finally:
        MigrationExecutor(connection).migrate(latest)
