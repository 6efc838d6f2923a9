"""Ledger bench: awards per second through `ledger.award` against a bare INSERT baseline.

Both run in the same process on the same engine: the baseline inserts rows with the ledger's columns
and unique key into a plain table, one transaction per row, so the ratio is the cost of the ledger's
contract (member lock, idempotency lookup, today's count and sum for the caps, the rules, the ORM).

    python bench/ledger.py --awards 2000 --threads 1,4
    python bench/ledger.py --store redis://127.0.0.1:6379/9    # boards in Redis: a db of its own, it is flushed
    python bench/ledger.py --backends postgres --postgres postgresql+psycopg://user@host:5432/db
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import preflight  # bench/, the script's own folder
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pkarena.clock import FrozenClock  # noqa: E402
from pkarena.database import make_engine  # noqa: E402
from pkarena.migrate import upgrade  # noqa: E402
from pkarena.services import ledger  # noqa: E402
from pkarena.services.boards import cache as boards
from pkarena.services.people import members, orgs
from pkarena.store import open_store  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:55432/pkarena_test"  # as .ci/services.sh starts it
BENCH_DB = f"pkarena_bench_{os.getpid()}"  # two benches on one server never drop each other's database
MEMBERS = 200
WARMUP = 50

# The baseline: ledger_entry's columns and unique key, nothing else (no foreign keys, no logic).
plain = MetaData()
plain_entry = Table(
    "bench_plain_entry", plain,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("member_id", Integer, nullable=False), Column("org_id", Integer, nullable=False),
    Column("points", Integer, nullable=False), Column("requested", Integer, nullable=False),
    Column("source", String(24), nullable=False), Column("source_ref", String(120), nullable=False),
    Column("rule_version", String(32), nullable=False), Column("reason", String(48), nullable=False),
    Column("category", String(48)), Column("note", Text), Column("actor_id", Integer),
    Column("adjusts_month", String(7)), Column("corrects_entry_id", Integer),
    Column("awarded_at", String(40), nullable=False), Column("day", String(10), nullable=False),
    Column("month", String(7), nullable=False),
)


@dataclass(frozen=True)
class Timing:
    """One timed run: calls per second (wall clock) and this process's CPU milliseconds per call."""

    rate: float
    cpu_ms: float


@dataclass
class Row:
    backend: str
    threads: int
    awards: int
    award_runs: list[Timing]
    insert_runs: list[Timing]
    boards_runs: list[Timing]

    @property
    def award(self) -> Timing:
        return median(self.award_runs)

    @property
    def insert(self) -> Timing:
        return median(self.insert_runs)

    @property
    def ratio(self) -> float:
        return self.insert.rate / self.award.rate


def median(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.rate for t in timings), statistics.median(t.cpu_ms for t in timings))


def spread(timings: list[Timing]) -> str:
    """Median rate with the range of the rounds, e.g. `342 (276–437)`."""
    rates = [t.rate for t in timings]
    return f"{statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f})"


def run_threads(threads: int, total: int, work: Callable[[int, int], None]) -> Timing:
    """Split `total` calls of `work(thread, i)` over `threads` threads started together and time them."""
    barrier = threading.Barrier(threads + 1)
    errors: list[BaseException] = []
    share = [total // threads + (1 if t < total % threads else 0) for t in range(threads)]

    def run(t: int) -> None:
        barrier.wait()
        try:
            for i in range(share[t]):
                work(t, i)
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for thread in pool:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if errors:
        raise errors[0]
    return Timing(total / elapsed, 1000 * cpu / total)


def seed(engine: Engine, clock: FrozenClock) -> list[int]:
    """A company, a branch and MEMBERS members (cheap password hashes: the bench is not about login)."""
    factory = sessionmaker(engine, expire_on_commit=False)
    original = members.hash_password
    members.hash_password = lambda password: "bench"  # type: ignore[assignment]
    try:
        with factory() as session:
            company = orgs.create_org(session, clock, "Bench Co")
            branch = orgs.create_org(session, clock, "Bench Branch", company)
            people = [members.create_member(session, clock, username=f"bench{i:04d}", display_name=f"B{i}",
                                            org=branch, password="bench-password") for i in range(MEMBERS)]
            session.commit()
            return [m.id for m in people]
    finally:
        members.hash_password = original


class Workload:
    """The two things timed, on one engine: a full ledger award and a bare INSERT of the same row."""

    def __init__(self, engine: Engine, clock: FrozenClock, member_ids: list[int], store_url: str) -> None:
        self.engine, self.clock, self.member_ids = engine, clock, member_ids
        self.factory = sessionmaker(engine, expire_on_commit=False)
        self.store = open_store(store_url)
        if store_url.startswith("redis"):
            self.store.client.flushdb()
        self.updater = boards.BoardUpdater(self.store, boards.org_path_lookup(self.factory))
        self.sessions: dict[int, Session] = {}  # one per thread, kept across calls like a worker's
        self.tag = "warmup"  # makes every run's source references new

    def member(self, t: int, i: int) -> int:
        return self.member_ids[(t * 7919 + i) % len(self.member_ids)]

    def award(self, t: int, i: int, on_commit: ledger.EntryListener | None = None) -> None:
        session = self.sessions.get(t) or self.sessions.setdefault(t, self.factory())
        ledger.award(session, self.clock, member_id=self.member(t, i), source="live",
                     source_ref=f"{self.tag}-{t}-{i}", outcome={"correct": 1}, on_commit=on_commit)

    def award_and_boards(self, t: int, i: int) -> None:
        self.award(t, i + 10_000_000, self.updater)  # 15 board increments (3 periods × 5 boards) per award

    def bare(self, t: int, i: int) -> None:
        member_id, ref = self.member(t, i), f"{self.tag}-{t}-{i}"
        with self.engine.begin() as conn:
            conn.execute(insert(plain_entry), {
                "idempotency_key": f"live:{ref}:{member_id}", "member_id": member_id, "org_id": 2, "points": 1,
                "requested": 1, "source": "live", "source_ref": ref, "rule_version": "2026.1", "reason": "",
                "awarded_at": "2026-11-25T06:00:00+00:00", "day": "2026-11-25", "month": "2026-11"})

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()
        self.store.close()


def bench_backend(name: str, url: str, awards: int, thread_counts: list[int], rounds: int,
                  store_url: str) -> list[Row]:
    """Migrate, seed, then time ledger.award and the bare INSERT for each thread count.

    The two alternate for `rounds` rounds and each reports its median, so a burst of load from
    another process on the machine hits both sides rather than one."""
    upgrade(url)
    engine = make_engine(url)
    plain.drop_all(engine)
    plain.create_all(engine)
    clock = FrozenClock(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    work = Workload(engine, clock, seed(engine, clock), store_url)
    rows: list[Row] = []
    try:
        for i in range(WARMUP):  # connections, statement caches
            work.award(0, i)
            work.bare(0, i)
            work.award_and_boards(0, i)
        for threads in thread_counts:
            award_runs: list[Timing] = []
            insert_runs: list[Timing] = []
            boards_runs: list[Timing] = []
            for r in range(rounds):
                work.tag = f"t{threads}r{r}"
                insert_runs.append(run_threads(threads, awards, work.bare))
                award_runs.append(run_threads(threads, awards, work.award))
                boards_runs.append(run_threads(threads, awards, work.award_and_boards))
                print(f"  {name:<10} threads={threads} round {r + 1}: ledger.award {award_runs[-1].rate:6.0f}/s  "
                      f"bare INSERT {insert_runs[-1].rate:6.0f}/s  award+boards {boards_runs[-1].rate:6.0f}/s",
                      file=sys.stderr)
            rows.append(Row(name, threads, awards, award_runs, insert_runs, boards_runs))
    finally:
        work.close()
        plain.drop_all(engine)
        engine.dispose()
    return rows


def postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database next to `base_url`'s, and a function that drops it."""
    admin = create_engine(base_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        admin.dispose()

    return base_url.rsplit("/", 1)[0] + "/" + BENCH_DB, drop


def machine(pg_url: str | None) -> list[str]:
    """The facts a reader needs to compare figures across machines."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    facts = [f"CPU: {cpu}, {os.cpu_count()} logical CPUs",
             f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"]
    if pg_url:
        engine = create_engine(pg_url)
        with engine.connect() as conn:
            version, fsync, sync_commit = (conn.execute(text(f"SHOW {name}")).scalar_one()
                                           for name in ("server_version", "fsync", "synchronous_commit"))
            facts.append(f"PostgreSQL {version} (fsync={fsync}, synchronous_commit={sync_commit})")
        engine.dispose()
    return facts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=2000, help="awards (and bare INSERTs) per run")
    parser.add_argument("--threads", default="1,4", help="comma-separated thread counts")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per thread count (median kept)")
    parser.add_argument("--store", default="memory://",
                        help="store for the award+boards column: memory:// or a redis:// URL (its db is flushed)")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_PG),
                        help="a PostgreSQL URL on the server to use; the bench creates and drops its own database")
    args = parser.parse_args(argv)
    if "postgres" in args.backends.split(","):
        preflight.postgres(args.postgres)
    if args.store.startswith("redis"):
        preflight.redis(args.store)
    thread_counts = [int(t) for t in args.threads.split(",")]
    backends = args.backends.split(",")

    rows: list[Row] = []
    pg_url = None
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            rows += bench_backend("sqlite", f"sqlite:///{folder}/bench.sqlite3", args.awards, thread_counts,
                                  args.rounds, args.store)
    if "postgres" in backends:
        pg_url, drop = postgres_database(args.postgres)
        try:
            rows += bench_backend("postgresql", pg_url, args.awards, thread_counts, args.rounds, args.store)
            facts = machine(pg_url)
        finally:
            drop()
    else:
        facts = machine(None)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"ledger bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; " + "; ".join(facts) + f"; load average {load}")
    print(f"median of {args.rounds} alternating rounds of {args.awards} calls each; CPU = this process only; "
          f"boards in {args.store.split('@')[-1]}")
    print()
    print("| backend | threads | ledger.award /s (min–max) | bare INSERT /s (min–max) | INSERT ÷ award "
          "| award CPU ms | INSERT CPU ms | award + boards /s (min–max) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row.backend} | {row.threads} | {spread(row.award_runs)} | {spread(row.insert_runs)} "
              f"| {row.ratio:.1f}× | {row.award.cpu_ms:.2f} | {row.insert.cpu_ms:.2f} | {spread(row.boards_runs)} |")


if __name__ == "__main__":
    main()
