"""SQLite with a write gate: writers queue on a file lock instead of SQLite's busy handler.

With several web processes and a task worker on one SQLite file, SQLite lets one writer
in at a time and makes the others retry after sleeping 1, 2, 5, 10, … 100 ms. Under load
those sleeps, not the writes, become the cost (p99 in seconds at a few hundred writes a
second). Here every transaction first takes an exclusive flock on `<database>.writelock`;
a waiting writer is woken by the kernel the moment the lock is free, so writes run back
to back. Reads (WAL) never take it. Only the embedded setup uses this backend; PostgreSQL
has real row locks.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate_fd: int | None = None
        self._gate_held = False

    def _gate_path(self) -> str | None:
        name = str(self.settings_dict.get("NAME") or "")
        if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
            return None
        return name + ".writelock"

    def _gate_acquire(self) -> None:
        if self._gate_held:
            return
        if self._gate_fd is None:
            path = self._gate_path()
            if path is None:
                return
            self._gate_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._gate_fd, fcntl.LOCK_EX)
        self._gate_held = True

    def _gate_release(self) -> None:
        if self._gate_held and self._gate_fd is not None:
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
        self._gate_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._gate_acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._gate_release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._gate_release()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._gate_release()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._gate_release()
            if self._gate_fd is not None:
                os.close(self._gate_fd)
                self._gate_fd = None
