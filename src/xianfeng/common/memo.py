"""A per-process memo of values that a version number says are still current.

The person's identity (member record, roles) is needed on every page, and it changes
rarely. The version travels with a row the request loads anyway (User.access_version,
bumped in the same transaction as any change of the person's member record, roles or
their orgs), so a lookup here costs no query and a change takes effect on the very next
request in every process: a new version is a new key, and the old entry is simply never
asked for again.

Values are stored pickled, so a caller that changes what it got (a model instance) cannot
change what the next request gets.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import Any

MISSING: Any = object()
_memos: list[VersionedMemo] = []


def clear_all() -> None:
    """Forget everything (tests: a rolled-back database hands out the same ids again)."""
    for memo in _memos:
        memo.clear()


class VersionedMemo:
    """Least-recently-used values by (key, version), at most `size` of them."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._data: OrderedDict[tuple[Any, int], bytes] = OrderedDict()
        self._lock = threading.Lock()
        _memos.append(self)

    def get(self, key: Any, version: int) -> Any:
        """The value stored for (key, version), or MISSING."""
        with self._lock:
            blob = self._data.get((key, version))
            if blob is None:
                return MISSING
            self._data.move_to_end((key, version))
        return pickle.loads(blob)  # noqa: S301 - bytes this process pickled itself

    def put(self, key: Any, version: int, value: Any) -> None:
        """Remember `value`, unless it was read inside a transaction that may still roll
        back (it would then outlive what the database holds under the same version)."""
        from django.db import connection

        # A test case's own wrapping transaction does not count (Django marks it).
        if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
            return
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._data[(key, version)] = blob
            self._data.move_to_end((key, version))
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


def identity_version(user: Any) -> int | None:
    """The version of the person's identity when `user` was loaded for this request by
    the authentication backend (people/auth.py), else None: an instance that has lived
    longer (a task, a test, a service that created the member a moment ago) may be behind
    its row, so it is never trusted for the memo."""
    if not getattr(user, "_xf_identity_fresh", False):
        return None
    version = getattr(user, "access_version", None)
    return version if isinstance(version, int) else None
