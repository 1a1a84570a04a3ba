"""Both task backends run our tasks: the database queue (embedded) and RQ on Redis."""

from __future__ import annotations

import datetime
import os
import threading

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.factories import UserFactory
from xianfeng.common import periodic
from xianfeng.common.models import PeriodicRun, WorkerBeat
from xianfeng.common.workers import recover_orphaned_jobs, worker_beat
from xianfeng.people.models import ApiToken
from xianfeng.people.tasks import prune_people_data

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def expired_token() -> ApiToken:
    return ApiToken.objects.create(
        user=UserFactory(),
        key_hash="x" * 64,
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )


@pytest.mark.django_db(transaction=True)
def test_database_worker_runs_an_enqueued_task():
    expired_token()
    with override_settings(TASKS=DB_TASKS, TASKS_MODE="db"):
        result = prune_people_data.enqueue()
        assert ApiToken.objects.count() == 1  # queued, not run
        call_command("xf_worker", "--queues", "default", "--batch", "--interval", "0.1")
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value == {"previews": 0, "tokens": 1, "password_links": 0}
    assert ApiToken.objects.count() == 0
    assert WorkerBeat.objects.count() == 0  # a worker that stops says goodbye


@pytest.mark.django_db
def test_job_left_running_by_a_dead_worker_is_requeued():
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DB_TASKS, TASKS_MODE="db"):
        result = prune_people_data.enqueue()
        job = DBTaskResult.objects.get(pk=result.id)
        job.claim("dead-worker")
        worker_beat(worker_id="live-worker", queues="default")
        other = DBTaskResult.objects.get(pk=prune_people_data.enqueue().id)
        other.claim("live-worker")
        assert recover_orphaned_jobs() == 1
        job.refresh_from_db()
        other.refresh_from_db()
        assert (job.status, other.status) == ("READY", "RUNNING")


def redis_or_skip():
    import redis

    url = os.environ.get("XF_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"Redis at {url} is unreachable: {exc}")
    client.flushdb()
    return url


@pytest.mark.django_db(transaction=True)
def test_rq_worker_runs_an_enqueued_task():
    url = redis_or_skip()
    expired_token()
    queues = {name: {"URL": url, "DEFAULT_TIMEOUT": 60} for name in ("default", "media")}
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "media"]}}
    with override_settings(TASKS=rq_tasks, TASKS_MODE="rq", RQ_QUEUES=queues):
        import django_rq
        from django_tasks_rq import Job
        from rq import SimpleWorker

        result = prune_people_data.enqueue()
        assert ApiToken.objects.count() == 1
        worker = django_rq.get_worker("default", worker_class=SimpleWorker, job_class=Job)
        worker.work(burst=True)
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value == {"previews": 0, "tokens": 1, "password_links": 0}
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_periodic_job_is_enqueued_once_per_interval():
    now = timezone.now()
    with override_settings(TASKS=DB_TASKS, TASKS_MODE="db"):
        first = periodic.enqueue_due(now)
        again = periodic.enqueue_due(now + datetime.timedelta(minutes=1))
        later = periodic.enqueue_due(now + datetime.timedelta(hours=6, minutes=1))
    assert "people.prune" in first
    assert "people.prune" not in again
    assert "people.prune" in later
    assert PeriodicRun.objects.get(name="people.prune").last_run == now + datetime.timedelta(
        hours=6, minutes=1
    )


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz").json() == {"database": "ok", "worker": "inline"}
    with override_settings(TASKS=DB_TASKS, TASKS_MODE="db"):
        response = client.get("/healthz")
        assert (response.status_code, response.json()["worker"]) == (503, "no worker heartbeat")
        worker_beat(worker_id="w1", queues="default")
        response = client.get("/healthz")
        assert (response.status_code, response.json()["worker"]) == (200, "ok (1)")
        WorkerBeat.objects.update(last_seen=timezone.now() - datetime.timedelta(minutes=5))
        assert client.get("/healthz").status_code == 503


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_fork_waits_for_the_heartbeats_database_work():
    """The RQ worker forks a work horse per job while the heartbeat thread beats; a fork in
    the middle of a beat's write would copy a SQLite write lock that nobody in the child
    can release. A beat under way holds the fork back until it is done."""
    from xianfeng.common import workers

    inside, done = threading.Event(), threading.Event()

    def beat() -> None:
        with workers._beating:
            inside.set()
            done.wait(10)

    forked = threading.Event()

    def fork() -> None:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        forked.set()
        os.waitpid(pid, 0)

    beating = threading.Thread(target=beat)
    beating.start()
    assert inside.wait(10)
    forking = threading.Thread(target=fork)
    forking.start()
    assert not forked.wait(0.3)  # held back while the beat runs
    done.set()
    beating.join(10)
    forking.join(10)
    assert forked.is_set()
    assert not workers._beating.locked()
