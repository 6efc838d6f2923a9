"""The real services the tests use: where PostgreSQL and Redis are, and what a missing one means.

One PostgreSQL default (as `.ci/services.sh` starts it) and one Redis default, both overridden by
TEST_DATABASE_URL / TEST_REDIS_URL; xdist workers get their own databases from them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

IN_CI = os.environ.get("CI") == "true"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/pkarena_test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
START_HINT = "start it with `eval \"$(bash .ci/services.sh)\"`"


def missing(what: str, reason: str) -> NoReturn:
    """Under CI a missing service, browser or tool fails the run; on a developer machine the test is skipped."""
    import pytest

    message = f"{what} unavailable: {reason}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def database_url() -> str:
    """The PostgreSQL server the tests create their databases on (TEST_DATABASE_URL)."""
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL)


def worker_index() -> int:
    """0 without xdist, n for xdist worker gw<n>."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker.startswith("gw") else 0


def worker_redis_url(below: int = 0) -> str:
    """This xdist worker's Redis database: TEST_REDIS_URL's number minus the worker index (15, 14, …).

    `below` moves further down, for tests that must not share a database other tests flush.
    """
    head, _, db = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL).rpartition("/")
    number = int(db) if db.isdigit() else 15
    return f"{head}/{max(number - below - worker_index(), 0)}"


def _sibling(url: str, name: str) -> str:
    """`url` with its database name replaced by `name`."""
    return url.rsplit("/", 1)[0] + "/" + name


def _admin_engine():
    from sqlalchemy import create_engine

    return create_engine(_sibling(database_url(), "postgres"), isolation_level="AUTOCOMMIT")


def _drop(name: str) -> None:
    from sqlalchemy import text

    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new empty PostgreSQL database `<prefix>_<run>_<worker>`, dropped afterwards.

    Named per test run and xdist worker, so two runs on one machine never drop each other's.
    """
    from sqlalchemy import text

    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    name = f"{prefix}_{run_id}_{worker_index()}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: fail under CI, skip elsewhere
        missing("PostgreSQL", f"{database_url()}: {exc.__class__.__name__}: {exc}".splitlines()[0]
                + f" ({START_HINT})")
    finally:
        admin.dispose()
    try:
        yield _sibling(database_url(), name)
    finally:
        _drop(name)


def flushed_redis(url: str) -> str:
    """`url` after FLUSHDB; a Redis that does not answer fails under CI and skips elsewhere."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    except (redis.RedisError, OSError) as exc:
        # The message names the variable, not the URL, which may carry a password.
        missing("Redis", f"TEST_REDIS_URL database {url.rpartition('/')[2]}: {type(exc).__name__} ({START_HINT})")
    finally:
        client.close()
    return url
