"""Contest bench: standings rebuild and freeze against one bare GROUP BY, and what an award adds, on PostgreSQL.

Seeds a scratch database (migrated by Alembic) with 3 companies × 10 branches × 5 groups, N members
(90 % in the 20 branches of companies 1 and 2, a few bots) and M ledger entries over 61 days around
October 2026 (a mix of sources, manual points not counted), all with INSERT … SELECT generate_series
(no ORM), and one scheduled contest between the 20 branches over October (default metric, tie-breaks
and sources). Then times, interleaved, in the same process and engine:
  baseline  SELECT member_id, org_id, sum(points) FROM ledger_entry WHERE <window + sources>
            GROUP BY member_id, org_id                                       (all rows fetched)
  compute   contest_standings.compute(): the standings recomputed from the ledger
  rebuild   contest_standings.rebuild() into a memory:// Store (and the --store Redis, if given)
  freeze    contest_standings.freeze(): rows + SHA-256 (result rows deleted, status reset first)
and the CPU one award adds for its contest boards: ContestBoardUpdater on a committed entry, against
the bare Store.board_incr_many of the same single update. The database is dropped at the end unless
--keep; the contest boards of the --store Redis database are replaced and deleted at the end.

    python bench/contests.py                                     # 100,000 members, 3,000,000 entries
    python bench/contests.py --members 10000 --entries 300000 --awards 20000
    python bench/contests.py --store redis://127.0.0.1:6379/1 --postgres postgresql+psycopg://u@h:5432/db
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pkarena.clock import FrozenClock  # noqa: E402
from pkarena.database import make_engine  # noqa: E402
from pkarena.engine import contests as rules  # noqa: E402
from pkarena.migrate import upgrade  # noqa: E402
from pkarena.models import Contest  # noqa: E402
from pkarena.services.contests import standings as contest_standings  # noqa: E402
from pkarena.store import keys as store_keys  # noqa: E402
from pkarena.store import open_store  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:55432/pkarena_test"  # as .ci/services.sh starts it
BENCH_DB = f"pkarena_bench_contests_{os.getpid()}"
CONTEST_ID = 1
STARTS_ON, ENDS_ON = "2026-10-01", "2026-10-31"
SPAN_START = "2026-09-15 16:00:00+00"  # 16 September 00:00 in Shanghai: 61 days, October in the middle
SPAN_SECONDS = 61 * 86400
COMPANIES, BRANCHES, GROUPS = 3, 10, 5  # companies 1 and 2 take part (20 branches), company 3 does not
# g % 20 → source: 40 % daily, 15 % challenge, 20 % pk1v1, 10 % pk4, 5 % live, 10 % manual (not counted).
SOURCE_OF = """CASE WHEN g % 20 < 8 THEN 'daily' WHEN g % 20 < 11 THEN 'challenge' WHEN g % 20 < 15 THEN 'pk1v1'
                    WHEN g % 20 < 17 THEN 'pk4' WHEN g % 20 < 18 THEN 'live' ELSE 'manual' END"""
# Two 1v1 matches (11+12, 13+14) and one 4-player match (15+16, first and second place) per 20 entries.
REF_OF = """CASE WHEN g % 20 BETWEEN 11 AND 14 THEN 'pk1v1:' || g / 20 || '-' || (g % 20 - 11) / 2
                 WHEN g % 20 IN (15, 16) THEN 'pk4:' || g / 20 ELSE g::text END"""
OUTCOME_OF = """CASE WHEN g % 20 BETWEEN 11 AND 14 THEN (CASE WHEN g % 2 = 1 THEN 'win' ELSE 'loss' END)
                     WHEN g % 20 IN (15, 16) THEN 'place:' || (g % 20 - 14) END"""


def seed(url: str, members: int, entries: int) -> dict[str, float]:
    """Fill the scratch database and create the contest; returns seconds per step."""
    engine = make_engine(url)
    steps: dict[str, float] = {}
    with engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(text("""
            INSERT INTO org (id, name, kind, parent_id, path, created_at)
            SELECT c, '公司' || c, 'company', NULL, '/' || c || '/', '2026-01-01+00' FROM generate_series(1, :c) c
        """), {"c": COMPANIES})
        conn.execute(text("""
            INSERT INTO org (id, name, kind, parent_id, path, created_at)
            SELECT 100 + (c - 1) * :b + b, '支部' || c || '-' || b, 'branch', c,
                   '/' || c || '/' || (100 + (c - 1) * :b + b) || '/', '2026-01-01+00'
            FROM generate_series(1, :c) c, generate_series(1, :b) b
        """), {"c": COMPANIES, "b": BRANCHES})
        conn.execute(text("""
            INSERT INTO org (id, name, kind, parent_id, path, created_at)
            SELECT 1000 + (p.id - 100 - 1) * :g + g, p.name || '-组' || g, 'group', p.id,
                   p.path || (1000 + (p.id - 100 - 1) * :g + g) || '/', '2026-01-01+00'
            FROM org p, generate_series(1, :g) g WHERE p.kind = 'branch'
        """), {"g": GROUPS})
        conn.execute(text("SELECT setval(pg_get_serial_sequence('org', 'id'), 100000)"))
        inside = 2 * BRANCHES * GROUPS  # groups 1001…1100 lie in the contest's branches
        outside = (COMPANIES - 2) * BRANCHES * GROUPS
        # Every tenth member in company 3 (outside the contest), every thousandth a PK bot.
        conn.execute(text("""
            INSERT INTO member (id, username, display_name, password_hash, role, status, org_id, is_bot, created_at)
            SELECT m, 'u' || m, '成员' || m, 'x', 'member', 'active',
                   1001 + CASE WHEN m % 10 = 0 THEN :inside + m / 10 % :outside ELSE m % :inside END,
                   m % 1000 = 0, '2026-01-01+00'
            FROM generate_series(1, :n) m
        """), {"n": members, "inside": inside, "outside": outside})
        conn.execute(text("""
            INSERT INTO membership (member_id, org_id, started_at, ended_at)
            SELECT id, org_id, created_at, NULL FROM member
        """))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('member', 'id'), :n)"), {"n": members})
        steps["orgs + members"] = time.perf_counter() - started
        started = time.perf_counter()
        # Bulk-load practice (as bench/freeze.py): drop the ledger's foreign keys and secondary indexes,
        # load, put them back.
        constraints = conn.execute(text("""
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = 'ledger_entry'::regclass AND contype IN ('f', 'u')
        """)).all()
        indexes = conn.execute(text("""
            SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ledger_entry'
            AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'ledger_entry'::regclass)
        """)).all()
        for name, _definition in constraints:
            conn.execute(text(f'ALTER TABLE ledger_entry DROP CONSTRAINT "{name}"'))
        for name, _definition in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text(f"""
            INSERT INTO ledger_entry (idempotency_key, member_id, org_id, points, requested, source, source_ref,
                                      rule_version, reason, outcome, awarded_at, day, month)
            SELECT 'bench:' || g, m.id, m.org_id, 1 + g % 5, 1 + g % 5, {SOURCE_OF}, {REF_OF}, '2026.1', '',
                   {OUTCOME_OF}, t.at, to_char(t.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                   to_char(t.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')
            FROM generate_series(1::bigint, :entries) g
            JOIN member m ON m.id = 1 + (g * 7919 + g / 20) % :n  -- g / 20: no member tied to one source
            CROSS JOIN LATERAL (SELECT CAST(:start AS timestamptz) + ((g * 104729) % :seconds) * interval '1 second'
                                AS at) t
        """), {"entries": entries, "n": members, "start": SPAN_START, "seconds": SPAN_SECONDS})
        steps["ledger entries"] = time.perf_counter() - started
        started = time.perf_counter()
        for _name, definition in indexes:
            conn.execute(text(definition))
        for name, definition in constraints:
            conn.execute(text(f'ALTER TABLE ledger_entry ADD CONSTRAINT "{name}" {definition}'))
        steps["indexes + constraints"] = time.perf_counter() - started
        conn.execute(text("""
            INSERT INTO contest (id, name, description, starts_on, ends_on, metric, tie_breaks, sources, status,
                                 created_by_id, created_at, updated_at)
            VALUES (:id, '十月支部PK赛', '', :starts, :ends, 'per_member', :tie_breaks, :sources, 'scheduled', 1,
                    '2026-09-20+00', '2026-09-20+00')
        """), {"id": CONTEST_ID, "starts": STARTS_ON, "ends": ENDS_ON,
               "tie_breaks": json.dumps(list(rules.DEFAULT_TIE_BREAKS)),
               "sources": json.dumps(list(rules.DEFAULT_SOURCES))})
        conn.execute(text("""
            INSERT INTO contest_org (contest_id, org_id, position)
            SELECT :id, id, row_number() OVER (ORDER BY id) FROM org WHERE kind = 'branch' AND parent_id <= 2
        """), {"id": CONTEST_ID})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        steps["vacuum analyze"] = time.perf_counter() - started
    engine.dispose()
    return steps


def cluster_cpu(postmaster: int | None) -> float | None:
    """CPU seconds used so far by this PostgreSQL cluster (its postmaster and children), None if not readable.

    Ended backends and parallel workers count through the postmaster's cutime/cstime (it reaps them).
    """
    if postmaster is None:
        return None
    ticks, found = 0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(entry.name) == postmaster or int(fields[1]) == postmaster:  # fields[1]: ppid
            found = True
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def find_postmaster(engine) -> int | None:
    """The local postmaster's pid (the parent of our backend), None when the server is not on this machine."""
    with engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(stat[1])


def timed(func: Callable[[], object], postmaster: int | None) -> tuple[float, float, float | None]:
    """Wall seconds, this process's CPU seconds (all threads) and the server's CPU seconds of one call."""
    server, cpu, started = cluster_cpu(postmaster), time.process_time(), time.perf_counter()
    func()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = cluster_cpu(postmaster)
    return wall, cpu, None if server is None or after is None else after - server


def column(runs: list[tuple], index: int) -> str:
    """Median (min–max) of one figure over the rounds."""
    values = [run[index] for run in runs]
    if any(value is None for value in values):
        return "–"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def award_cost(store_url: str, factory: sessionmaker, awards: int) -> tuple[float, float, float, float]:
    """(updater CPU µs, bare board_incr_many CPU µs, updater wall µs, bare wall µs) per award, median of 3."""
    store = open_store(store_url)
    updater = contest_standings.ContestBoardUpdater(store, factory)
    # Entries as the award path hands them over after the commit: groups of the contest's branches and
    # of company 3 (outside), counted and manual sources, days in and out of the window.
    inside, outside = 2 * BRANCHES * GROUPS, (COMPANIES - 2) * BRANCHES * GROUPS
    entries = [SimpleNamespace(member_id=1 + i % 100_000, points=1 + i % 5,
                               org_id=1001 + (inside + i % outside if i % 10 == 0 else i % inside),
                               source="manual" if i % 10 == 1 else "daily",
                               day="2026-09-30" if i % 20 == 3 else f"2026-10-{1 + i % 31:02d}")
               for i in range(awards)]
    with factory() as session:
        contest = session.get(Contest, CONTEST_ID)
        side_of = {org_id: side for side in (link.org_id for link in contest.orgs)
                   for org_id in range(1000 + (side - 101) * GROUPS + 1, 1000 + (side - 101) * GROUPS + GROUPS + 1)}
    updater(entries[0])  # loads the live contests once, as the first award of a process does
    # The baseline writes the same single increment for every award (entries outside the contest
    # write none through the updater: the baseline is the dearer side of the comparison).
    bare = [[(store_keys.contest_side_key(CONTEST_ID, side_of.get(e.org_id, 101)), str(e.member_id), e.points)]
            for e in entries]
    results = []
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        for entry in entries:
            updater(entry)
        updater_cpu, updater_wall = time.process_time() - cpu, time.perf_counter() - wall
        cpu, wall = time.process_time(), time.perf_counter()
        for update in bare:
            store.board_incr_many(update)
        bare_cpu, bare_wall = time.process_time() - cpu, time.perf_counter() - wall
        results.append((updater_cpu, bare_cpu, updater_wall, bare_wall))
    return tuple(statistics.median(r[i] for r in results) / awards * 1e6 for i in range(4))


def reset_contest(engine) -> None:
    """Undo a freeze: no result rows, the contest scheduled again."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM contest_result_row WHERE contest_id = :id"), {"id": CONTEST_ID})
        conn.execute(text("UPDATE contest SET status = 'scheduled', checksum = NULL, frozen_at = NULL, "
                          "winner_org_id = NULL WHERE id = :id"), {"id": CONTEST_ID})


def clear_contest_boards(store_url: str) -> None:
    """Delete the contest boards and version counter the bench wrote into a Store."""
    store = open_store(store_url)
    stale = store.board_keys(store_keys.contest_board_prefix())
    store.delete(*stale, store_keys.contest_version_key())


def reachable(args: argparse.Namespace):
    """The admin engine of the PostgreSQL server; exits with a clear message when it (or Redis) is unreachable."""
    server = args.postgres.rsplit("/", 1)[0]
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as error:
        sys.exit(f"PostgreSQL is unreachable at {server.split('@')[-1]} ({error.orig}).\n"
                 'Start it with: eval "$(bash .ci/services.sh)", or pass --postgres URL.')
    if args.store:
        try:
            open_store(args.store).counter_get(store_keys.contest_version_key())
        except Exception as error:  # noqa: BLE001 — any connection error: say which service is missing
            sys.exit(f"Redis is unreachable at {args.store.split('@')[-1]} ({error}); pass --store '' to skip it.")
    return admin, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=3_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--awards", type=int, default=100_000, help="calls per award-cost round")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--store", default=os.environ.get("TEST_REDIS_URL", ""),
                        help="a redis:// Store for the rebuild and the award cost too ('' = memory only)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    admin, server = reachable(args)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    url = f"{server}/{BENCH_DB}"
    try:
        upgrade(url)
        print(f"seeding {args.members:,} members and {args.entries:,} ledger entries into {BENCH_DB} …", flush=True)
        for step, seconds in seed(url, args.members, args.entries).items():
            print(f"  {step}: {seconds:.1f} s", flush=True)
        run(args, url)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        admin.dispose()
        if args.store:
            clear_contest_boards(args.store)


def run(args: argparse.Namespace, url: str) -> None:
    """The timed rounds, the checks after them, the award cost, and the report."""
    engine = make_engine(url)
    postmaster = find_postmaster(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    clock = FrozenClock(datetime(2026, 11, 1, 0, 10, tzinfo=UTC))  # 08:10 on 1 November in Shanghai
    stores = {"memory://": open_store("memory://")}
    if args.store:
        stores[args.store] = open_store(args.store)
    with factory() as session:
        months = contest_standings._months(session.get(Contest, CONTEST_ID))  # the contest's own filter
    baseline_sql = text("""
        SELECT member_id, org_id, sum(points) FROM ledger_entry
        WHERE month = ANY(:months) AND day >= :starts AND day <= :ends AND source = ANY(:sources)
        GROUP BY member_id, org_id
    """).bindparams(months=months, starts=STARTS_ON, ends=ENDS_ON, sources=list(rules.DEFAULT_SOURCES))

    def baseline() -> None:
        with engine.connect() as conn:
            conn.execute(baseline_sql).fetchall()

    def compute() -> None:
        with factory() as session:
            contest_standings.compute(session, clock, session.get(Contest, CONTEST_ID))

    def rebuild(store_url: str) -> Callable[[], None]:
        def call() -> None:
            with factory() as session:
                contest_standings.rebuild(session, stores[store_url])
        return call

    def run_freeze() -> None:
        with factory() as session:
            assert contest_standings.freeze(session, clock, session.get(Contest, CONTEST_ID))

    baseline()  # warm the cache for all
    steps: dict[str, list[tuple]] = {"bare GROUP BY member_id, org_id": [], "compute (standings from the ledger)": []}
    steps.update({f"rebuild into {name.split('@')[-1]}": [] for name in stores})
    steps["freeze (rows + SHA-256 written)"] = []
    calls = [baseline, compute, *(rebuild(name) for name in stores), run_freeze]
    for _ in range(args.rounds):  # interleaved, so load swings hit all alike
        reset_contest(engine)
        for name, call in zip(steps, calls, strict=True):
            steps[name].append(timed(call, postmaster))
    with factory() as session:
        contest = session.get(Contest, CONTEST_ID)
        assert contest_standings.verify(session, clock, contest) == [], "the frozen result does not verify"
        rows = contest_standings.frozen_rows(session, contest)
    reset_contest(engine)  # live again: the boards are kept and moved by awards
    with factory() as session:
        for store in stores.values():
            assert contest_standings.check(session, store) == [], "the rebuilt boards differ from the ledger"
    counted = rows and sum(row["total"] for row in rows)
    awards = {name: award_cost(name, factory, args.awards) for name in stores}
    engine.dispose()
    report(args, steps, awards, len(rows), counted)


def report(args: argparse.Namespace, steps: dict[str, list[tuple]], awards: dict[str, tuple],
           sides: int, counted: int) -> None:
    """Print the Markdown tables of docs/performance.md."""
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nPostgreSQL, {args.members:,} members, {args.entries:,} entries, {sides} sides, {counted:,} points "
          f"counted; median (range) of {args.rounds} rounds; Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load {load}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print("| step | wall seconds | × GROUP BY | client CPU seconds | server CPU seconds |")
    print("| --- | ---: | ---: | ---: | ---: |")
    base = statistics.median(run[0] for run in next(iter(steps.values())))
    for name, runs in steps.items():
        ratio = statistics.median(run[0] for run in runs) / base
        print(f"| {name} | {column(runs, 0)} | {ratio:.2f}× | {column(runs, 1)} | {column(runs, 2)} |")
    print("\ngoal: rebuild and freeze ≤ 3× the bare GROUP BY")
    print(f"\nAward cost, {args.awards:,} awards, median of 3 passes, µs per award")
    print("| store | ContestBoardUpdater CPU | bare board_incr_many CPU | ratio | updater wall | bare wall |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, (cpu, bare_cpu, wall, bare_wall) in awards.items():
        print(f"| {name.split('@')[-1]} | {cpu:.1f} | {bare_cpu:.1f} | {cpu / bare_cpu:.2f}× | {wall:.1f} | "
              f"{bare_wall:.1f} |")
    print("\ngoal: ≤ 200 µs of CPU per award")


if __name__ == "__main__":
    main()
