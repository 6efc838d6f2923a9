"""Ledger bench: awards per second through `ledger.award` against a bare INSERT baseline.

Both run in the same process on the same engine: the baseline inserts rows with the ledger's columns
and unique key into a plain table, one transaction per row, so the ratio is the cost of the ledger's
contract (member lock, idempotency lookup, today's count and sum for the caps, the rules, the ORM).

    python bench/ledger.py --awards 2000 --threads 1,4
    python bench/ledger.py --backends postgres --postgres postgresql+psycopg://user@host:5432/db
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pkarena.clock import FrozenClock  # noqa: E402
from pkarena.database import make_engine  # noqa: E402
from pkarena.migrate import upgrade  # noqa: E402
from pkarena.services import ledger, members, orgs  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:55432/pkarena_test"  # as .ci/services.sh starts it
BENCH_DB = "pkarena_bench"
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


@dataclass
class Row:
    backend: str
    threads: int
    awards: int
    award_rate: float
    insert_rate: float

    @property
    def ratio(self) -> float:
        return self.insert_rate / self.award_rate


def run_threads(threads: int, total: int, work: Callable[[int, int], None]) -> float:
    """Split `total` calls of `work(thread, i)` over `threads` threads started together; return calls/s."""
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
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return total / elapsed


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


def bench_backend(name: str, url: str, awards: int, thread_counts: list[int]) -> list[Row]:
    """Migrate, seed, then time ledger.award and the bare INSERT for each thread count."""
    upgrade(url)
    engine = make_engine(url)
    plain.drop_all(engine)
    plain.create_all(engine)
    clock = FrozenClock(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    member_ids = seed(engine, clock)
    factory = sessionmaker(engine, expire_on_commit=False)
    rows: list[Row] = []
    try:
        for threads in thread_counts:
            tag = f"t{threads}"
            sessions: dict[int, Session] = {}

            def award(t: int, i: int, tag: str = tag, sessions: dict[int, Session] = sessions) -> None:
                session = sessions.get(t) or sessions.setdefault(t, factory())
                ledger.award(session, clock, member_id=member_ids[(t * 7919 + i) % MEMBERS], source="live",
                             source_ref=f"{tag}-{t}-{i}", outcome={"correct": 1})

            def bare(t: int, i: int, tag: str = tag) -> None:
                member_id = member_ids[(t * 7919 + i) % MEMBERS]
                with engine.begin() as conn:
                    conn.execute(insert(plain_entry), {
                        "idempotency_key": f"live:{tag}-{t}-{i}:{member_id}", "member_id": member_id, "org_id": 2,
                        "points": 1, "requested": 1, "source": "live", "source_ref": f"{tag}-{t}-{i}",
                        "rule_version": "2026.1", "reason": "", "awarded_at": "2026-11-25T06:00:00+00:00",
                        "day": "2026-11-25", "month": "2026-11"})

            for i in range(WARMUP):  # connections, statement caches, the org-path of the first row
                award(0, -1 - i)
                bare(0, -1 - i)
            insert_rate = run_threads(threads, awards, bare)
            award_rate = run_threads(threads, awards, award)
            for session in sessions.values():
                session.close()
            rows.append(Row(name, threads, awards, award_rate, insert_rate))
            print(f"  {name:<10} threads={threads}: ledger.award {award_rate:8.0f}/s   "
                  f"bare INSERT {insert_rate:8.0f}/s", file=sys.stderr)
    finally:
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
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_PG),
                        help="a PostgreSQL URL on the server to use; the bench creates and drops its own database")
    args = parser.parse_args(argv)
    thread_counts = [int(t) for t in args.threads.split(",")]
    backends = args.backends.split(",")

    rows: list[Row] = []
    pg_url = None
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            rows += bench_backend("sqlite", f"sqlite:///{folder}/bench.sqlite3", args.awards, thread_counts)
    if "postgres" in backends:
        pg_url, drop = postgres_database(args.postgres)
        try:
            rows += bench_backend("postgresql", pg_url, args.awards, thread_counts)
            facts = machine(pg_url)
        finally:
            drop()
    else:
        facts = machine(None)

    print(f"ledger bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; " + "; ".join(facts))
    print()
    print("| backend | threads | awards | ledger.award /s | bare INSERT /s | INSERT ÷ award |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row.backend} | {row.threads} | {row.awards} | {row.award_rate:,.0f} | {row.insert_rate:,.0f} "
              f"| {row.ratio:.1f}× |")


if __name__ == "__main__":
    main()
