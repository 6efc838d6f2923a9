"""The one clock: server time, and day/month keys in the configured zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """Server time with calendar keys in one zone; pass `now` to freeze or move time in tests."""

    def __init__(self, zone: str = "Asia/Shanghai", now: Callable[[], datetime] | None = None) -> None:
        self.zone = ZoneInfo(zone)
        self._now = now or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        """The current server time as an aware UTC datetime."""
        value = self._now()
        if value.tzinfo is None:
            raise ValueError("clock source returned a naive datetime")
        return value.astimezone(UTC)

    def local(self, moment: datetime | None = None) -> datetime:
        """`moment` (default now) in the configured zone; naive moments are refused."""
        if moment is None:
            moment = self.now()
        elif moment.tzinfo is None:
            # astimezone() would read a naive value as the *machine's* local time: a wrong day key.
            raise ValueError("naive datetime given to the clock; pass an aware (UTC) datetime")
        return moment.astimezone(self.zone)

    def day_key(self, moment: datetime | None = None) -> str:
        """The local calendar day of `moment`, as `YYYY-MM-DD`."""
        return self.local(moment).strftime("%Y-%m-%d")

    def month_key(self, moment: datetime | None = None) -> str:
        """The local calendar month of `moment`, as `YYYY-MM`."""
        return self.local(moment).strftime("%Y-%m")

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """UTC start (inclusive) and end (exclusive) of a local calendar day."""
        start = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)

    def month_bounds(self, month_key: str) -> tuple[datetime, datetime]:
        """UTC start (inclusive) and end (exclusive) of a local month `YYYY-MM`."""
        start = datetime.strptime(month_key, "%Y-%m").replace(tzinfo=self.zone)
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return start.astimezone(UTC), following.astimezone(UTC)

    def previous_month_key(self, moment: datetime | None = None) -> str:
        """The month before the local month of `moment`."""
        first = self.local(moment).replace(day=1)
        return (first - timedelta(days=1)).strftime("%Y-%m")


class FrozenClock(Clock):
    """A clock that only moves when told to (for tests and simulations)."""

    def __init__(self, moment: datetime, zone: str = "Asia/Shanghai") -> None:
        self.current = moment
        super().__init__(zone, lambda: self.current)

    def set(self, moment: datetime) -> None:
        """Jump to `moment`."""
        self.current = moment

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta's keyword arguments and return the new time."""
        self.current = self.current + timedelta(**delta)
        return self.current
