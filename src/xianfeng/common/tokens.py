"""Signed tokens with no state on the server, for every app that hands out a code.

- `RotatingCode`: a code on a screen that changes every few seconds (the sign-in QR code
  of a meeting, the roll call of a village viewing, the check-in of a community activity).
  A code is "<subject id>-<time step>-<HMAC>", keyed with the site's secret and the
  subject's own random key, over the id and the step; it is valid during its own step and
  the `grace` steps after it, so a code photographed just before it changes still works.
- `VersionedRef`: an unguessable address for one person that a version number revokes
  (a private calendar feed): "<id>-<version>-<HMAC>"; bumping the version ends every
  older address at once.

Nothing is stored per code. Each use names its own salt, so a code of one kind is never
accepted as another.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

from xianfeng.common.parse import ascii_int

SIG_CHARS = 24


def new_key() -> str:
    """A random per-subject key (stored on the meeting, viewing or activity)."""
    return secrets.token_hex(32)


def sign(salt: str, value: str, key: str = "") -> str:
    return salted_hmac(
        salt, value, secret=f"{settings.SECRET_KEY}:{key}", algorithm="sha256"
    ).hexdigest()[:SIG_CHARS]


@dataclass(frozen=True)
class ParsedCode:
    subject_id: int
    step: int
    sig: str


@dataclass(frozen=True)
class RotatingCode:
    salt: str
    step_seconds: int = 30
    grace: int = 1  # steps after its own during which a code is still accepted

    def step_at(self, moment: datetime.datetime) -> int:
        return int(moment.timestamp()) // self.step_seconds

    def step_starts(self, step: int) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(step * self.step_seconds, tz=datetime.UTC)

    def make(self, subject_id: int, key: str, step: int) -> str:
        return f"{subject_id}-{step}-{sign(self.salt, f'{subject_id}:{step}', key)}"

    def parse(self, token: str) -> ParsedCode | None:
        parts = token.strip().split("-")
        if len(parts) != 3:
            return None
        # ascii_int: "²" passes str.isdigit() but not int(); 5,000 digits pass both.
        subject_id, step = ascii_int(parts[0]), ascii_int(parts[1])
        if subject_id is None or step is None or len(parts[2]) != SIG_CHARS:
            return None
        return ParsedCode(subject_id, step, parts[2])

    def signature_ok(self, parsed: ParsedCode, key: str) -> bool:
        expected = self.make(parsed.subject_id, key, parsed.step).rsplit("-", 1)[1]
        return hmac.compare_digest(expected, parsed.sig)

    def is_current(self, parsed: ParsedCode, now: datetime.datetime) -> bool:
        """Its step is now's, or one of the `grace` steps before it (not a future one)."""
        current = self.step_at(now)
        return current - self.grace <= parsed.step <= current


@dataclass(frozen=True)
class VersionedRef:
    salt: str

    def make(self, subject_id: int, version: int) -> str:
        return f"{subject_id}-{version}-{sign(self.salt, f'{subject_id}:{version}')}"

    def parse(self, token: str) -> tuple[int, int] | None:
        """(subject id, version) when the signature is right; None otherwise."""
        parts = token.split("-")
        if len(parts) != 3:
            return None
        subject_id, version = ascii_int(parts[0]), ascii_int(parts[1])
        if subject_id is None or version is None:
            return None
        if not hmac.compare_digest(self.make(subject_id, version), token):
            return None
        return subject_id, version
