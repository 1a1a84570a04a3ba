"""A migrated, empty database made once per state of the migrations, then copied.

Migrating a fresh database takes about a minute of one core (Django re-renders the model
states of 150-odd migrations; the database's own work is a few seconds), and a `make test`
used to pay it a dozen times: each pytest worker on SQLite, on PostgreSQL, in the fuzz
stage and the browser stage, and each whole installation the operations tests start. Now
the first who needs it migrates a template, under a lock, and everyone else copies it:

- SQLite: `<VAR_DIR>/test-templates/<key>.sqlite3`, copied as a file;
- PostgreSQL: a database `xf_tpl_<key>` on the same server, copied by
  `CREATE DATABASE … TEMPLATE` (built under an advisory lock, so runs sharing the server
  build it once).

The key is a hash of every migration file of the project and Django's version: a new or
changed migration makes a new template. A copy is then migrated as before (`migrate` finds
nothing to do and sends post_migrate), so a stale template can cost time, never
correctness. `XF_TEST_DB_TEMPLATE=0` turns it off."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import django
from django.conf import settings

REPO = Path(__file__).resolve().parents[1]
PREFIX = "xf_tpl_"


def enabled() -> bool:
    return os.environ.get("XF_TEST_DB_TEMPLATE", "1") not in ("0", "false", "no")


def key() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted((REPO / "src").glob("xianfeng/*/migrations/*.py")):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _migrate(database_url: str) -> None:
    """`manage.py migrate` against that database, in a process of its own (nothing of
    this process's connections or settings leaks into the template)."""
    scratch = Path(settings.VAR_DIR) / "test-templates" / f"var-{uuid.uuid4().hex[:8]}"
    scratch.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XF_")}
    env.update(
        XF_DATABASE_URL=database_url,
        XF_VAR_DIR=str(scratch),
        XF_TASKS="immediate",
        XF_LOG_LEVEL="WARNING",
        XF_TESTING="1",
        PYTHONPATH=str(REPO / "src"),
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        done = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), "migrate", "--no-input", "-v", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"migrating the test template failed:\n{done.stdout}{done.stderr}")


# --- SQLite ---------------------------------------------------------------------------------
@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_template() -> Path:
    """The migrated template file for the migrations as they are (made if missing)."""
    folder = Path(settings.VAR_DIR) / "test-templates"
    name = key()
    template = folder / f"{name}.sqlite3"
    with _file_lock(folder / "sqlite.lock"):
        if not template.exists():
            building = folder / f"{name}.building-{os.getpid()}.sqlite3"
            building.unlink(missing_ok=True)
            _migrate(f"sqlite:///{building}")
            # One self-contained file: the journal folded in, no -wal or -shm beside it.
            with contextlib.closing(sqlite3.connect(building)) as conn:
                conn.execute("PRAGMA journal_mode=DELETE")
            os.replace(building, template)
            Path(f"{building}.writelock").unlink(missing_ok=True)  # the write gate's lock file
            for old in folder.glob("*.sqlite3"):  # earlier states of the migrations
                if old != template and ".building-" not in old.name:
                    old.unlink(missing_ok=True)
    return template


def sqlite_copy(target: Path) -> None:
    """Put a migrated, empty database at `target` (replacing what is there)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template(), target)


# --- PostgreSQL -----------------------------------------------------------------------------
def admin_connection(db: dict):  # type: ignore[no-untyped-def]
    """An autocommit connection to the maintenance database of `db`'s server."""
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


def database_url(db: dict, name: str) -> str:
    """The URL (XF_DATABASE_URL) of database `name` on `db`'s server."""
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def pg_template(db: dict) -> str:
    """The name of the migrated template database on `db`'s server (made if missing)."""
    name = PREFIX + key()
    lock = int(hashlib.sha256(name.encode()).hexdigest()[:15], 16)
    with admin_connection(db) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (lock,))
        try:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if found.fetchone() is None:
                building = f"{name}_b{os.getpid()}"
                conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{building}"')
                try:
                    _migrate(database_url(db, building))
                    conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
                except BaseException:
                    conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                    raise
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))
    return name


def pg_copy(db: dict, target: str) -> None:
    """Make database `target` a copy of the migrated template (replacing what is there)."""
    template = pg_template(db)
    with admin_connection(db) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        # Copies of one template may be made at the same time; a session still connected
        # to the template (someone inspecting it) would refuse the copy: say so plainly.
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')


# --- the test databases ---------------------------------------------------------------------
def prepare_test_databases(aliases: set[str] | None = None) -> bool:
    """Copy the template into place for each test database Django is about to set up.
    True when done (the caller then sets up with keepdb so Django keeps the copy)."""
    from django.db import connections

    if not enabled():
        return False
    for alias in connections:
        if aliases is not None and alias not in aliases:
            continue
        connection = connections[alias]
        name = connection.creation._get_test_db_name()
        if connection.vendor == "sqlite":
            if connection.creation.is_in_memory_db(name):
                return False
            sqlite_copy(Path(name))
        elif connection.vendor == "postgresql":
            pg_copy(connection.settings_dict, name)
        else:
            return False
    return True
