"""Domain events: written with the change, delivered after the commit, at least once,
retried with back-off, swept up after a crash, replayable; handlers keyed by event id."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import OrgFactory as _OrgFactory
from xianfeng.audit import events
from xianfeng.audit.models import AuditLog, DeliveryState, EventDelivery

pytestmark = pytest.mark.django_db


class Recorder:
    """A subscriber that remembers what it was handed and writes a row per event, so a
    rolled-back handler can be told from one that committed."""

    def __init__(self, *, fail: int = 0) -> None:
        self.seen: list[events.Event] = []
        self.fail = fail

    def __call__(self, event: events.Event) -> None:
        self.seen.append(event)
        AuditLog.objects.create(
            action="test.handled", object_type="test", object_id=str(event.id), object_repr="x"
        )
        if self.fail > 0:
            self.fail -= 1
            raise RuntimeError("订阅者出错")


@pytest.fixture
def recorder():
    handler = Recorder()
    events.subscribe("org.renamed", name="test.recorder", handler=handler)
    yield handler
    events.unsubscribe("test.recorder")


def OrgFactory(**kwargs):
    """A branch under a county (a branch cannot sit at the top of the tree)."""
    from xianfeng.orgs.enums import OrgKind
    from xianfeng.orgs.models import Org

    root = Org.objects.filter(code="EVC").first() or _OrgFactory(
        code="EVC", name="事件县委", kind=OrgKind.COMMITTEE
    )
    return _OrgFactory(parent=root, **kwargs)


def handled_rows() -> list[str]:
    return list(AuditLog.objects.filter(action="test.handled").values_list("object_id", flat=True))


def publish(org) -> AuditLog:
    return events.publish(
        "org.renamed", actor=None, obj=org, org=org, data={"old": "旧名", "new": org.name}
    )


def test_event_reaches_its_subscriber_after_the_commit(
    recorder, django_capture_on_commit_callbacks
):
    org = OrgFactory(name="东街社区党支部")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = publish(org)
        assert recorder.seen == []  # not before the commit
    (event,) = recorder.seen
    assert (event.id, event.name, event.object_id, event.org_id) == (
        row.pk,
        "org.renamed",
        str(org.pk),
        org.pk,
    )
    assert event.data == {"old": "旧名", "new": "东街社区党支部"}
    delivery = EventDelivery.objects.get(event=row)
    assert (delivery.subscriber, delivery.state, delivery.attempts) == ("test.recorder", "done", 1)
    row.refresh_from_db()
    assert row.dispatched_at is not None and row.event == "org.renamed"


def test_rolled_back_change_publishes_nothing(recorder, django_capture_on_commit_callbacks):
    org = OrgFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        publish(org)
        raise ZeroDivisionError
    assert callbacks == []
    assert not AuditLog.objects.filter(event="org.renamed").exists()
    assert recorder.seen == []


def test_event_nobody_listens_to_is_marked_dispatched_at_once(django_capture_on_commit_callbacks):
    org = OrgFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = events.publish("org.nobody_listens", actor=None, obj=org)
    assert callbacks == []
    row.refresh_from_db()
    assert row.dispatched_at is not None
    assert events.sweep(now=timezone.now() + datetime.timedelta(hours=1)) == 0


def test_dispatching_twice_runs_the_handler_once(recorder):
    row = publish(OrgFactory())
    assert events.dispatch([row.pk]) == 1
    assert events.dispatch([row.pk]) == 0  # the task ran again (at least once)
    assert events.sweep(now=timezone.now() + datetime.timedelta(hours=1)) == 0
    assert len(recorder.seen) == 1 and handled_rows() == [str(row.pk)]


def test_failing_handler_is_retried_with_back_off_and_its_writes_roll_back(recorder):
    recorder.fail = 2
    row = publish(OrgFactory())
    start = timezone.now()
    assert events.dispatch([row.pk]) == 0
    delivery = EventDelivery.objects.get(event=row)
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 1)
    assert "RuntimeError: 订阅者出错" in delivery.last_error
    assert start + datetime.timedelta(seconds=59) < delivery.next_attempt_at
    assert delivery.next_attempt_at < start + datetime.timedelta(seconds=70)
    assert handled_rows() == []  # the failed handler's own row rolled back

    # Not due yet: nothing happens.
    assert events.sweep(now=start + datetime.timedelta(seconds=30)) == 0
    assert len(recorder.seen) == 1
    # Due: fails again; the next wait is five minutes.
    assert events.sweep(now=start + datetime.timedelta(minutes=2)) == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 2)
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(minutes=4)
    # Third time lucky.
    assert events.sweep(now=start + datetime.timedelta(minutes=10)) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("done", 3, "")
    assert handled_rows() == [str(row.pk)]


def test_handler_failing_every_time_is_given_up_and_left_visible(recorder):
    recorder.fail = 100
    row = publish(OrgFactory())
    events.dispatch([row.pk])
    later = timezone.now()
    for _ in range(len(events.BACKOFF)):
        later += datetime.timedelta(days=1)
        events.sweep(now=later)
    delivery = EventDelivery.objects.get(event=row)
    assert (delivery.state, delivery.attempts) == (DeliveryState.DEAD, len(events.BACKOFF) + 1)
    assert delivery.next_attempt_at is None
    events.sweep(now=later + datetime.timedelta(days=30))
    assert len(recorder.seen) == len(events.BACKOFF) + 1


def test_sweep_dispatches_an_event_a_crash_left_behind(
    recorder, django_capture_on_commit_callbacks
):
    # The commit happened, the task was never enqueued (the process died in between).
    with django_capture_on_commit_callbacks(execute=False):
        row = publish(OrgFactory())
    assert recorder.seen == []
    assert events.sweep(now=timezone.now() + datetime.timedelta(seconds=5)) == 0  # too fresh
    assert events.sweep(now=timezone.now() + datetime.timedelta(minutes=1)) == 1
    assert [e.id for e in recorder.seen] == [row.pk]


def test_replay_runs_handlers_again_for_a_range(recorder):
    first = publish(OrgFactory(code="R1"))
    second = publish(OrgFactory(code="R2"))
    other = events.publish("org.moved", actor=None, obj=OrgFactory(code="R3"))
    events.dispatch([first.pk, second.pk, other.pk])
    assert len(recorder.seen) == 2
    assert events.replay(first_id=second.pk) == 1
    assert [e.id for e in recorder.seen] == [first.pk, second.pk, second.pk]
    assert events.replay(first_id=first.pk, last_id=second.pk, pattern="org.moved") == 0
    assert events.replay(first_id=first.pk, subscriber="nobody") == 0


def test_glob_patterns_subscribe_to_a_family(recorder):
    family = Recorder()
    events.subscribe("org.*", name="test.family", handler=family)
    try:
        row = publish(OrgFactory())
        other = events.publish("meeting.approved", actor=None, obj=OrgFactory(code="G2"))
        events.dispatch([row.pk, other.pk])
        assert [e.name for e in family.seen] == ["org.renamed"]
    finally:
        events.unsubscribe("test.family")


def test_a_name_is_registered_once():
    events.subscribe("a.b", name="test.once", handler=print)
    try:
        with pytest.raises(ValueError, match="already registered"):
            events.subscribe("c.d", name="test.once", handler=print)
    finally:
        events.unsubscribe("test.once")
