"""Redis Store for many processes: every write is one atomic command, a Lua script or a MULTI."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from . import keys
from .base import BoardRow, Store, check_counter_ttl, check_group_size, ttl_ms

# Rank and page are read inside Lua so score and count come from one instant, not two round trips.
# Scores travel as Redis's own text, so "(" .. score is an exact exclusive bound.
_BOARD_RANK = """
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return false end
return {s, redis.call('ZCOUNT', KEYS[1], '(' .. s, '+inf') + 1}
"""

# ZREVRANGE orders ties by member *descending*; we want member ascending with shared ranks, even
# when the page starts or ends inside a tie. The page's scores are right either way, so each run of
# one score is refilled from ZRANGEBYSCORE (member ascending) at its offset within the tie.
_BOARD_RANGE = """
local key = KEYS[1]
local n = redis.call('ZCARD', key)
local start, stop = tonumber(ARGV[1]), tonumber(ARGV[2])
if start < 0 then start = start + n end
if stop < 0 then stop = stop + n end
if start < 0 then start = 0 end
if stop >= n then stop = n - 1 end
if start > stop then return {} end
local page = redis.call('ZREVRANGE', key, start, stop, 'WITHSCORES')
local out = {}
local i, pos = 1, start
while i <= #page do
  local score = page[i + 1]
  local j = i
  while j + 2 <= #page and page[j + 3] == score do j = j + 2 end
  local count = (j - i) / 2 + 1
  local above = redis.call('ZCOUNT', key, '(' .. score, '+inf')
  local members = redis.call('ZRANGEBYSCORE', key, score, score, 'LIMIT', pos - above, count)
  for _, m in ipairs(members) do
    out[#out + 1] = m
    out[#out + 1] = score
    out[#out + 1] = above + 1
  end
  pos = pos + count
  i = j + 2
end
return out
"""

# EXPIRE only while the key has no TTL (EXPIRE NX semantics, also on Redis < 7): a window never slides.
_COUNTER_INCR = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] ~= '' and redis.call('TTL', KEYS[1]) == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return v
"""

_LEASE_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_LEASE_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# A queue is a sorted set scored by arrival: one more than the last waiting member's score.
_QUEUE_PUSH = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local seq = 1
if last[2] then seq = tonumber(last[2]) + 1 end
redis.call('ZADD', KEYS[1], seq, ARGV[1])
return 1
"""

_QUEUE_POP_GROUP = """
local size = tonumber(ARGV[1])
if redis.call('ZCARD', KEYS[1]) < size then return false end
local group = redis.call('ZRANGE', KEYS[1], 0, size - 1)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, size - 1)
return group
"""

ZADD_CHUNK = 1000  # members per ZADD while building a board, so no single command stalls Redis


def _glob_escape(text: str) -> str:
    """Escape SCAN MATCH metacharacters so a prefix is taken literally."""
    return "".join("\\" + c if c in "\\*?[]" else c for c in text)


def _masked(url: str) -> str:
    """The URL with any password replaced, for logs and reprs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class RedisStore(Store):
    """Redis backend (redis-py, `decode_responses=True`); connects lazily on first command."""

    def __init__(self, url: str, **client_options: Any) -> None:
        self.url = url
        options: dict[str, Any] = {
            "decode_responses": True,
            "socket_connect_timeout": 5,  # fail fast instead of hanging a request on a dead host
            "socket_timeout": 10,
            "health_check_interval": 30,  # notice connections a proxy or firewall dropped silently
        }
        options.update(client_options)
        self.client: redis.Redis = redis.Redis.from_url(url, **options)
        reg = self.client.register_script  # EVALSHA with EVAL fallback; nothing is sent yet
        self._rank, self._range = reg(_BOARD_RANK), reg(_BOARD_RANGE)
        self._counter_incr = reg(_COUNTER_INCR)
        self._lease_renew, self._lease_release = reg(_LEASE_RENEW), reg(_LEASE_RELEASE)
        self._queue_push, self._queue_pop_group = reg(_QUEUE_PUSH), reg(_QUEUE_POP_GROUP)

    def __repr__(self) -> str:
        return f"RedisStore({_masked(self.url)!r})"

    # --- boards ----------------------------------------------------------------------------------------
    def board_incr(self, key: str, member: str, amount: float) -> float:
        """Add `amount` to `member`'s score (creating it at 0) and return the new score."""
        return float(self.client.zincrby(key, amount, member))

    def board_incr_many(self, updates: list[tuple[str, str, float]]) -> None:
        """Apply many (key, member, amount) increments as one atomic step (one MULTI round trip on Redis)."""
        if not updates:
            return
        pipe = self.client.pipeline(transaction=True)
        for key, member, amount in updates:
            pipe.zincrby(key, amount, member)
        pipe.execute()

    def board_score(self, key: str, member: str) -> float | None:
        """`member`'s score, or None if not on the board."""
        score = self.client.zscore(key, member)
        return None if score is None else float(score)

    def board_rank(self, key: str, member: str) -> BoardRow | None:
        """`member`'s row with competition rank (1 + members strictly above), or None."""
        found = self._rank(keys=[key], args=[member])
        return None if found is None else BoardRow(member, float(found[0]), int(found[1]))

    def board_range(self, key: str, start: int, stop: int) -> list[BoardRow]:
        """Rows `start..stop` (0-based, inclusive, negatives from the end) by score desc, member asc."""
        flat = self._range(keys=[key], args=[int(start), int(stop)])
        return [BoardRow(flat[i], float(flat[i + 1]), int(flat[i + 2])) for i in range(0, len(flat), 3)]

    def board_size(self, key: str) -> int:
        """Number of members on the board."""
        return int(self.client.zcard(key))

    def board_all(self, key: str) -> dict[str, float]:
        """The whole board as member → score."""
        return {m: float(s) for m, s in self.client.zrange(key, 0, -1, withscores=True)}

    def board_replace(self, key: str, mapping: dict[str, float]) -> None:
        """Atomically replace the whole board (readers see old or new, never half); drops any TTL."""
        if not mapping:
            self.client.delete(key)
            return
        tmp = keys.tmp_key(key)
        items = [(str(m), float(s)) for m, s in mapping.items()]
        build = self.client.pipeline(transaction=False)
        for i in range(0, len(items), ZADD_CHUNK):
            build.zadd(tmp, dict(items[i : i + ZADD_CHUNK]))
            if i == 0:
                build.expire(tmp, keys.TMP_TTL)  # a crash before RENAME leaves no litter
        build.execute()
        swap = self.client.pipeline(transaction=True)
        swap.rename(tmp, key)
        swap.persist(key)  # RENAME carries the temp key's TTL over; the board itself must not expire
        swap.execute()

    def board_keys(self, pattern_prefix: str) -> list[str]:
        """Sorted board keys that start with `pattern_prefix` (taken literally, not as a glob)."""
        match = _glob_escape(pattern_prefix) + "*"
        return sorted(set(self.client.scan_iter(match=match, count=1000, _type="zset")))

    def delete(self, *keys: str) -> None:
        """Delete keys of any type; missing keys are ignored."""
        if keys:
            self.client.delete(*keys)

    # --- schedules ------------------------------------------------------------------------------------
    def schedule_set(self, key: str, member: str, at: float) -> None:
        """Set (or move) `member`'s time on the schedule `key`."""
        self.client.zadd(key, {member: float(at)})

    def schedule_remove(self, key: str, member: str) -> None:
        """Take `member` off the schedule; missing is fine."""
        self.client.zrem(key, member)

    def schedule_due(self, key: str, until: float, limit: int = 100) -> list[str]:
        """Members whose time is at or before `until`, earliest first, at most `limit`."""
        return list(self.client.zrangebyscore(key, "-inf", float(until), start=0, num=int(limit)))

    # --- counters --------------------------------------------------------------------------------------
    def counter_incr(self, key: str, amount: int = 1, ttl_seconds: int | None = None) -> int:
        """Add `amount` and return the new value; the TTL is set only while the key has none."""
        check_counter_ttl(ttl_seconds)
        ttl_arg = "" if ttl_seconds is None else ttl_seconds
        return int(self._counter_incr(keys=[key], args=[int(amount), ttl_arg]))

    def counter_get(self, key: str) -> int:
        """The counter's value, 0 if missing."""
        value = self.client.get(key)
        return 0 if value is None else int(value)

    # --- leases ----------------------------------------------------------------------------------------
    def lease_acquire(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Take the lease if nobody holds it; True if `owner` now holds it."""
        return bool(self.client.set(key, owner, nx=True, px=ttl_ms(ttl_seconds)))

    def lease_renew(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Extend the lease to `ttl_seconds` from now, only if `owner` still holds it."""
        return bool(self._lease_renew(keys=[key], args=[owner, ttl_ms(ttl_seconds)]))

    def lease_release(self, key: str, owner: str) -> bool:
        """Give the lease up, only if `owner` holds it; True if released."""
        return bool(self._lease_release(keys=[key], args=[owner]))

    def lease_owner(self, key: str) -> str | None:
        """Who holds the lease, or None."""
        return self.client.get(key)

    # --- queues ----------------------------------------------------------------------------------------
    def queue_push(self, queue: str, member: str) -> bool:
        """Append `member`; False (and no change of place) if already queued."""
        return bool(self._queue_push(keys=[queue], args=[member]))

    def queue_remove(self, queue: str, member: str) -> bool:
        """Take `member` out of the queue; True if it was there."""
        return bool(self.client.zrem(queue, member))

    def queue_len(self, queue: str) -> int:
        """Number of waiting members."""
        return int(self.client.zcard(queue))

    def queue_members(self, queue: str) -> list[str]:
        """Waiting members, first come first."""
        return list(self.client.zrange(queue, 0, -1))

    def queue_pop_group(self, queue: str, size: int) -> list[str] | None:
        """Atomically take the first `size` members, or take nothing and return None if fewer wait."""
        check_group_size(size)
        group = self._queue_pop_group(keys=[queue], args=[size])
        return None if group is None else list(group)

    # --- live state ------------------------------------------------------------------------------------
    def state_set(self, key: str, value: dict[str, Any], ttl_seconds: float | None = None) -> None:
        """Store a JSON-able dict, replacing any value and TTL."""
        px = None if ttl_seconds is None else ttl_ms(ttl_seconds)
        self.client.set(key, json.dumps(value, ensure_ascii=False), px=px)

    def state_get(self, key: str) -> dict[str, Any] | None:
        """The stored dict (a fresh copy), or None."""
        text = self.client.get(key)
        return None if text is None else json.loads(text)

    def state_set_if_absent(self, key: str, value: dict[str, Any], ttl_seconds: float | None = None) -> bool:
        """Store only if the key does not exist; True if stored."""
        px = None if ttl_seconds is None else ttl_ms(ttl_seconds)
        return bool(self.client.set(key, json.dumps(value, ensure_ascii=False), nx=True, px=px))

    def state_delete(self, key: str) -> None:
        """Delete a state key."""
        self.client.delete(key)

    def hash_incr(self, key: str, field: str, amount: int) -> int:
        """Add `amount` to an integer hash field and return the new value."""
        return int(self.client.hincrby(key, field, int(amount)))

    def hash_get_all(self, key: str) -> dict[str, int]:
        """All fields of an integer hash (one written by hash_incr)."""
        return {f: int(v) for f, v in self.client.hgetall(key).items()}

    def hash_set_if_absent(self, key: str, field: str, value: str) -> bool:
        """Set a hash field only if it is not set; True if set."""
        return bool(self.client.hsetnx(key, field, str(value)))

    def hash_get(self, key: str, field: str) -> str | None:
        """One hash field as text, or None."""
        return self.client.hget(key, field)

    def expire(self, key: str, ttl_seconds: float) -> bool:
        """Set a key's TTL; False if the key does not exist."""
        return bool(self.client.pexpire(key, ttl_ms(ttl_seconds)))

    def ttl(self, key: str) -> float | None:
        """Seconds until the key expires, or None if it is missing or never expires."""
        ms = int(self.client.pttl(key))
        return None if ms < 0 else ms / 1000

    # --- lifecycle -------------------------------------------------------------------------------------
    def ping(self) -> bool:
        """True if the backend answers."""
        try:
            return bool(self.client.ping())
        except (redis.RedisError, OSError):
            return False

    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""
        self.client.close()
