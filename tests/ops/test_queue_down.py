"""Redis down with XF_TASKS=rq: a request that queues work after its commit still answers
what it did (no 500 for a saved comment, which would invite a duplicate); nothing is lost:
the event stays undispatched until the sweep delivers it, a video says the queue is down and
offers its retry button, notification deliveries wait for notify.deliver."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from tests.factories import LessonFactory, UserFactory
from xianfeng.audit import events
from xianfeng.audit.enqueue import failed_enqueues
from xianfeng.audit.models import AuditLog
from xianfeng.lessons.models import Comment
from xianfeng.media.enums import VideoStatus
from xianfeng.media.models import Video
from xianfeng.media.services.videos import QUEUE_DOWN, _video_row
from xianfeng.notify.models import Delivery
from xianfeng.notify.services.sending import notify
from xianfeng.ops.metrics import ENQUEUE_FAILURES

# Nothing listens on port 1: every connection is refused at once.
DOWN = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "media"]}},
    "TASKS_MODE": "rq",
    "RQ_QUEUES": {
        name: {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60}
        for name in ("default", "media")
    },
}


@pytest.fixture
def heard():
    got: list[int] = []
    events.subscribe("comment.created", name="ops.test", handler=lambda e: got.append(e.id))
    yield got
    events.unsubscribe("ops.test")


@pytest.mark.django_db(transaction=True)
def test_comment_saved_while_redis_is_down_is_delivered_by_the_sweep(client, county, heard, caplog):
    lesson = LessonFactory(org=county.branch_a1, published=True)
    client.force_login(county.member_a1.user)
    before = failed_enqueues.get("xianfeng.audit.tasks.dispatch_events", 0)
    counted = ENQUEUE_FAILURES._value.get()  # what /metrics adds up
    with override_settings(**DOWN), caplog.at_level(logging.ERROR, logger="xianfeng.audit"):
        response = client.post(
            f"/api/v1/lessons/{lesson.pk}/comments",
            {"text": "停电那天的事，我也记得"},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    comment = Comment.objects.get()
    assert comment.text == "停电那天的事，我也记得"
    row = AuditLog.objects.get(event="comment.created")
    assert row.dispatched_at is None
    assert heard == []
    assert failed_enqueues["xianfeng.audit.tasks.dispatch_events"] == before + 1
    assert ENQUEUE_FAILURES._value.get() == counted + 1
    assert [r.getMessage() for r in caplog.records] == [
        f"could not queue task xianfeng.audit.tasks.dispatch_events {{'event_ids': [{row.pk}]}}: "
        "ConnectionError: Error 111 connecting to 127.0.0.1:1. Connection refused."
    ]
    # Redis is back: the sweep (every minute) finds the event and delivers it, once.
    # One delivery per subscriber of comment.created (this test's, and learning points').
    subscribers = len(events.subscribers_for("comment.created"))
    assert events.sweep(now=row.created_at + events.SWEEP_AFTER) == subscribers
    assert heard == [row.pk]
    assert events.sweep(now=row.created_at + events.SWEEP_AFTER) == 0
    assert heard == [row.pk]


@pytest.mark.django_db(transaction=True)
def test_video_whose_processing_cannot_be_queued_offers_a_retry(county, settings, tmp_path):
    from django.core.files.storage import storages

    name = storages["private"].save("sources/ops-test.mp4", __import__("io").BytesIO(b"x" * 10))
    try:
        with override_settings(**DOWN):
            video = _video_row(
                owner=county.member_a1.user,
                source_name=name,
                original_name="微党课.mp4",
                target_kind="",
                target_id="",
            )
        video = Video.objects.get(pk=video.pk)
        assert (video.status, video.failure_reason) == (VideoStatus.FAILED, QUEUE_DOWN)
    finally:
        storages["private"].delete(name)


@pytest.mark.django_db(transaction=True)
def test_notifications_queued_while_redis_is_down_wait_for_the_delivery_job(county):
    person = UserFactory(username="told", name="被通知人", email="told@example.cn")
    with override_settings(**DOWN):
        sent = notify(users=[person], title="每日备份失败", kind="ops.backup_failed")
    assert sent.told == 1
    pending = Delivery.objects.filter(notification__user=person)
    assert list(pending.values_list("channel", "state")) == [("email", "queued")]
    # Redis is back: the notify.deliver job (every minute) sends what is due.
    from xianfeng.notify.services import deliveries_send

    deliveries_send()
    assert list(pending.values_list("channel", "state")) == [("email", "sent")]
