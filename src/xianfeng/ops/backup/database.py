"""The database half of a backup: a consistent copy while the system keeps writing.

- SQLite: the online backup API copies every page in one step under one read transaction
  (WAL: writers are not held up), never a file copy of a live database.
- PostgreSQL: one REPEATABLE READ transaction exports its snapshot; `pg_dump --snapshot`
  dumps exactly that snapshot in custom format while the same transaction counts and
  checksums every table, so the manifest describes the dump row for row.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xianfeng.ops.backup.tables import applied_migrations, table_stats


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Chinese, for the operator."""


@dataclass(frozen=True)
class Target:
    """A database to back up or restore into: a SQLite file or PostgreSQL connection."""

    vendor: str  # "sqlite" | "postgresql"
    path: Path | None = None  # sqlite
    dbname: str = ""
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, db: dict[str, Any]) -> Target:
        engine = db["ENGINE"]
        if "sqlite" in engine:
            return cls(vendor="sqlite", path=Path(db["NAME"]))
        if "postgresql" in engine:
            return cls(
                vendor="postgresql",
                dbname=str(db.get("NAME") or ""),
                user=str(db.get("USER") or ""),
                password=str(db.get("PASSWORD") or ""),
                host=str(db.get("HOST") or ""),
                port=str(db.get("PORT") or ""),
            )
        raise BackupError(f"不支持备份此类数据库：{engine}")

    # --- PostgreSQL -----------------------------------------------------------------------
    def conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        parts = {"dbname": self.dbname, "user": self.user, "host": self.host, "port": self.port}
        return make_conninfo(**{k: v for k, v in parts.items() if v})

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:  # never on the command line, where `ps` shows it
            env["PGPASSWORD"] = self.password
        return env

    def pg_connect(self, **kwargs: Any) -> Any:
        import psycopg

        return psycopg.connect(self.conninfo(), password=self.password or None, **kwargs)

    def describe(self) -> str:
        if self.vendor == "sqlite":
            return f"SQLite {self.path}"
        return f"PostgreSQL {self.dbname}@{self.host or 'localhost'}"


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore from XF_PG_BIN or PATH, with a clear message when missing."""
    folder = os.environ.get("XF_PG_BIN", "")
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(
            f"找不到 {name}：请安装与数据库服务器同一大版本的 PostgreSQL 客户端"
            f"（Debian：apt-get install postgresql-client），或用 XF_PG_BIN 指明其目录"
        )
    return found


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what}失败（退出码 {done.returncode}）：{done.stderr.strip()[-800:]}")


# --- backup ---------------------------------------------------------------------------------
@dataclass
class DatabaseCopy:
    file: str
    tables: dict[str, dict[str, Any]]
    migrations: dict[str, list[str]]
    server_version: str


def backup_database(target: Target, out_dir: Path) -> DatabaseCopy:
    if target.vendor == "sqlite":
        return _backup_sqlite(target, out_dir)
    return _backup_postgres(target, out_dir)


def _backup_sqlite(target: Target, out_dir: Path) -> DatabaseCopy:
    assert target.path is not None
    if not target.path.exists():
        raise BackupError(f"数据库文件不存在：{target.path}")
    out = out_dir / "database.sqlite3"
    source = sqlite3.connect(f"file:{target.path}?mode=ro", uri=True, timeout=60)
    copy = sqlite3.connect(out)
    try:
        # One step (pages=-1): the copy is one read transaction, a single snapshot; WAL
        # lets the writers go on meanwhile.
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")
        (check,) = copy.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise BackupError(f"数据库副本完整性检查未通过：{check}")
        cursor = copy.cursor()
        tables = table_stats(cursor, "sqlite")
        migrations = applied_migrations(cursor, "sqlite")
    finally:
        copy.close()
        source.close()
    return DatabaseCopy(out.name, tables, migrations, f"SQLite {sqlite3.sqlite_version}")


def _backup_postgres(target: Target, out_dir: Path) -> DatabaseCopy:
    import psycopg

    pg_dump = pg_tool("pg_dump")
    out = out_dir / "database.pgdump"
    with target.pg_connect(autocommit=False) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        cursor = conn.cursor()
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, version = cursor.fetchone()
        _run(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                "--no-privileges",
                f"--file={out}",
                f"--dbname={target.conninfo()}",
            ],
            target.pg_env(),
            "pg_dump ",
        )
        tables = table_stats(cursor, "postgresql")
        migrations = applied_migrations(cursor, "postgresql")
        conn.rollback()
    return DatabaseCopy(out.name, tables, migrations, f"PostgreSQL {version}")


# --- restore --------------------------------------------------------------------------------
def installation_has_data(target: Target) -> bool:
    """True when the target holds people or orgs: a restore never overwrites those."""
    if target.vendor == "sqlite":
        assert target.path is not None
        if not target.path.exists():
            return False
        conn = sqlite3.connect(f"file:{target.path}?mode=ro", uri=True, timeout=60)
        try:
            return _has_rows(conn.cursor(), "sqlite")
        finally:
            conn.close()
    with target.pg_connect(autocommit=True) as conn:
        return _has_rows(conn.cursor(), "postgresql")


def _has_rows(cursor: Any, vendor: str) -> bool:
    from xianfeng.ops.backup.tables import postgres_tables, sqlite_tables

    tables = set(sqlite_tables(cursor) if vendor == "sqlite" else postgres_tables(cursor))
    for table in ("people_user", "orgs_org"):
        if table in tables:
            cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608 (fixed names)
            if cursor.fetchone():
                return True
    return False


@contextmanager
def _write_gate(path: Path) -> Any:
    """Hold the embedded setup's writer lock (common/db/sqlite) while the file is replaced."""
    fd = os.open(str(path) + ".writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def restore_database(target: Target, source: Path) -> dict[str, dict[str, Any]]:
    """Load the copy into the (empty) target; return the target's table stats afterwards."""
    if target.vendor == "sqlite":
        assert target.path is not None
        target.path.parent.mkdir(parents=True, exist_ok=True)
        with _write_gate(target.path):
            copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dest = sqlite3.connect(target.path, timeout=60)
            try:
                copy.backup(dest, pages=-1)
                dest.execute("PRAGMA journal_mode=WAL")
                return table_stats(dest.cursor(), "sqlite")
            finally:
                dest.close()
                copy.close()
    pg_restore = pg_tool("pg_restore")
    with target.pg_connect(autocommit=True) as conn:
        # An empty installation may already be migrated (tables, no people): start from an
        # empty schema so an older backup's tables are not met by newer ones.
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={target.conninfo()}",
            str(source),
        ],
        target.pg_env(),
        "pg_restore ",
    )
    with target.pg_connect(autocommit=True) as conn:
        return table_stats(conn.cursor(), "postgresql")


def stats_of(target: Target) -> dict[str, dict[str, Any]]:
    """The table stats of a database as it stands (tests and `restore --check`)."""
    if target.vendor == "sqlite":
        conn = sqlite3.connect(f"file:{target.path}?mode=ro", uri=True, timeout=60)
        try:
            return table_stats(conn.cursor(), "sqlite")
        finally:
            conn.close()
    with target.pg_connect(autocommit=False) as conn:
        import psycopg

        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        stats = table_stats(conn.cursor(), "postgresql")
        conn.rollback()
        return stats
