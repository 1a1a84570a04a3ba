"""`manage.py serve` answers a client while many others hold idle keep-alive connections.

granian's --backpressure caps the connections a worker holds, idle keep-alive ones too: at
8 a worker, the 9th client of a one-worker server waited in the listen backlog until one of
the others hung up, and timed out unanswered (55-66 of 9,600 claims in
benchmarks/community.py went so)."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.ops.installs import MANAGE, free_port

pytestmark = pytest.mark.slow


def _get(conn: http.client.HTTPConnection) -> int:
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    response.read()
    return response.status


def test_serve_answers_beyond_idle_keepalive_connections(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "XF_VAR_DIR": str(tmp_path),
        "XF_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "XF_PORT": str(port),
        "PYTHONPATH": str(Path(MANAGE[1]).parent / "src"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [*MANAGE, "serve", "--no-worker", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    held: list[http.client.HTTPConnection] = []
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5))
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.3)
        # 20 clients, each answered once and then idle on its keep-alive connection.
        for _ in range(20):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            _get(conn)
            held.append(conn)
        late = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        started = time.monotonic()
        status = _get(late)  # raised TimeoutError with --backpressure 8
        assert 200 <= status < 600  # an answer (an unmigrated database may say 5xx)
        assert time.monotonic() - started < 5
        late.close()
    finally:
        for conn in held:
            conn.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
