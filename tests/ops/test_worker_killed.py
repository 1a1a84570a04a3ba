"""The task worker SIGKILLed in the middle of a job, for each kind of task (database queue,
the embedded setup): after a restart the job completes, and what it does happens once.

- notification delivery (notify's send_batch after a notice): the worker dies while the SMS
  provider holds the second of three messages;
- a periodic job (notify.deliver, the every-minute retry of due deliveries, enqueued by
  the worker's heartbeat): the same, three retries due;
- event delivery (dispatch of comment.created): the worker dies inside the last subscriber,
  after the real ones (learning points) have committed theirs;
- transcoding: tests/media/test_recovery.py (a real worker SIGKILLed mid-ffmpeg), and on
  RQ the requeue of jobs whose worker died (there too).

A killed worker's heartbeat goes stale after XF_WORKER_STALE_SECONDS; the test ages it at
once instead of waiting.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.ops.installs import MANAGE, REPO, Install, make_install, query

HERE = Path(__file__).resolve().parent


class Provider:
    """A fake SMS provider: records each message's `ref`, holds the `hold_at`-th request
    open until released (the worker is then inside the job, waiting for the answer)."""

    def __init__(self, hold_at: int) -> None:
        self.refs: list[str] = []
        self.hold_at = hold_at
        self.held = threading.Event()
        self.release = threading.Event()
        lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    provider.refs.append(payload["ref"])
                    n = len(provider.refs)
                if n == provider.hold_at:
                    provider.held.set()
                    provider.release.wait(60)
                body = json.dumps({"id": f"sms-{n}"}).encode()
                with contextlib.suppress(OSError):  # the worker may be gone
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition: Callable[[], object], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def descendants(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(FileNotFoundError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


class Worker:
    """`manage.py xf_worker` in its own session, killed with everything it started (an
    RQ work horse sits in a process group of its own)."""

    def __init__(self, install: Install, log: Path) -> None:
        self.out = log.open("wb")
        self.proc = subprocess.Popen(
            [*MANAGE, "xf_worker", "--queues", "default", "--interval", "0.2"],
            env=install.env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        victims = [self.proc.pid, *descendants(self.proc.pid)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=20)
        self.out.close()


def age_dead_worker(install: Install) -> None:
    """What time does to a killed worker: its heartbeat row goes stale."""
    query(install, "UPDATE common_workerbeat SET last_seen = '2000-01-01 00:00:00'")


def restart(install: Install) -> str:
    """A new worker that recovers what the dead one held, works the queue empty and stops."""
    done = install.manage("xf_worker", "--queues", "default", "--batch", timeout=240)
    return done.stdout + done.stderr


def periodic_due(install: Install, name: str, due: bool) -> None:
    """Make one periodic job due now, or none of them due for the rest of the test."""
    query(install, "UPDATE common_periodicrun SET last_run = '2100-01-01 00:00:00'")
    if due:
        query(
            install,
            f"UPDATE common_periodicrun SET last_run = '2000-01-01 00:00:00' WHERE name = '{name}'",
        )


def ids(worker_ids: str | list[str]) -> list[str]:
    """A JSON column: text from SQLite, already a list from PostgreSQL."""
    return worker_ids if isinstance(worker_ids, list) else json.loads(worker_ids)


def deliveries(install: Install) -> dict[str, str]:
    rows = query(install, "SELECT id, state FROM notify_delivery WHERE channel = 'sms'")
    return {f"xf-{pk}": state for pk, state in rows}


@pytest.fixture
def installed(tmp_path):
    provider = Provider(hold_at=2)
    install = make_install(tmp_path, "kill", migrated=True, XF_NOTIFY_CHANNELS="email,sms")
    install.env.update(
        DJANGO_SETTINGS_MODULE="tests.ops.stall_settings",
        PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}",
        XF_SMS_BACKEND="http",
        XF_SMS_URL="http://127.0.0.1:9/sms",  # nothing listens: the first try fails
    )
    prepared = install.python(HERE / "prepare_worker.py", timeout=600)
    facts = json.loads(prepared.strip().splitlines()[-1])
    install.env.update(XF_SMS_URL=provider.url, XF_TASKS="db")
    yield install, provider, facts
    provider.close()
    install.drop()


def kill_while(install: Install, tmp_path: Path, name: str, inside: Callable[[], object]) -> None:
    worker = Worker(install, tmp_path / f"{name}.log")
    try:
        wait_for(inside, f"the worker to be inside the {name} job")
    finally:
        worker.kill()


def assert_sent_once(install: Install, provider: Provider, before: list[str]) -> None:
    """Each message reached the provider once; the one in flight at the kill is left
    'sending' (the provider has it; notify fails it as interrupted later, never resends)."""
    received = Counter(provider.refs[len(before) :])
    assert sorted(received.values()) == [1, 1, 1], received
    states = deliveries(install)
    held = provider.refs[len(before) + 1]
    assert states[held] == "sending"
    assert sorted(v for k, v in states.items() if k in received and k != held) == ["sent", "sent"]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_worker_killed_mid_job_each_kind_completes_once_after_restart(installed, tmp_path):
    install, provider, facts = installed
    assert set(deliveries(install).values()) == {"queued"}  # due for their retry

    # 1. The periodic job: notify.deliver is made due (and no other periodic job, for the
    #    whole test); the worker's first beat enqueues it.
    query(install, "UPDATE notify_delivery SET due_at = '2000-01-01 00:00:00'")
    periodic_due(install, "notify.deliver", True)
    kill_while(install, tmp_path, "periodic", provider.held.is_set)
    provider.release.set()
    age_dead_worker(install)
    out = restart(install)
    assert "已重新排队 1 个中断的任务" in out, out
    assert_sent_once(install, provider, before=[])
    # Enqueued once, run by two workers, finished once.
    jobs = query(
        install,
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'xianfeng.notify.tasks.send_due_deliveries'",
    )
    assert [(s, len(ids(w))) for s, w in jobs] == [("SUCCESSFUL", 2)]

    periodic_due(install, "notify.deliver", False)

    # 2. Notification delivery: a new notice's batch job, killed on its second message.
    first = list(provider.refs)
    provider.held.clear()
    provider.release.clear()
    provider.hold_at = len(first) + 2
    install.manage(
        "shell",
        "-c",
        "from xianfeng.notify.services.sending import notify\n"
        "from xianfeng.people.models import User\n"
        "people = User.objects.filter(phone__startswith='1770000')\n"
        "notify(users=people, kind='ops.backup_failed', title='每日备份失败', body='第二次')\n",
    )
    kill_while(install, tmp_path, "batch", provider.held.is_set)
    provider.release.set()
    age_dead_worker(install)
    out = restart(install)
    assert "已重新排队 1 个中断的任务" in out, out
    assert_sent_once(install, provider, before=first)
    jobs = query(
        install,
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'xianfeng.notify.tasks.send_batch'",
    )
    assert [(s, len(ids(w))) for s, w in jobs] == [("SUCCESSFUL", 2)]

    # 3. Event delivery: a comment's event; the worker dies inside the last subscriber.
    (install.var / "stall").touch()
    install.manage(
        "shell",
        "-c",
        "from xianfeng.lessons.models import Lesson\n"
        "from xianfeng.lessons.services import comment_add\n"
        "from xianfeng.people.models import User\n"
        f"comment_add(user=User.objects.get(pk={facts['member']}),"
        f" lesson=Lesson.objects.get(pk={facts['lesson']}),"
        " text='学习了这一课，很受教育，要把讲的道理用到工作中去')\n",
    )
    ((event,),) = query(install, "SELECT id FROM audit_auditlog WHERE event = 'comment.created'")
    stalled = install.var / f"stalled-{event}"
    kill_while(install, tmp_path, "event", stalled.exists)
    # Everything before the stalled subscriber committed; the stalled one did not.
    before = dict(
        query(
            install, f"SELECT subscriber, state FROM audit_eventdelivery WHERE event_id = {event}"
        )
    )
    assert "zz.stall" not in before and before and set(before.values()) == {"done"}, before
    (install.var / "stall").unlink()
    age_dead_worker(install)
    out = restart(install)
    assert "已重新排队 1 个中断的任务" in out, out
    after = query(
        install,
        f"SELECT subscriber, state, attempts FROM audit_eventdelivery WHERE event_id = {event}",
    )
    assert sorted(after) == sorted([(s, "done", 1) for s in [*before, "zz.stall"]])
    points = query(install, f"SELECT rule, points FROM study_pointsentry WHERE event_id = {event}")
    assert len(points) == 1, points  # the comment's learning points, once
    ((dispatched,),) = query(
        install, f"SELECT dispatched_at IS NOT NULL FROM audit_auditlog WHERE id = {event}"
    )
    assert dispatched

    # 4. The same notification delivery on RQ (XF_TASKS=rq): the worker and its work horse
    #    SIGKILLed while the provider holds the second message; once the dead worker's key
    #    has expired, the next worker puts the job back and it finishes, each message once.
    rq_url = rq_database()
    install.env.update(XF_TASKS="rq", XF_RQ_URL=rq_url)
    try:
        second = list(provider.refs)
        provider.held.clear()
        provider.release.clear()
        provider.hold_at = len(second) + 2
        install.manage(
            "shell",
            "-c",
            "from xianfeng.notify.services.sending import notify\n"
            "from xianfeng.people.models import User\n"
            "people = User.objects.filter(phone__startswith='1770000')\n"
            "notify(users=people, kind='ops.backup_failed', title='每日备份失败', body='第三次')\n",
        )
        kill_while(install, tmp_path, "rq", provider.held.is_set)
        provider.release.set()
        expire_rq_workers(rq_url)
        out = restart(install)
        assert "已重新排队 1 个中断的任务" in out, out
        assert_sent_once(install, provider, before=second)
    finally:
        import redis

        redis.Redis.from_url(rq_url).flushdb()


def rq_database() -> str:
    """This test's own Redis database (others use 12–15), empty; skipped without Redis
    outside CI."""
    import redis

    base = os.environ.get("XF_TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
    url = f"{base}/11"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"Redis at {url} is unreachable: {exc}")
    return url


def expire_rq_workers(url: str) -> None:
    """What time does to a killed RQ worker: its key (kept alive by its heartbeat, with a
    TTL) expires."""
    import redis

    connection = redis.Redis.from_url(url)
    for key in connection.scan_iter("rq:worker:*"):
        connection.delete(key)
