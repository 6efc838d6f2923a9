"""Shared fixtures: real databases (SQLite file, PostgreSQL) migrated by Alembic, real stores, the app."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import World  # noqa: E402  (tests/ is on sys.path for conftest)
from sqlalchemy import create_engine, text
from support.services import flushed_redis, scratch_database, worker_redis_url

from pkarena.clock import FrozenClock

# A Wednesday afternoon in Shanghai: far from day and month boundaries unless a test moves the clock.
START = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


# --- databases ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy."""
    from pkarena.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this xdist worker, migrated once per session."""
    from pkarena.migrate import upgrade

    with scratch_database("pkarena_test") as url:
        upgrade(url)
        yield url


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    """A fresh migrated SQLite database file for one test."""
    path = tmp_path / "test.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(pg_url) -> str:
    """The worker's PostgreSQL database, emptied for one test."""
    _truncate_pg(pg_url)
    return pg_url


# --- stores -------------------------------------------------------------------------------------
@pytest.fixture
def redis_store():
    """A real Redis store on this worker's database, flushed before the test."""
    from pkarena.store import open_store

    store = open_store(flushed_redis(worker_redis_url()))
    yield store
    store.close()


@pytest.fixture
def memory_store():
    """An in-process store."""
    from pkarena.store import open_store

    return open_store("memory://")


# --- the app on a backend pair ------------------------------------------------------------------
BACKENDS = [
    pytest.param(("sqlite", "memory"), id="sqlite-memory"),
    pytest.param(("postgres", "redis"), id="postgres-redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
]


@pytest.fixture(params=BACKENDS)
def backend(request) -> tuple[str, object]:
    """(database URL, store) for each supported pair: SQLite + memory, PostgreSQL + Redis."""
    db_kind, store_kind = request.param
    url = request.getfixturevalue("sqlite_url" if db_kind == "sqlite" else "postgres_url")
    store = request.getfixturevalue("memory_store" if store_kind == "memory" else "redis_store")
    return url, store


@pytest.fixture
def clock() -> FrozenClock:
    """A frozen clock at START (Shanghai afternoon); tests move it explicitly."""
    return FrozenClock(START)


@pytest.fixture
def app(backend, clock) -> Iterator:
    """The app on one backend pair, with CSRF off (CSRF has its own test) and a frozen clock.

    No app context stays pushed: each test-client request gets its own context (and `g`), as in
    production; use `with app.app_context():` for code that needs one.
    """
    from pkarena import create_app
    from pkarena.config import Config
    from pkarena.extensions import db

    url, store = backend
    config = Config(DATABASE_URL=url, PKARENA_STORE_URL=store.url, TESTING=True, WTF_CSRF_ENABLED=False,
                    SECRET_KEY="test-secret", LOGIN_RATE_LIMIT="1000 per minute")
    application = create_app(config, clock=clock, store=store)
    yield application
    db.session.remove()
    db.engine.dispose()


@pytest.fixture
def session(app):
    """The test's own database session (not the routes' one), refreshed after every request."""
    from flask import request_finished

    from pkarena.extensions import db

    test_session = db.session_factory()

    def _refresh(_sender, **_extra) -> None:
        # End the test's snapshot so what the request committed is visible, unless the test holds
        # uncommitted changes of its own.
        if not (test_session.new or test_session.dirty or test_session.deleted):
            test_session.rollback()

    request_finished.connect(_refresh, app)
    yield test_session
    request_finished.disconnect(_refresh, app)
    test_session.close()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


# --- factories ----------------------------------------------------------------------------------
@pytest.fixture
def world(session, clock) -> World:
    """Factories bound to the test's session and clock."""
    return World(session, clock)


@pytest.fixture
def login(client):
    """Log the test client in as a member (by the JSON API)."""

    def do(member, password: str = World.PASSWORD):
        response = client.post("/api/v1/auth/login", json={"username": member.username, "password": password})
        assert response.status_code == 200, response.get_json()
        return response

    return do


def pytest_terminal_summary(terminalreporter) -> None:
    """Say how many tests ran on the real PostgreSQL, Redis and Chromium (skips would hide them)."""
    passed = terminalreporter.stats.get("passed", [])
    counts = {name: sum(1 for r in passed if r.when == "call" and name in r.keywords)
              for name in ("postgres", "redis", "e2e")}
    terminalreporter.write_line(
        f"real services: {counts['postgres']} passed on PostgreSQL, {counts['redis']} passed on Redis, "
        f"{counts['e2e']} passed in headless Chromium / real server")
