"""Whole installations in subprocesses for the operations tests: a var folder and a
database of their own (a SQLite file, or a scratch PostgreSQL database when the suite runs
on PostgreSQL), and `manage.py` run against them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from xianfeng.ops.backup.database import Target

REPO = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(REPO / "manage.py")]


def on_postgres() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def _admin_conn():  # type: ignore[no-untyped-def]
    from tests import dbtemplate

    return dbtemplate.admin_connection(settings.DATABASES["default"])


@dataclass
class Install:
    var: Path
    url: str
    target: Target
    pg_name: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def manage(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*MANAGE, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def python(self, script: Path, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, str(script), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def drop(self) -> None:
        if self.pg_name:
            with _admin_conn() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def make_install(root: Path, name: str, *, migrated: bool = False, **extra_env: str) -> Install:
    """An installation in `root/name`; with `migrated`, its database starts as a copy of the
    migrated template (tests/dbtemplate.py), so its `migrate` has nothing left to do."""
    from tests import dbtemplate

    migrated = migrated and dbtemplate.enabled()
    var = root / name
    var.mkdir(parents=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("XF_") and key not in ("DJANGO_SETTINGS_MODULE",)
    }
    env.update(
        XF_VAR_DIR=str(var),
        XF_TASKS="immediate",
        XF_LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO / "src"),
        **extra_env,
    )
    if on_postgres():
        db = settings.DATABASES["default"]
        pg_name = f"xf_ops_{name}_{uuid.uuid4().hex[:8]}"
        if migrated:
            dbtemplate.pg_copy(db, pg_name)
        else:
            with _admin_conn() as conn:
                conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = dbtemplate.database_url(db, pg_name)
        env["XF_DATABASE_URL"] = url
        target = Target(
            vendor="postgresql",
            dbname=pg_name,
            user=db.get("USER") or "postgres",
            password=str(db.get("PASSWORD") or ""),
            host=db.get("HOST") or "127.0.0.1",
            port=str(db.get("PORT") or "5432"),
        )
        return Install(var=var, url=url, target=target, pg_name=pg_name, env=env)
    path = var / "xianfeng.sqlite3"
    if migrated:
        dbtemplate.sqlite_copy(path)
    return Install(
        var=var, url=f"sqlite:///{path}", target=Target(vendor="sqlite", path=path), env=env
    )


# --- a real web server on a free port -------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def request(
        self, method: str, path: str, body: dict | None = None, token: str = "", timeout: float = 10
    ) -> tuple[int, dict | str]:
        import http.client
        import json

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read().decode()
            try:
                return response.status, json.loads(raw)
            except ValueError:
                return response.status, raw
        finally:
            conn.close()

    def kill(self) -> None:
        """SIGKILL the server and its worker processes (its own process group)."""
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill()


def serve(install: Install, *, prefix: list[str] | None = None, **extra_env: str) -> Server:
    """Start granian on the installation (as `manage.py serve` does, one worker) and wait
    until /healthz answers."""
    import time
    import urllib.error
    import urllib.request

    port = free_port()
    log = install.var / f"server-{port}.log"
    cmd = [
        *(prefix or []),
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "xianfeng.wsgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--blocking-threads",
        "4",
        "--no-ws",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            env={**install.env, **extra_env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, port, log)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return server
        except urllib.error.HTTPError:  # answering (503: no task worker in these tests)
            return server
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise AssertionError("the server did not start:\n" + log.read_text()) from None
            time.sleep(0.2)


def query(install: Install, sql: str) -> list[tuple]:
    """Read (or change) the installation's database directly, no Django in between."""
    if install.target.vendor == "sqlite":
        import sqlite3

        # Autocommit: a statement that writes (a test ageing a row) is kept.
        conn = sqlite3.connect(install.target.path, timeout=30, isolation_level=None)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    with install.target.pg_connect(autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description is not None else []
