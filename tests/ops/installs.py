"""Whole installations in subprocesses for the operations tests: a var folder and a
database of their own (a SQLite file, or a scratch PostgreSQL database when the suite runs
on PostgreSQL), and `manage.py` run against them."""

from __future__ import annotations

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
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


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


def make_install(root: Path, name: str, **extra_env: str) -> Install:
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
        with _admin_conn() as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or "5432"
        url = f"postgres://{user}{password}@{host}:{port}/{pg_name}"
        env["XF_DATABASE_URL"] = url
        target = Target(
            vendor="postgresql",
            dbname=pg_name,
            user=user,
            password=str(db.get("PASSWORD") or ""),
            host=host,
            port=str(port),
        )
        return Install(var=var, url=url, target=target, pg_name=pg_name, env=env)
    path = var / "xianfeng.sqlite3"
    return Install(
        var=var, url=f"sqlite:///{path}", target=Target(vendor="sqlite", path=path), env=env
    )
