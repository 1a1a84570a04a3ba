"""The request id travels into the tasks a request queues: the worker's lines of the job
carry it (database queue and RQ); a job no request queued gets its own id; a task's line
says how long it ran; a phone number in a task's line is masked."""

from __future__ import annotations

import json
import logging
import os

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.factories import UserFactory
from xianfeng.common import tasking
from xianfeng.ops.logs import JsonFormatter
from xianfeng.people.tasks import prune_people_data

DB_TASKS = {"default": {"BACKEND": "xianfeng.common.tasking.DatabaseBackend", "QUEUES": []}}
RID = "lb-0123456789ab"


def queued_by_a_request(task, rid: str = RID):  # type: ignore[no-untyped-def]
    token = tasking.request_id.set(rid)
    try:
        return task.enqueue()
    finally:
        tasking.request_id.reset(token)


def task_lines(caplog) -> dict[str, logging.LogRecord]:  # type: ignore[no-untyped-def]
    return {r.task_id: r for r in caplog.records if r.name == "xianfeng.task"}


@pytest.mark.django_db(transaction=True)
def test_database_worker_logs_each_job_under_the_request_that_queued_it(caplog):
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DB_TASKS, TASKS_MODE="db"):
        asked = queued_by_a_request(prune_people_data)
        periodic = prune_people_data.enqueue()  # no request: a periodic job, a sweep
        assert DBTaskResult.objects.get(pk=asked.id).args_kwargs == {
            "args": [],
            "kwargs": {},
            "request_id": RID,
        }
        assert "request_id" not in DBTaskResult.objects.get(pk=periodic.id).args_kwargs
        caplog.set_level(logging.INFO)
        call_command("xf_worker", "--queues", "default", "--batch", "--interval", "0.1")
    lines = task_lines(caplog)
    assert lines[str(asked.id)].request_id == RID
    assert lines[str(periodic.id)].request_id == f"task-{str(periodic.id)[:12]}"
    line = json.loads(JsonFormatter().format(lines[str(asked.id)]))
    assert (line["request_id"], line["task"], line["status"]) == (
        RID,
        "xianfeng.people.tasks.prune_people_data",
        "SUCCESSFUL",
    )
    assert line["duration_ms"] >= 0
    # The library's own lines of the job carry it too, and nothing leaks past the job.
    started = [
        r for r in caplog.records if r.name == "django_tasks" and str(asked.id) in r.msg % r.args
    ]
    assert started and {r.request_id for r in started} == {RID}
    assert tasking.request_id.get() == "-"


@pytest.mark.django_db(transaction=True)
def test_rq_worker_logs_each_job_under_the_request_that_queued_it(caplog):
    import django_rq
    import redis
    from rq import SimpleWorker

    base = os.environ.get("XF_TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
    url = f"{base}/12"  # this test's own (others flush 13–15)
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"Redis at {url} is unreachable: {exc}")
    redis.Redis.from_url(url).flushdb()
    queues = {name: {"URL": url, "DEFAULT_TIMEOUT": 60} for name in ("default", "media")}
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    try:
        with override_settings(TASKS=rq_tasks, TASKS_MODE="rq", RQ_QUEUES=queues):
            asked = queued_by_a_request(prune_people_data)
            other = prune_people_data.enqueue()
            queue = django_rq.get_queue("default", job_class=tasking.RQJob)
            assert isinstance(queue, tasking.RQQueue)
            assert queue.fetch_job(asked.id).meta["request_id"] == RID
            assert "request_id" not in queue.fetch_job(other.id).meta
            caplog.set_level(logging.INFO)
            # A SimpleWorker runs the job in this process (where the test database is).
            worker = SimpleWorker([queue], connection=queue.connection, job_class=tasking.RQJob)
            worker.work(burst=True)
    finally:
        redis.Redis.from_url(url).flushdb()
    lines = task_lines(caplog)
    assert lines[asked.id].request_id == RID
    assert lines[other.id].request_id == f"task-{other.id[:12]}"
    assert tasking.request_id.get() == "-"


def test_a_phone_number_in_a_task_line_is_masked(caplog):
    from xianfeng.ops.logs import TextFormatter

    caplog.set_level(logging.INFO)
    token = tasking.request_id.set(RID)
    try:
        logging.getLogger("xianfeng.notify").info(
            "短信发给 %s，身份证 %s", "13900000003", "11010119900307123X"
        )
    finally:
        tasking.request_id.reset(token)
    (record,) = [r for r in caplog.records if r.name == "xianfeng.notify"]
    text = TextFormatter("%(levelname)s [%(request_id)s] %(message)s").format(record)
    assert text == f"INFO [{RID}] 短信发给 139****0003，身份证 [身份证号]"
    assert (
        json.loads(JsonFormatter().format(record))["message"]
        == "短信发给 139****0003，身份证 [身份证号]"
    )


def test_request_line_names_the_persons_org_never_their_numbers(client, county, caplog):
    caplog.set_level(logging.INFO, logger="xianfeng.request")
    member = county.member_a1
    client.force_login(member.user)
    client.get("/", HTTP_X_REQUEST_ID=RID)  # the home page reads the member record
    (record,) = [r for r in caplog.records if r.name == "xianfeng.request"]
    assert (record.user_id, record.org_id) == (member.user.pk, member.org_id)
    line = JsonFormatter().format(record)
    assert member.user.phone not in line and member.id_number not in line
    caplog.clear()
    resident = UserFactory()
    client.force_login(resident)
    client.get("/", HTTP_X_REQUEST_ID=RID)
    (record,) = [r for r in caplog.records if r.name == "xianfeng.request"]
    assert (record.user_id, record.org_id) == (resident.pk, resident.home_org_id)
