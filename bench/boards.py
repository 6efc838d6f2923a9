"""Board-read bench: "top-50 + my rank" through the Redis Store against bare redis-py round trips.

Flushes the given Redis database, fills one month members board with N members (random points,
pipelined ZADD), then times R reads of `store.board_top(key, 50)` + `store.board_rank(key, member)`
for random members, and in the same run R reads of bare `ZREVRANGE key 0 49 WITHSCORES` +
`ZREVRANK key member` (no tie handling: what Redis alone costs). Prints p50/p95/p99 in ms and the
ratio Store ÷ bare. Goal: Store p99 ≤ 2 ms.

    python bench/boards.py                                   # 100,000 members, 5,000 reads
    python bench/boards.py --redis redis://127.0.0.1:6379/7 --members 10000 --reads 1000
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import preflight  # bench/, the script's own folder
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pkarena.store import keys, open_store  # noqa: E402

DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
MONTH = "2026-11"
CHUNK = 10_000


def fill(client: redis.Redis, key: str, members: int, rng: random.Random) -> float:
    """ZADD `members` random scores (0–500, so many ties) in pipelined chunks; returns seconds."""
    started = time.perf_counter()
    for first in range(1, members + 1, CHUNK):
        pipe = client.pipeline(transaction=False)
        pipe.zadd(key, {str(m): rng.randint(0, 500) for m in range(first, min(first + CHUNK, members + 1))})
        pipe.execute()
    return time.perf_counter() - started


def timed(read: Callable[[str], object], picks: list[str]) -> list[float]:
    """Milliseconds of each read, one per picked member."""
    samples = []
    for member in picks:
        started = time.perf_counter()
        read(member)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 of millisecond samples."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def main() -> None:
    """Run the bench and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis", default=os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    preflight.redis(args.redis)

    rng = random.Random(args.seed)
    client = redis.Redis.from_url(args.redis, decode_responses=True)
    client.flushdb()
    key = keys.board_key("members", keys.scope_all(), keys.period_month(MONTH))
    seconds = fill(client, key, args.members, rng)
    store = open_store(args.redis)
    picks = [str(rng.randint(1, args.members)) for _ in range(args.reads)]

    def store_read(member: str) -> None:
        store.board_top(key, 50)
        store.board_rank(key, member)

    def bare_read(member: str) -> None:
        client.zrevrange(key, 0, 49, withscores=True)
        client.zrevrank(key, member)

    # Warm both paths (script load, connection pool) so the first sample is not a connect.
    timed(store_read, picks[:50])
    timed(bare_read, picks[:50])
    results = {"store": percentiles(timed(store_read, picks)), "bare": percentiles(timed(bare_read, picks))}
    # A second store pass after the baseline, so drift during the run shows up rather than hides.
    results["store (again)"] = percentiles(timed(store_read, picks))

    info = client.info("server")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.processor() or platform.machine()} · "
          f"{os.cpu_count()} CPUs · Python {platform.python_version()} · Redis {info['redis_version']} · "
          f"redis-py {redis.__version__}")
    print(f"board {key}: {client.zcard(key):,} members filled in {seconds:.2f} s; {args.reads:,} reads each")
    print("| read | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    for name, cut in results.items():
        label = "Store: board_top(50) + board_rank" if name == "store" else (
            "bare: ZREVRANGE 0 49 + ZREVRANK" if name == "bare" else "Store again (after baseline)")
        print(f"| {label} | {cut['p50']:.3f} | {cut['p95']:.3f} | {cut['p99']:.3f} |")
    ratio = {p: results["store"][p] / results["bare"][p] for p in ("p50", "p99")}
    print(f"ratio Store ÷ bare: p50 {ratio['p50']:.2f}×, p99 {ratio['p99']:.2f}×")
    goal = "met" if results["store"]["p99"] <= 2.0 else "NOT met"
    print(f"goal Store p99 ≤ 2 ms: {goal} ({results['store']['p99']:.3f} ms)")
    client.flushdb()
    store.close()


if __name__ == "__main__":
    main()
