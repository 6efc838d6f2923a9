"""In-process Store for one process (demo, tests): one lock, Redis-like types and TTLs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from .base import BoardRow, Store, check_counter_ttl, check_group_size, ttl_ms

# Value kinds, so a key holds one type like in Redis and misuse fails loudly instead of corrupting.
ZSET, COUNTER, STRING, QUEUE, HASH = "zset", "counter", "string", "queue", "hash"
SWEEP_EVERY = 60.0  # seconds between full sweeps, so keys nobody reads again do not pile up


class MemoryStore(Store):
    """Thread-safe in-process backend; `now` (seconds, monotonic) is injectable to expire keys in tests."""

    def __init__(self, url: str = "memory://", now: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self._now = now
        self._lock = threading.RLock()
        self._data: dict[str, tuple[str, Any]] = {}
        self._expires: dict[str, float] = {}
        self._last_sweep = now()

    def __repr__(self) -> str:
        return f"MemoryStore({self.url!r})"

    # --- internals (call with the lock held) ---------------------------------------------------------
    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        for key in [k for k, at in self._expires.items() if at <= now]:
            self._drop(key)

    def _drop(self, key: str) -> bool:
        self._expires.pop(key, None)
        return self._data.pop(key, None) is not None

    def _get(self, key: str, kind: str) -> Any:
        now = self._now()
        self._sweep(now)
        at = self._expires.get(key)
        if at is not None and at <= now:
            self._drop(key)
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[0] != kind:
            raise TypeError(f"WRONGTYPE key {key!r} holds a {entry[0]}, not a {kind}")
        return entry[1]

    def _get_or_create(self, key: str, kind: str, factory: Callable[[], Any]) -> Any:
        value = self._get(key, kind)
        if value is None:
            value = factory()
            self._data[key] = (kind, value)
        return value

    def _set(self, key: str, kind: str, value: Any, ttl_seconds: float | None) -> None:
        # Like Redis SET: a new value replaces the old TTL (none unless given).
        self._data[key] = (kind, value)
        self._expires.pop(key, None)
        if ttl_seconds is not None:
            self._expires[key] = self._now() + ttl_ms(ttl_seconds) / 1000

    def _exists(self, key: str) -> bool:
        entry = self._data.get(key)
        return entry is not None and self._get(key, entry[0]) is not None

    def _sorted(self, key: str) -> list[BoardRow]:
        board: dict[str, float] = self._get(key, ZSET) or {}
        rows: list[BoardRow] = []
        rank = 0
        for index, (member, score) in enumerate(sorted(board.items(), key=lambda kv: (-kv[1], kv[0]))):
            if not rows or score != rows[-1].score:
                rank = index + 1
            rows.append(BoardRow(member, score, rank))
        return rows

    # --- boards ----------------------------------------------------------------------------------------
    def board_incr(self, key: str, member: str, amount: float) -> float:
        """Add `amount` to `member`'s score (creating it at 0) and return the new score."""
        with self._lock:
            board = self._get_or_create(key, ZSET, dict)
            board[member] = board.get(member, 0.0) + float(amount)
            return board[member]

    def board_incr_many(self, updates: list[tuple[str, str, float]]) -> None:
        """Apply many (key, member, amount) increments as one atomic step (one MULTI round trip on Redis)."""
        with self._lock:
            for key, _member, _amount in updates:  # check types first, so a bad key changes nothing
                self._get(key, ZSET)
            for key, member, amount in updates:
                self.board_incr(key, member, amount)

    def board_score(self, key: str, member: str) -> float | None:
        """`member`'s score, or None if not on the board."""
        with self._lock:
            return (self._get(key, ZSET) or {}).get(member)

    def board_rank(self, key: str, member: str) -> BoardRow | None:
        """`member`'s row with competition rank (1 + members strictly above), or None."""
        with self._lock:
            board = self._get(key, ZSET) or {}
            if member not in board:
                return None
            score = board[member]
            return BoardRow(member, score, 1 + sum(1 for s in board.values() if s > score))

    def board_range(self, key: str, start: int, stop: int) -> list[BoardRow]:
        """Rows `start..stop` (0-based, inclusive, negatives from the end) by score desc, member asc."""
        with self._lock:
            rows = self._sorted(key)
        n = len(rows)
        start, stop = (start + n if start < 0 else start), (stop + n if stop < 0 else stop)
        start = max(start, 0)
        return rows[start : stop + 1] if start <= stop else []

    def board_size(self, key: str) -> int:
        """Number of members on the board."""
        with self._lock:
            return len(self._get(key, ZSET) or {})

    def board_all(self, key: str) -> dict[str, float]:
        """The whole board as member → score."""
        with self._lock:
            return dict(self._get(key, ZSET) or {})

    def board_replace(self, key: str, mapping: dict[str, float]) -> None:
        """Atomically replace the whole board (readers see old or new, never half); drops any TTL."""
        with self._lock:
            if mapping:  # like RENAME on Redis, this overwrites a key of any type
                self._set(key, ZSET, {str(m): float(s) for m, s in mapping.items()}, None)
            else:
                self._drop(key)

    def board_keys(self, pattern_prefix: str) -> list[str]:
        """Sorted board keys that start with `pattern_prefix` (taken literally, not as a glob)."""
        with self._lock:
            found = [
                k
                for k, (kind, _) in list(self._data.items())
                if kind == ZSET and k.startswith(pattern_prefix)
            ]
            return sorted(k for k in found if self._exists(k))

    def delete(self, *keys: str) -> None:
        """Delete keys of any type; missing keys are ignored."""
        with self._lock:
            for key in keys:
                self._drop(key)

    # --- counters --------------------------------------------------------------------------------------
    def counter_incr(self, key: str, amount: int = 1, ttl_seconds: int | None = None) -> int:
        """Add `amount` and return the new value; the TTL is set only while the key has none."""
        check_counter_ttl(ttl_seconds)
        with self._lock:
            value = (self._get(key, COUNTER) or 0) + int(amount)
            self._data[key] = (COUNTER, value)
            if ttl_seconds is not None and key not in self._expires:
                self._expires[key] = self._now() + ttl_seconds
            return value

    def counter_get(self, key: str) -> int:
        """The counter's value, 0 if missing."""
        with self._lock:
            return self._get(key, COUNTER) or 0

    # --- leases ----------------------------------------------------------------------------------------
    def lease_acquire(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Take the lease if nobody holds it; True if `owner` now holds it."""
        ttl_ms(ttl_seconds)
        with self._lock:
            if self._exists(key):
                return False
            self._set(key, STRING, owner, ttl_seconds)
            return True

    def lease_renew(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Extend the lease to `ttl_seconds` from now, only if `owner` still holds it."""
        ttl_ms(ttl_seconds)
        with self._lock:
            if self._get(key, STRING) != owner:
                return False
            self._set(key, STRING, owner, ttl_seconds)
            return True

    def lease_release(self, key: str, owner: str) -> bool:
        """Give the lease up, only if `owner` holds it; True if released."""
        with self._lock:
            return self._get(key, STRING) == owner and self._drop(key)

    def lease_owner(self, key: str) -> str | None:
        """Who holds the lease, or None."""
        with self._lock:
            return self._get(key, STRING)

    # --- queues (a dict keeps insertion order and gives O(1) membership) -------------------------------
    def queue_push(self, queue: str, member: str) -> bool:
        """Append `member`; False (and no change of place) if already queued."""
        with self._lock:
            waiting = self._get_or_create(queue, QUEUE, dict)
            if member in waiting:
                return False
            waiting[member] = None
            return True

    def queue_remove(self, queue: str, member: str) -> bool:
        """Take `member` out of the queue; True if it was there."""
        with self._lock:
            waiting = self._get(queue, QUEUE)
            if not waiting or member not in waiting:
                return False
            del waiting[member]
            if not waiting:
                self._drop(queue)  # like Redis, an empty collection is no key at all
            return True

    def queue_len(self, queue: str) -> int:
        """Number of waiting members."""
        with self._lock:
            return len(self._get(queue, QUEUE) or {})

    def queue_members(self, queue: str) -> list[str]:
        """Waiting members, first come first."""
        with self._lock:
            return list(self._get(queue, QUEUE) or {})

    def queue_pop_group(self, queue: str, size: int) -> list[str] | None:
        """Atomically take the first `size` members, or take nothing and return None if fewer wait."""
        check_group_size(size)
        with self._lock:
            waiting = self._get(queue, QUEUE) or {}
            if len(waiting) < size:
                return None
            group = list(waiting)[:size]
            for member in group:
                del waiting[member]
            if not waiting:
                self._drop(queue)
            return group

    # --- schedules ------------------------------------------------------------------------------------
    def schedule_set(self, key: str, member: str, at: float) -> None:
        """Set (or move) `member`'s time on the schedule `key`."""
        with self._lock:
            self._get_or_create(key, ZSET, dict)[member] = float(at)

    def schedule_remove(self, key: str, member: str) -> None:
        """Take `member` off the schedule; missing is fine."""
        with self._lock:
            schedule = self._get(key, ZSET)
            if schedule is not None:
                schedule.pop(member, None)
                if not schedule:
                    self._drop(key)

    def schedule_due(self, key: str, until: float, limit: int = 100) -> list[str]:
        """Members whose time is at or before `until`, earliest first, at most `limit`."""
        with self._lock:
            schedule = self._get(key, ZSET) or {}
            due = sorted((at, member) for member, at in schedule.items() if at <= until)
        return [member for _at, member in due[:limit]]

    # --- live state (stored as JSON text, so callers get copies and non-JSON values fail as on Redis) ---
    def state_set(self, key: str, value: dict[str, Any], ttl_seconds: float | None = None) -> None:
        """Store a JSON-able dict, replacing any value and TTL."""
        text = json.dumps(value)
        with self._lock:
            self._set(key, STRING, text, ttl_seconds)

    def state_get(self, key: str) -> dict[str, Any] | None:
        """The stored dict (a fresh copy), or None."""
        with self._lock:
            text = self._get(key, STRING)
        return None if text is None else json.loads(text)

    def state_set_if_absent(self, key: str, value: dict[str, Any], ttl_seconds: float | None = None) -> bool:
        """Store only if the key does not exist; True if stored."""
        text = json.dumps(value)
        with self._lock:
            if self._exists(key):
                return False
            self._set(key, STRING, text, ttl_seconds)
            return True

    def state_delete(self, key: str) -> None:
        """Delete a state key."""
        self.delete(key)

    def hash_incr(self, key: str, field: str, amount: int) -> int:
        """Add `amount` to an integer hash field and return the new value."""
        with self._lock:
            fields = self._get_or_create(key, HASH, dict)
            value = int(fields.get(field, "0")) + int(amount)
            fields[field] = str(value)  # text, as Redis keeps it, so hash_get agrees across backends
            return value

    def hash_get_all(self, key: str) -> dict[str, int]:
        """All fields of an integer hash (one written by hash_incr)."""
        with self._lock:
            return {f: int(v) for f, v in (self._get(key, HASH) or {}).items()}

    def hash_set_if_absent(self, key: str, field: str, value: str) -> bool:
        """Set a hash field only if it is not set; True if set."""
        with self._lock:
            fields = self._get_or_create(key, HASH, dict)
            if field in fields:
                return False
            fields[field] = str(value)
            return True

    def hash_get(self, key: str, field: str) -> str | None:
        """One hash field as text, or None."""
        with self._lock:
            return (self._get(key, HASH) or {}).get(field)

    def expire(self, key: str, ttl_seconds: float) -> bool:
        """Set a key's TTL; False if the key does not exist."""
        ms = ttl_ms(ttl_seconds)
        with self._lock:
            if not self._exists(key):
                return False
            self._expires[key] = self._now() + ms / 1000
            return True

    def ttl(self, key: str) -> float | None:
        """Seconds until the key expires, or None if it is missing or never expires."""
        with self._lock:
            if not self._exists(key) or key not in self._expires:
                return None
            return max(0.0, self._expires[key] - self._now())

    # --- lifecycle -------------------------------------------------------------------------------------
    def ping(self) -> bool:
        """True if the backend answers."""
        return True

    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""
        with self._lock:
            self._data.clear()
            self._expires.clear()
