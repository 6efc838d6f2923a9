"""The Store interface: boards, counters, leases, queues and live state shared by every process."""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One board line; equal scores share a rank (10, 8, 8, 5 → 1, 2, 2, 4)."""

    member: str
    score: float
    rank: int


def ttl_ms(ttl_seconds: float) -> int:
    """A positive TTL in whole milliseconds; both backends refuse zero or negative TTLs alike."""
    if not isinstance(ttl_seconds, int | float) or not math.isfinite(ttl_seconds) or ttl_seconds <= 0:
        raise ValueError(f"ttl_seconds must be a positive number, got {ttl_seconds!r}")
    return max(1, round(ttl_seconds * 1000))


def check_counter_ttl(ttl_seconds: int | None) -> None:
    """Counters expire in whole seconds (Redis EXPIRE), so refuse anything else up front."""
    if ttl_seconds is not None and (not isinstance(ttl_seconds, int) or ttl_seconds <= 0):
        raise ValueError(f"ttl_seconds must be a positive int or None, got {ttl_seconds!r}")


def check_group_size(size: int) -> None:
    """A matchmaking group has at least one member."""
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"group size must be a positive int, got {size!r}")


class Store(abc.ABC):
    """Shared fast state; `memory://` for one process, `redis://` for many. Keys come from store.keys."""

    url: str

    # --- boards (sorted sets, higher score first) ------------------------------------------------
    @abc.abstractmethod
    def board_incr(self, key: str, member: str, amount: float) -> float:
        """Add `amount` to `member`'s score (creating it at 0) and return the new score."""

    @abc.abstractmethod
    def board_incr_many(self, updates: list[tuple[str, str, float]]) -> None:
        """Apply many (key, member, amount) increments as one atomic step (one MULTI round trip on Redis)."""

    @abc.abstractmethod
    def board_score(self, key: str, member: str) -> float | None:
        """`member`'s score, or None if not on the board."""

    @abc.abstractmethod
    def board_rank(self, key: str, member: str) -> BoardRow | None:
        """`member`'s row with competition rank (1 + members strictly above), or None."""

    @abc.abstractmethod
    def board_range(self, key: str, start: int, stop: int) -> list[BoardRow]:
        """Rows `start..stop` (0-based, inclusive, negatives from the end) by score desc, member asc."""

    def board_top(self, key: str, n: int) -> list[BoardRow]:
        """The first `n` rows by score desc, member asc."""
        return self.board_range(key, 0, n - 1) if n > 0 else []

    @abc.abstractmethod
    def board_size(self, key: str) -> int:
        """Number of members on the board."""

    @abc.abstractmethod
    def board_all(self, key: str) -> dict[str, float]:
        """The whole board as member → score."""

    @abc.abstractmethod
    def board_replace(self, key: str, mapping: dict[str, float]) -> None:
        """Atomically replace the whole board (readers see old or new, never half); drops any TTL."""

    @abc.abstractmethod
    def board_keys(self, pattern_prefix: str) -> list[str]:
        """Sorted board keys that start with `pattern_prefix` (taken literally, not as a glob)."""

    @abc.abstractmethod
    def delete(self, *keys: str) -> None:
        """Delete keys of any type; missing keys are ignored."""

    # --- counters with expiry --------------------------------------------------------------------
    @abc.abstractmethod
    def counter_incr(self, key: str, amount: int = 1, ttl_seconds: int | None = None) -> int:
        """Add `amount` and return the new value; the TTL is set only while the key has none."""

    @abc.abstractmethod
    def counter_get(self, key: str) -> int:
        """The counter's value, 0 if missing."""

    # --- leases ------------------------------------------------------------------------------------
    @abc.abstractmethod
    def lease_acquire(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Take the lease if nobody holds it; True if `owner` now holds it."""

    @abc.abstractmethod
    def lease_renew(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Extend the lease to `ttl_seconds` from now, only if `owner` still holds it."""

    @abc.abstractmethod
    def lease_release(self, key: str, owner: str) -> bool:
        """Give the lease up, only if `owner` holds it; True if released."""

    @abc.abstractmethod
    def lease_owner(self, key: str) -> str | None:
        """Who holds the lease, or None."""

    # --- schedules (a sorted set of "when" per member, read by time) ------------------------------
    @abc.abstractmethod
    def schedule_set(self, key: str, member: str, at: float) -> None:
        """Set (or move) `member`'s time on the schedule `key`."""

    @abc.abstractmethod
    def schedule_remove(self, key: str, member: str) -> None:
        """Take `member` off the schedule; missing is fine."""

    @abc.abstractmethod
    def schedule_due(self, key: str, until: float, limit: int = 100) -> list[str]:
        """Members whose time is at or before `until`, earliest first, at most `limit`."""

    # --- matchmaking queues (FIFO, a member at most once) ----------------------------------------
    @abc.abstractmethod
    def queue_push(self, queue: str, member: str) -> bool:
        """Append `member`; False (and no change of place) if already queued."""

    @abc.abstractmethod
    def queue_remove(self, queue: str, member: str) -> bool:
        """Take `member` out of the queue; True if it was there."""

    @abc.abstractmethod
    def queue_len(self, queue: str) -> int:
        """Number of waiting members."""

    @abc.abstractmethod
    def queue_members(self, queue: str) -> list[str]:
        """Waiting members, first come first."""

    @abc.abstractmethod
    def queue_pop_group(self, queue: str, size: int) -> list[str] | None:
        """Atomically take the first `size` members, or take nothing and return None if fewer wait."""

    # --- live state --------------------------------------------------------------------------------
    @abc.abstractmethod
    def state_set(self, key: str, value: dict[str, Any], ttl_seconds: float | None = None) -> None:
        """Store a JSON-able dict, replacing any value and TTL."""

    @abc.abstractmethod
    def state_get(self, key: str) -> dict[str, Any] | None:
        """The stored dict (a fresh copy), or None."""

    @abc.abstractmethod
    def state_set_if_absent(self, key: str, value: dict[str, Any], ttl_seconds: float | None = None) -> bool:
        """Store only if the key does not exist; True if stored."""

    @abc.abstractmethod
    def state_delete(self, key: str) -> None:
        """Delete a state key."""

    @abc.abstractmethod
    def hash_incr(self, key: str, field: str, amount: int) -> int:
        """Add `amount` to an integer hash field and return the new value."""

    @abc.abstractmethod
    def hash_get_all(self, key: str) -> dict[str, int]:
        """All fields of an integer hash (one written by hash_incr)."""

    @abc.abstractmethod
    def hash_set_if_absent(self, key: str, field: str, value: str) -> bool:
        """Set a hash field only if it is not set; True if set."""

    @abc.abstractmethod
    def hash_get(self, key: str, field: str) -> str | None:
        """One hash field as text, or None."""

    @abc.abstractmethod
    def expire(self, key: str, ttl_seconds: float) -> bool:
        """Set a key's TTL; False if the key does not exist."""

    @abc.abstractmethod
    def ttl(self, key: str) -> float | None:
        """Seconds until the key expires, or None if it is missing or never expires."""

    # --- lifecycle ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def ping(self) -> bool:
        """True if the backend answers."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""
