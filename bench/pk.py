"""PK bench: simulated players in concurrent 4-player matches against a real server, next to a bare echo server.

N players (python-socketio `AsyncClient`, websocket transport) log in over HTTP, queue for `pk4`
and play every question (a think time of 0.2–1.5 s, then `answer`); the bench reports answer→ack
latency p50/p95/p99 and matches per minute. The same client load then runs against
`bench/pk_echo.py`, a bare python-socketio server that acks at once and fans the reveal out to the
room: the ratio is what PK Arena adds (validation, lease, Store, engine, ledger) to the stack's own cost.

    python bench/pk.py --players 80 --matches 2                     # pkarena serve (threading)
    python bench/pk.py --players 80 --server gunicorn               # gunicorn -k gevent pkarena.wsgi:app
    python bench/pk.py --redis redis://127.0.0.1:6379/9             # a Redis db of its own: it is flushed

The real server runs on a scratch PostgreSQL database (created, migrated, seeded, dropped) and a
Redis store; needs `pip install -e '.[bench]'` (aiohttp: the async Socket.IO client's websocket transport;
gunicorn and gevent for `--server gunicorn`). Missing packages or services stop it at once, saying which.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/support/servers.py: free ports, start, wait and stop a server

import preflight  # noqa: E402  (bench/, the script's own folder)
from support.servers import BIN, Server  # noqa: E402  (after the path above)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:55432/pkarena_test"  # as .ci/services.sh starts it
PASSWORD = "pk-bench-password-1"
ARRIVING_AT_ONCE = 25  # players logging in and connecting at the same time, before the load starts
CSV_HEADER = "题型,题干,选项A,选项B,选项C,选项D,答案,解析\n"


@dataclass
class Result:
    """What one run measured."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    matches: int = 0
    errors: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0  # the server's process tree, sampled every second while the players log in
    play_rss_mb: float = 0.0  # … and while they play (the login burst's scrypt buffers are not play's)
    peak_threads: int = 0
    server_cpu_s: float = 0.0  # user + system CPU of the server's process tree during the load

    @property
    def cpu_ms_per_answer(self) -> float:
        """Server CPU per answer (everything the server did, divided by the answers)."""
        return self.server_cpu_s * 1000 / len(self.latencies_ms) if self.latencies_ms else float("nan")

    def pct(self, q: float) -> float:
        """The q-th percentile of answer→ack latency (ms)."""
        data = sorted(self.latencies_ms)
        return data[min(int(q / 100 * len(data)), len(data) - 1)] if data else float("nan")

    @property
    def per_minute(self) -> float:
        """Completed matches per minute of wall time."""
        return self.matches / self.seconds * 60 if self.seconds else 0.0


def seed(url: str, players: int) -> list[str]:
    """Bench members in one company and 40 active questions, through the services and the importer."""
    from pkarena import create_app
    from pkarena.clock import Clock
    from pkarena.config import Config
    from pkarena.extensions import db
    from pkarena.services.people import members, orgs
    from question_bank.importer import import_file

    app = create_app(Config(DATABASE_URL=url, PKARENA_STORE_URL="memory://", SECRET_KEY="seed"))
    names = [f"bench{i:04d}" for i in range(players)]
    with app.app_context(), db.new_session() as session:
        clock = Clock()
        branch = orgs.create_org(session, clock, "基准支部", orgs.create_org(session, clock, "基准公司"))
        for name in names:
            members.create_member(session, clock, username=name, display_name=f"选手{name[-4:]}", org=branch,
                                  password=PASSWORD)
        session.commit()
        rows = "".join(f"单选,基准第{i}题：下列哪一项是正确的？,甲{i},乙{i},丙{i},丁{i},B,第{i}题选B\n" for i in range(40))
        assert import_file(session, (CSV_HEADER + rows).encode(), "bench.csv").ok
    db.engine.dispose()
    return names


async def login(http, base: str, username: str) -> str:
    """Log in over HTTP; the session cookie header for the Socket.IO connection."""
    async with http.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}) as reply:
        if reply.status != 200:
            raise SystemExit(f"login {username}: {reply.status} {await reply.text()}")
    return "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)


async def player(base: str, username: str | None, matches: int, result: Result, seed_n: int,
                 ready: asyncio.Barrier, arrivals: asyncio.Semaphore) -> None:
    """One simulated phone: queue for pk4, answer every question after a think time, `matches` times."""
    rng = random.Random(seed_n)
    events: asyncio.Queue = asyncio.Queue()
    try:  # anything failing before the barrier must abort it: the other players and `load` wait on it
        import aiohttp
        import socketio

        sio = socketio.AsyncClient(reconnection=False)
        for name in ("question", "match.end"):
            sio.on(name, namespace="/play", handler=lambda data, name=name: events.put_nowait((name, data)))
        async with arrivals:  # a few at a time: hundreds of simultaneous handshakes overflow the listen backlog
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                             timeout=aiohttp.ClientTimeout(total=60)) as http:
                cookie = await login(http, base, username) if username else ""
            await sio.connect(base, namespaces=["/play"], transports=["websocket"], headers={"Cookie": cookie},
                              wait_timeout=30)
    except BaseException:
        await ready.abort()  # a coroutine: not awaited, it never ran and everyone else waited forever
        raise
    await ready.wait()
    try:
        for _ in range(matches):
            ack = await sio.call("queue.join", {"mode": "pk4"}, namespace="/play", timeout=30)
            if not ack.get("ok"):
                result.errors += 1
                return
            while True:
                name, data = await asyncio.wait_for(events.get(), 90)
                if name == "match.end":
                    result.matches += 1  # counted by every player: divided by 4 at the end
                    break
                await asyncio.sleep(rng.uniform(0.2, 1.5))
                started = time.perf_counter()
                ack = await sio.call("answer", {"match_id": data["match_id"], "index": data["index"],
                                                "choice": rng.choice("BBBA")}, namespace="/play", timeout=30)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                if not ack.get("ok") and ack.get("error", {}).get("code") not in ("QUESTION_CLOSED", "MATCH_OVER"):
                    result.errors += 1
    finally:
        await sio.disconnect()


async def load(base: str, usernames: list[str | None], matches: int, name: str,
               on_ready: Callable[[], object] = lambda: None) -> Result:
    """Run every player at once; wall time from the first queue.join to the last match.end."""
    result = Result(name)
    ready, arrivals = asyncio.Barrier(len(usernames) + 1), asyncio.Semaphore(ARRIVING_AT_ONCE)
    tasks = [asyncio.create_task(player(base, u, matches, result, i, ready, arrivals)) for i, u in enumerate(usernames)]
    try:
        await ready.wait()
    except asyncio.BrokenBarrierError:
        await asyncio.gather(*tasks, return_exceptions=True)
        failed = next(t.exception() for t in tasks if t.exception() is not None)
        raise SystemExit(f"a player could not log in or connect: {failed!r}") from failed
    on_ready()
    started = time.perf_counter()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    result.seconds = time.perf_counter() - started
    result.errors += sum(1 for o in outcomes if isinstance(o, BaseException))
    for o in outcomes:
        if isinstance(o, BaseException):
            print(f"  player failed: {o!r}", file=sys.stderr)
            break
    result.matches //= 4
    return result


def tree_usage(root: int) -> tuple[float, int, float]:
    """Resident MiB, OS threads and CPU seconds of a process and its children (gunicorn's worker), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, rss_kb, threads, ticks = {root}, 0, 0, 0
    for pid, parent in sorted(parents.items()):
        if parent in tree:
            tree.add(pid)
    for pid in tree:
        try:
            fields = dict(line.split(":", 1) for line in (Path("/proc") / str(pid) / "status").read_text().splitlines())
        except OSError:
            continue
        rss_kb += int(fields.get("VmRSS", "0 kB").split()[0])
        threads += int(fields.get("Threads", "0"))
        try:
            stat = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(stat[11]) + int(stat[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return rss_kb / 1024, threads, ticks / os.sysconf("SC_CLK_TCK")


def measured(process: subprocess.Popen, base: str, usernames: list[str | None], matches: int, name: str) -> Result:
    """Run the load while a thread samples the server's memory and threads."""
    import threading

    peaks, done, cpu_marks = [0.0, 0, 0.0], threading.Event(), []

    def sample() -> None:
        while not done.wait(1.0):
            rss, threads, _cpu = tree_usage(process.pid)
            peaks[0], peaks[1] = max(peaks[0], rss), max(peaks[1], threads)
            if cpu_marks:  # every player is in: play from here on
                peaks[2] = max(peaks[2], rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:  # CPU is counted from the moment every player has logged in and connected (on_ready)
        result = asyncio.run(load(base, usernames, matches, name, on_ready=lambda: cpu_marks.append(
            tree_usage(process.pid)[2])))
    finally:
        done.set()
        sampler.join()
    result.peak_rss_mb, result.peak_threads, result.play_rss_mb = peaks[0], int(peaks[1]), peaks[2]
    result.server_cpu_s = tree_usage(process.pid)[2] - cpu_marks[0]
    return result


def run_real(args, workdir: Path) -> Result:
    """The real server on a scratch database: seed, serve, load, drop."""
    import redis
    from sqlalchemy import create_engine, text

    name = f"pkarena_bench_pk_{os.getpid()}"
    admin = create_engine(args.postgres.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.postgres.rsplit("/", 1)[0] + "/" + name
    redis.Redis.from_url(args.redis).flushdb()
    env = {**os.environ, "DATABASE_URL": url, "PKARENA_STORE_URL": args.redis, "SECRET_KEY": "pk-bench",
           "LOGIN_RATE_LIMIT": "100000 per minute", "PYTHONUNBUFFERED": "1"}
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)  # one process: no message queue needed
    server = None
    try:
        subprocess.run([str(BIN / "pkarena"), "db", "upgrade"], env=env, check=True, capture_output=True)
        usernames = seed(url, args.players)
        if args.server == "gunicorn":
            # gunicorn's gevent worker accepts 1,000 connections unless told otherwise (the rest wait unanswered).
            command = [str(BIN / "gunicorn"), "-k", "gevent", "-w", "1", "--worker-connections", "10000",
                       "--bind", "127.0.0.1:{port}", "--log-level", "warning", "pkarena.wsgi:app"]
        else:
            command = [str(BIN / "pkarena"), "serve", "--port", "{port}"]
        server = Server(command, workdir / f"server-{args.server}.log", env=env)
        server.wait("/healthz", seconds=60)
        return measured(server.process, server.url, usernames, args.matches, f"PK Arena ({label(args)})")
    finally:
        if server is not None:
            server.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_echo(args, workdir: Path) -> Result:
    """The same client load against the bare python-socketio echo server in the same async mode."""
    mode = "gevent" if args.server == "gunicorn" else "threading"
    server = Server([sys.executable, str(ROOT / "bench" / "pk_echo.py"), "--port", "{port}", "--mode", mode],
                    workdir / "echo.log")
    try:
        server.wait("/", seconds=60, any_status=True)  # a 404 from the echo server still proves it listens
        return measured(server.process, server.url, [None] * args.players, args.matches,
                        f"bare python-socketio ({mode})")
    finally:
        server.stop()


def label(args) -> str:
    """How the real server ran."""
    return "gunicorn -k gevent" if args.server == "gunicorn" else "pkarena serve, threading"


def check(args) -> None:
    """Stop at once, saying why, when a package, the installed `pkarena` command or a service is missing."""
    preflight.modules("aiohttp", "socketio", why="the simulated players' async Socket.IO client")
    if args.server == "gunicorn":
        preflight.modules("gunicorn", "gevent", why="--server gunicorn")
    if not (BIN / "pkarena").exists():
        preflight.fail(f"no `pkarena` command next to {sys.executable}; install the project: {preflight.INSTALL}")
    preflight.postgres(args.postgres)
    preflight.redis(args.redis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=80, help="simulated players (a multiple of 4)")
    parser.add_argument("--matches", type=int, default=2, help="pk4 matches each player plays, one after another")
    parser.add_argument("--server", choices=("serve", "gunicorn"), default="serve")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9", help="a Redis db of its own (flushed)")
    args = parser.parse_args()
    if args.players % 4:
        raise SystemExit("--players must be a multiple of 4")
    check(args)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        real = run_real(args, workdir)
        echo = run_echo(args, workdir)
    print(f"\n{datetime.now(UTC):%Y-%m-%d}, {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; {args.players} players = {args.players // 4} concurrent 4-player matches, "
          f"{args.matches} matches each\n")
    print("| server | answers | ack p50 ms | ack p95 ms | ack p99 ms | matches/min | errors "
          "| peak RSS MiB (with logins / play) | peak threads | server CPU ms/answer |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in (real, echo):
        print(f"| {r.name} | {len(r.latencies_ms)} | {r.pct(50):.1f} | {r.pct(95):.1f} | {r.pct(99):.1f} | "
              f"{r.per_minute:.1f} | {r.errors} | {r.peak_rss_mb:.0f} / {r.play_rss_mb:.0f} | {r.peak_threads} | {r.cpu_ms_per_answer:.2f} |")
    print(f"\nratio PK Arena / bare: p50 {real.pct(50) / echo.pct(50):.1f}×, p95 {real.pct(95) / echo.pct(95):.1f}×, "
          f"mean {statistics.fmean(real.latencies_ms) / statistics.fmean(echo.latencies_ms):.1f}×")


if __name__ == "__main__":
    main()
