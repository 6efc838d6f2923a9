"""The hashing gate: at most `hashing_limit()` calls at once, whatever the number of callers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

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
