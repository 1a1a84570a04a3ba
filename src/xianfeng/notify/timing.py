"""When a delivery may go: quiet hours and the daily digest, in the site's time zone
(settings.TIME_ZONE; one zone for the whole county or province)."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _at(day: datetime.date, clock: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, clock.replace(tzinfo=None), tzinfo=zone())


@dataclass(frozen=True)
class Quiet:
    """Quiet hours [start, end), e.g. 22:00–07:00 (may wrap past midnight)."""

    start: datetime.time | None
    end: datetime.time | None

    @property
    def enabled(self) -> bool:
        return self.start is not None and self.end is not None and self.start != self.end

    def contains(self, moment: datetime.datetime) -> bool:
        return self.covers(moment.astimezone(zone()).time().replace(tzinfo=None))

    def covers(self, clock: datetime.time) -> bool:
        """True when the local clock time `clock` is quiet."""
        if not self.enabled:
            return False
        assert self.start is not None and self.end is not None
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def ends_after(self, moment: datetime.datetime) -> datetime.datetime:
        """The first end of quiet hours after `moment` (which lies inside them)."""
        assert self.end is not None
        local = moment.astimezone(zone())
        end = _at(local.date(), self.end)
        return end if end > local else _at(local.date() + datetime.timedelta(days=1), self.end)


def next_digest(moment: datetime.datetime, hour: int) -> datetime.datetime:
    """The first digest time strictly after `moment`: a notice at 19:59 goes in today's
    20:00 digest, one at 20:00 in tomorrow's."""
    local = moment.astimezone(zone())
    at = _at(local.date(), datetime.time(hour))
    return at if at > local else _at(local.date() + datetime.timedelta(days=1), datetime.time(hour))


def schedule(
    moment: datetime.datetime,
    *,
    urgent: bool,
    quiet: Quiet,
    digest_hour: int | None,
) -> tuple[datetime.datetime, bool]:
    """(when the delivery may go, whether it waits for the digest). Urgent ones go now;
    with a digest, the next digest; in quiet hours, their end; otherwise now."""
    if urgent:
        return moment, False
    if digest_hour is not None:
        return next_digest(moment, digest_hour), True
    if quiet.contains(moment):
        return quiet.ends_after(moment), False
    return moment, False


def not_in_quiet(moment: datetime.datetime, *, urgent: bool, quiet: Quiet) -> datetime.datetime:
    """`moment`, or the end of the quiet hours it falls into (for a retry)."""
    if urgent or not quiet.contains(moment):
        return moment
    return quiet.ends_after(moment)
