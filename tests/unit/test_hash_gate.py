"""The hashing gate: at most `hashing_limit()` calls at once, whatever the number of callers."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.services import missing

from pkarena import blocking
from pkarena.config import Config


class Meter:
    """Counts calls in flight and remembers the most seen at once."""

    def __init__(self) -> None:
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def around(self, function):
        def measured(*args):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                return function(*args)
            finally:
                with self.lock:
                    self.now -= 1

        return measured


@pytest.fixture
def limit():
    """Set the gate for one test, then put the default back."""
    yield blocking.limit_hashing
    blocking.limit_hashing(Config().PASSWORD_HASH_CONCURRENCY)


def test_fifty_callers_never_run_more_than_the_limit_at_once(limit) -> None:
    limit(3)
    meter = Meter()
    nap = meter.around(lambda n: time.sleep(0.01) or n)
    with ThreadPoolExecutor(max_workers=50) as callers:
        results = list(callers.map(lambda n: blocking.limited(nap, n), range(50)))
    assert results == list(range(50))
    assert meter.most == 3  # bounded, and the bound is used


def test_a_bulk_map_shares_the_gate_and_keeps_the_order(limit) -> None:
    limit(2)
    meter = Meter()
    nap = meter.around(lambda n: time.sleep(0.005) or n * 2)
    with ThreadPoolExecutor(max_workers=10) as logins:
        singles = [logins.submit(blocking.limited, nap, n) for n in range(10)]
        mapped = blocking.limited_map(nap, list(range(30)))
    assert mapped == [n * 2 for n in range(30)] and [f.result() for f in singles] == [n * 2 for n in range(10)]
    assert meter.most <= 2
    assert blocking.limited_map(nap, []) == []


def test_the_limit_comes_from_the_config_and_is_at_least_one(limit, monkeypatch) -> None:
    monkeypatch.setenv("PASSWORD_HASH_CONCURRENCY", "5")
    assert Config.from_env().PASSWORD_HASH_CONCURRENCY == 5
    assert Config().PASSWORD_HASH_CONCURRENCY >= 1  # default: the number of cores
    limit(0)
    assert blocking.hashing_limit() == 1


GEVENT_PROBE = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import gevent
    from werkzeug.security import check_password_hash, generate_password_hash
    from pkarena import blocking

    blocking.limit_hashing(2)
    stored = generate_password_hash("correct horse")
    native_lock = monkey.get_original("_thread", "allocate_lock")()  # the hashes run on native threads
    in_flight, spins = [0, 0], [0]

    def counted(password):
        with native_lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        try:
            return check_password_hash(stored, password)
        finally:
            with native_lock:
                in_flight[0] -= 1

    def other_player():
        while True:
            spins[0] += 1
            gevent.sleep(0.001)

    runner = gevent.spawn(other_player)
    logins = [gevent.spawn(blocking.limited, counted, "correct horse") for _ in range(8)]
    gevent.joinall(logins)
    runner.kill()
    print(all(g.value for g in logins), in_flight[1], spins[0])
""")


def test_under_gevent_waiting_logins_leave_the_loop_free_and_stay_bounded() -> None:
    if importlib.util.find_spec("gevent") is None:
        missing("gevent", "not installed: pip install -e '.[test,prod]'")
    done = subprocess.run([sys.executable, "-c", GEVENT_PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ok, most, spins = done.stdout.split()
    assert ok == "True" and 1 <= int(most) <= 2
    assert int(spins) > 8  # the other player kept running while eight logins queued for two slots
