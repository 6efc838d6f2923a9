"""One Store contract, run unchanged against the memory and the Redis backend."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from support.services import flushed_redis, worker_redis_url

from pkarena.store import BoardRow, Store, keys, open_store
from pkarena.store.memory import SWEEP_EVERY, MemoryStore

BOARD = keys.board_key("members", keys.scope_all(), keys.period_month("2026-11"))


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The backend under test, empty."""
    if request.param == "memory":
        backend = open_store("memory://")
    else:
        backend = open_store(flushed_redis(worker_redis_url()))
    yield backend
    backend.close()


def run_together(workers: int, task: Callable[[int], Any]) -> list[Any]:
    """Run `task(i)` on `workers` threads released at the same instant; re-raise any failure."""
    barrier = threading.Barrier(workers, timeout=10)

    def start(i: int) -> Any:
        barrier.wait()
        return task(i)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [f.result(timeout=60) for f in [pool.submit(start, i) for i in range(workers)]]


def ranks(rows: list[BoardRow]) -> list[tuple[str, float, int]]:
    return [(r.member, r.score, r.rank) for r in rows]


# --- selection and keys -----------------------------------------------------------------------------
def test_open_store_selects_backend_by_url_without_connecting() -> None:
    from pkarena.store.redis_store import RedisStore

    assert isinstance(open_store("memory://"), MemoryStore)
    offline = open_store("redis://127.0.0.1:1/0")  # nothing listens there; construction must not care
    assert isinstance(offline, RedisStore)
    assert open_store("rediss://:secret@example.invalid:6380/0").url.startswith("rediss://")
    assert "secret" not in repr(open_store("redis://:secret@127.0.0.1:1/0"))
    assert offline.ping() is False
    for bad in ("", "sqlite:///x.db", "localhost:6379", "http://:secret@h/"):
        with pytest.raises(ValueError, match="PKARENA_STORE_URL") as info:
            open_store(bad)
        assert "secret" not in str(info.value)


def test_key_builders() -> None:
    assert BOARD == "pk:board:members:all:month:2026-11"
    assert keys.board_key("members", keys.scope_org(7), keys.period_day("2026-11-25")) == (
        "pk:board:members:org:7:day:2026-11-25"
    )
    assert keys.board_key("orgs", keys.scope_all(), keys.PERIOD_ALL) == "pk:board:orgs:all:all"
    assert keys.board_prefix() == "pk:board:" and keys.board_prefix("orgs") == "pk:board:orgs:"
    assert keys.lease_key("job:freeze") == "pk:lease:job:freeze"
    assert keys.queue_key("pk4", "open") == "pk:queue:pk4:open"
    assert keys.state_key("match", "ab12") == "pk:state:match:ab12"
    assert keys.counter_key("pk1v1", "member", 12, "2026-11-25") == "pk:counter:pk1v1:member:12:2026-11-25"
    assert keys.tmp_key(BOARD) != keys.tmp_key(BOARD)
    with pytest.raises(ValueError):
        keys.board_key("people", "all", "all")
    with pytest.raises(ValueError):
        keys.state_key("match", "")


# --- boards -----------------------------------------------------------------------------------------
def test_board_incr_returns_new_score(store: Store) -> None:
    assert store.board_score(BOARD, "a") is None
    assert store.board_incr(BOARD, "a", 2) == 2.0
    assert store.board_incr(BOARD, "a", 1.5) == 3.5
    assert store.board_incr(BOARD, "a", -0.5) == 3.0
    assert store.board_score(BOARD, "a") == 3.0
    assert isinstance(store.board_score(BOARD, "a"), float)


def test_equal_scores_share_a_rank(store: Store) -> None:
    store.board_replace(BOARD, {"w": 10, "y": 8, "x": 8, "z": 5})
    assert ranks(store.board_top(BOARD, 10)) == [("w", 10, 1), ("x", 8, 2), ("y", 8, 2), ("z", 5, 4)]
    assert store.board_rank(BOARD, "y") == BoardRow("y", 8.0, 2)
    assert store.board_rank(BOARD, "z") == BoardRow("z", 5.0, 4)
    assert store.board_rank(BOARD, "nobody") is None
    assert store.board_rank("pk:board:members:all:all", "w") is None
    assert store.board_top(BOARD, 0) == [] and store.board_top(BOARD, 1)[0].member == "w"


def test_board_range_pages_start_mid_tie(store: Store) -> None:
    store.board_replace(BOARD, {"a": 10, "f": 8, "e": 8, "d": 8, "c": 8, "b": 8, "g": 5})
    assert ranks(store.board_range(BOARD, 2, 3)) == [("c", 8, 2), ("d", 8, 2)]
    assert ranks(store.board_range(BOARD, 5, 10)) == [("f", 8, 2), ("g", 5, 7)]
    assert ranks(store.board_range(BOARD, -2, -1)) == [("f", 8, 2), ("g", 5, 7)]
    assert store.board_range(BOARD, 3, 2) == [] and store.board_range(BOARD, 7, 9) == []
    assert store.board_range("pk:board:orgs:all:all", 0, -1) == []


def test_board_range_matches_a_sort_on_random_boards(store: Store) -> None:
    rng = random.Random(20261125)
    board = {f"m{i:03d}": float(rng.choice([0, 1, 2, 2.5, 3, 7, 7, 9])) for i in range(60)}
    store.board_replace(BOARD, board)
    ordered = sorted(board.items(), key=lambda kv: (-kv[1], kv[0]))
    expected = [(m, s, 1 + sum(1 for v in board.values() if v > s)) for m, s in ordered]
    assert ranks(store.board_range(BOARD, 0, -1)) == expected
    for start in range(0, 60, 7):
        assert ranks(store.board_range(BOARD, start, start + 6)) == expected[start : start + 7]
    for member, score, rank in expected:
        assert store.board_rank(BOARD, member) == BoardRow(member, score, rank)


def test_board_incr_many_size_all_and_delete(store: Store) -> None:
    other = keys.board_key("orgs", keys.scope_all(), keys.PERIOD_ALL)
    store.board_incr_many([(BOARD, "a", 1), (BOARD, "b", 2), (other, "7", 3), (BOARD, "a", 4)])
    store.board_incr_many([])
    assert store.board_all(BOARD) == {"a": 5.0, "b": 2.0}
    assert store.board_size(BOARD) == 2 and store.board_size(other) == 1
    store.delete(BOARD, other, "pk:missing")
    store.delete()
    assert store.board_all(BOARD) == {} and store.board_size(other) == 0


def test_board_replace_is_whole_and_drops_ttl(store: Store) -> None:
    store.board_replace(BOARD, {"old": 1, "keep": 2})
    assert store.expire(BOARD, 100)
    big = {f"m{i}": float(i) for i in range(2500)}  # more than one ZADD chunk on Redis
    store.board_replace(BOARD, big)
    assert store.board_all(BOARD) == big
    assert store.ttl(BOARD) is None
    assert store.board_keys("pk:tmp:") == []  # the temp board was renamed away
    store.board_replace(BOARD, {})
    assert store.board_size(BOARD) == 0 and store.board_keys(BOARD) == []


def test_board_keys_prefix_is_literal_and_boards_only(store: Store) -> None:
    day = keys.board_key("members", keys.scope_org(7), keys.period_day("2026-11-25"))
    orgs = keys.board_key("orgs", keys.scope_all(), keys.PERIOD_ALL)
    for key in (BOARD, day, orgs, "pk:board:x[1]", "pk:board:x1"):
        store.board_incr(key, "m", 1)
    store.counter_incr("pk:board:members:not-a-board")
    assert store.board_keys(keys.board_prefix("members")) == sorted([BOARD, day])
    assert store.board_keys("pk:board:x[") == ["pk:board:x[1]"]
    assert store.board_keys("pk:board:*") == []
    assert len(store.board_keys(keys.board_prefix())) == 5


# --- counters, leases -------------------------------------------------------------------------------
def test_counter_ttl_is_set_once_when_created(store: Store) -> None:
    key = keys.counter_key("daily", "member", 1, "2026-11-25")
    assert store.counter_get(key) == 0
    assert store.counter_incr(key, ttl_seconds=100) == 1
    assert store.counter_incr(key, 4, ttl_seconds=5) == 5
    assert 50 < (store.ttl(key) or 0) <= 100  # the window did not slide to 5 s
    assert store.counter_get(key) == 5
    plain = keys.counter_key("plain")
    assert store.counter_incr(plain, -2) == -2 and store.ttl(plain) is None
    with pytest.raises(ValueError):
        store.counter_incr(key, 1, ttl_seconds=0)


def test_lease_belongs_to_one_owner(store: Store) -> None:
    key = keys.lease_key("job:freeze:2026-10")
    assert store.lease_owner(key) is None
    assert store.lease_acquire(key, "w1", 1) is True
    assert store.lease_acquire(key, "w2", 1) is False
    assert store.lease_owner(key) == "w1"
    assert store.lease_renew(key, "w2", 100) is False
    assert store.lease_renew(key, "w1", 100) is True and 50 < (store.ttl(key) or 0) <= 100
    assert store.lease_release(key, "w2") is False and store.lease_owner(key) == "w1"
    assert store.lease_release(key, "w1") is True and store.lease_owner(key) is None
    assert store.lease_release(key, "w1") is False and store.lease_renew(key, "w1", 1) is False
    assert store.lease_acquire(key, "w2", 1) is True
    with pytest.raises(ValueError):
        store.lease_acquire(keys.lease_key("other"), "w1", 0)


def test_keys_really_expire(store: Store) -> None:
    lease, state = keys.lease_key("short"), keys.state_key("match", "short")
    assert store.lease_acquire(lease, "w1", 0.05)
    store.state_set(state, {"a": 1}, ttl_seconds=0.05)
    time.sleep(0.2)
    assert store.lease_owner(lease) is None and store.state_get(state) is None
    assert store.lease_renew(lease, "w1", 1) is False
    assert store.lease_acquire(lease, "w2", 1) is True


# --- queues -----------------------------------------------------------------------------------------
def test_queue_is_fifo_and_unique(store: Store) -> None:
    q = keys.queue_key("pk4", "open")
    assert store.queue_pop_group(q, 1) is None and store.queue_members(q) == []
    for member in ("u3", "u1", "u2"):
        assert store.queue_push(q, member) is True
    assert store.queue_push(q, "u3") is False
    assert store.queue_members(q) == ["u3", "u1", "u2"] and store.queue_len(q) == 3
    assert store.queue_pop_group(q, 4) is None and store.queue_len(q) == 3  # nothing taken
    assert store.queue_remove(q, "u1") is True and store.queue_remove(q, "u1") is False
    assert store.queue_push(q, "u1") is True  # a re-join goes to the back
    assert store.queue_members(q) == ["u3", "u2", "u1"]
    assert store.queue_pop_group(q, 2) == ["u3", "u2"]
    store.queue_push(q, "u4")
    assert store.queue_pop_group(q, 2) == ["u1", "u4"] and store.queue_len(q) == 0
    with pytest.raises(ValueError):
        store.queue_pop_group(q, 0)



# --- schedules --------------------------------------------------------------------------------------
def test_schedule_gives_due_members_earliest_first(store: Store) -> None:
    key = keys.match_schedule_key()
    assert key == "pk:schedule:matches" and store.schedule_due(key, 10**15) == []
    store.schedule_set(key, "late", 3000)
    store.schedule_set(key, "early", 1000)
    store.schedule_set(key, "middle", 2000)
    assert store.schedule_due(key, 2000) == ["early", "middle"]  # the bound is inclusive
    assert store.schedule_due(key, 5000, limit=2) == ["early", "middle"]
    store.schedule_set(key, "early", 4000)  # moved, not added twice
    assert store.schedule_due(key, 5000) == ["middle", "late", "early"]
    store.schedule_remove(key, "middle")
    store.schedule_remove(key, "never-there")
    assert store.schedule_due(key, 5000) == ["late", "early"]
    store.schedule_remove(key, "late")
    store.schedule_remove(key, "early")
    assert store.schedule_due(key, 10**15) == []

# --- live state, hashes -----------------------------------------------------------------------------
def test_state_round_trip_copy_and_ttl(store: Store) -> None:
    key = keys.state_key("match", "m1")
    value = {"mode": "pk4", "players": [1, 2], "名": "第一支部", "deadline": 1.5, "done": None}
    store.state_set(key, value, ttl_seconds=100)
    got = store.state_get(key)
    assert got == value
    got["players"].append(3)  # type: ignore[index]
    assert store.state_get(key) == value
    assert 50 < (store.ttl(key) or 0) <= 100
    store.state_set(key, {"v": 2})
    assert store.state_get(key) == {"v": 2} and store.ttl(key) is None  # a new value resets the TTL
    assert store.state_set_if_absent(key, {"v": 3}, 10) is False and store.state_get(key) == {"v": 2}
    store.state_delete(key)
    assert store.state_get(key) is None
    assert store.state_set_if_absent(key, {"v": 4}, 10) is True and store.state_get(key) == {"v": 4}
    with pytest.raises(TypeError):
        store.state_set(key, {"bad": object()})


def test_hash_counts_and_first_writer_wins(store: Store) -> None:
    key = keys.hash_key("live", 5, "orgs")
    assert store.hash_get_all(key) == {} and store.hash_get(key, "7") is None
    assert store.hash_incr(key, "7", 3) == 3 and store.hash_incr(key, "7", -1) == 2
    assert store.hash_incr(key, "8", 1) == 1
    assert store.hash_get_all(key) == {"7": 2, "8": 1} and store.hash_get(key, "7") == "2"
    answers = keys.hash_key("match", "m1", "answers")
    assert store.hash_set_if_absent(answers, "u1:0", "B") is True
    assert store.hash_set_if_absent(answers, "u1:0", "C") is False
    assert store.hash_get(answers, "u1:0") == "B"


def test_expire_and_ttl(store: Store) -> None:
    assert store.expire("pk:missing", 10) is False and store.ttl("pk:missing") is None
    store.hash_incr(keys.hash_key("live", 1, "orgs"), "1", 1)
    assert store.expire(keys.hash_key("live", 1, "orgs"), 30) is True
    assert 20 < (store.ttl(keys.hash_key("live", 1, "orgs")) or 0) <= 30
    assert store.ping() is True


# --- races ------------------------------------------------------------------------------------------
def test_concurrent_increments_are_exact(store: Store) -> None:
    counter = keys.counter_key("race")

    def work(i: int) -> None:
        for _ in range(200):
            store.board_incr(BOARD, "shared", 0.5)
            store.board_incr(BOARD, f"own{i}", 1)
            store.counter_incr(counter, 1, ttl_seconds=60)

    run_together(8, work)
    assert store.board_score(BOARD, "shared") == 800.0
    assert store.counter_get(counter) == 1600
    assert [r.rank for r in store.board_top(BOARD, 9)] == [1] + [2] * 8


def test_racing_leases_have_one_winner(store: Store) -> None:
    for round_ in range(25):
        key = keys.lease_key(f"race:{round_}")
        won = run_together(2, lambda i, key=key: store.lease_acquire(key, f"w{i}", 10))
        assert sorted(won) == [False, True]
        assert store.lease_owner(key) == f"w{won.index(True)}"


def test_racing_queue_pops_and_pushes(store: Store) -> None:
    q = keys.queue_key("pk1v1", "open")
    for i in range(6):
        store.queue_push(q, f"u{i}")
    groups = run_together(4, lambda i: store.queue_pop_group(q, 2))
    taken = [g for g in groups if g is not None]
    assert len(taken) == 3 and groups.count(None) == 1
    assert sorted(m for g in taken for m in g) == [f"u{i}" for i in range(6)]
    pushed = run_together(8, lambda i: store.queue_push(q, "same"))
    assert pushed.count(True) == 1 and store.queue_members(q) == ["same"]


# --- memory TTLs on an injected clock ----------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_memory_store_honours_ttls_on_its_clock() -> None:
    clock = FakeClock()
    store = MemoryStore(now=clock)
    counter, lease, state = keys.counter_key("c"), keys.lease_key("l"), keys.state_key("s", 1)
    store.counter_incr(counter, ttl_seconds=10)
    store.lease_acquire(lease, "w1", 5)
    store.state_set(state, {"a": 1}, ttl_seconds=20)
    store.board_incr(BOARD, "m", 1)
    store.expire(BOARD, 15)

    clock.t += 4.9
    assert store.lease_owner(lease) == "w1" and store.ttl(lease) == pytest.approx(0.1)
    assert store.counter_incr(counter, ttl_seconds=10) == 2  # the window does not slide
    clock.t += 0.2
    assert store.lease_owner(lease) is None and store.lease_acquire(lease, "w2", 5)
    clock.t += 5
    assert store.counter_get(counter) == 0 and store.counter_incr(counter) == 1
    assert store.ttl(counter) is None  # recreated without a TTL
    assert store.board_size(BOARD) == 1 and store.board_keys("pk:board:") == [BOARD]
    clock.t += 5
    assert store.board_size(BOARD) == 0 and store.board_keys("pk:board:") == []
    assert store.state_get(state) == {"a": 1}
    clock.t += 5
    assert store.state_get(state) is None and store.state_set_if_absent(state, {"b": 2}, 1)


def test_memory_store_sweeps_keys_nobody_reads_again() -> None:
    clock = FakeClock()
    store = MemoryStore(now=clock)
    for i in range(100):
        store.counter_incr(keys.counter_key("day", i), ttl_seconds=1)
    clock.t += SWEEP_EVERY + 1
    store.counter_get(keys.counter_key("other"))
    assert store._data == {} and store._expires == {}
