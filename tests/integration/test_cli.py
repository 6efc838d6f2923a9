"""The `pkarena` command line, run in-process with click's CliRunner against real databases and Redis."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from ledger_helpers import database, seed
from sqlalchemy import func, inspect, select
from werkzeug.security import check_password_hash

from pkarena.cli import main
from pkarena.clock import FrozenClock
from pkarena.models import LedgerEntry, Member
from pkarena.services import ledger
from pkarena.services.boards import cache as boards
from pkarena.store import keys

DEMO_USERS = {"admin", "host-a", "host-b"} | {f"{p}{i:02d}" for p in "ab" for i in range(1, 21)}


@pytest.fixture
def cli(monkeypatch):
    """Invoke `pkarena …` in-process; the global database handle the commands configure is released after."""
    from pkarena.extensions import db

    had_flag = "FLASK_RUN_FROM_CLI" in os.environ
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    yield invoke
    if db.engine is not None:
        db.engine.dispose()
    if not had_flag:  # FlaskGroup sets it in os.environ while it runs
        os.environ.pop("FLASK_RUN_FROM_CLI", None)


@pytest.fixture
def env(monkeypatch):
    """Point the commands at a database and a store, as an operator's environment would."""

    def point(database_url: str, store_url: str = "memory://") -> None:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("PKARENA_STORE_URL", store_url)

    return point


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))


# --- help --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "says"), [
    ((), "Answer-PK contests between paired organizations"),
    (("demo",), "Run the self-contained demo"),
    (("serve",), "Serve the web app and Socket.IO"),
    (("worker",), "Run the scheduler process"),
    (("db",), "Database schema commands"),
    (("db", "upgrade"), "Apply the Alembic migrations to DATABASE_URL"),
    (("boards",), "Live leaderboard commands"),
    (("boards", "rebuild"), "Recompute every live board from the ledger"),
    (("boards", "check"), "exit 1 and list the drift"),
])
def test_every_command_explains_itself_with_help(cli, env, tmp_path, args, says):
    env(f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    result = cli(*args, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
    assert says in " ".join(result.output.split())
    assert not (tmp_path / "unused.sqlite3").exists()  # asking for help touches no database


def test_the_top_level_help_lists_every_command(cli, env, tmp_path):
    env(f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    output = cli("--help").output
    for command in ("demo", "serve", "worker", "db", "boards"):
        assert f"  {command} " in output


# --- db upgrade --------------------------------------------------------------------------------------
def test_db_upgrade_creates_the_schema_in_a_new_sqlite_file(cli, env, tmp_path):
    path = tmp_path / "fresh.sqlite3"
    env(f"sqlite:///{path}")
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
    with database(f"sqlite:///{path}") as factory:
        assert {"member", "ledger_entry", "alembic_version"} <= set(inspect(factory.kw["bind"]).get_table_names())


@pytest.mark.postgres
def test_db_upgrade_on_an_up_to_date_postgres_database_changes_nothing(cli, env, postgres_url):
    env(postgres_url)
    assert cli("db", "upgrade").exit_code == 0
    assert cli("db", "upgrade").exit_code == 0


# --- boards rebuild / check across processes (Redis) -------------------------------------------------
@pytest.fixture(params=[
    pytest.param("sqlite_url", id="sqlite-redis", marks=pytest.mark.redis),
    pytest.param("postgres_url", id="postgres-redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
])
def awarded(request, redis_store, clock):
    """A database with a few awards whose live boards were written to Redis by another 'process'."""
    url = request.getfixturevalue(request.param)
    with database(url) as factory:
        ids = seed(factory, clock, members_count=3).member_ids
        updater = boards.BoardUpdater(redis_store, boards.org_path_lookup(factory))
        with factory() as session:
            for member_id, correct in zip(ids, (5, 3, 3), strict=True):
                ledger.award(session, clock, member_id=member_id, source="daily", source_ref="run-1",
                             outcome={"correct": correct}, on_commit=updater)
        yield {"url": url, "store": redis_store, "member_ids": ids}


def test_boards_check_exits_zero_when_the_redis_boards_match_the_ledger(cli, env, awarded):
    env(awarded["url"], awarded["store"].url)
    result = cli("boards", "check")
    assert (result.exit_code, result.output.strip()) == (0, "boards match the ledger")


def test_boards_check_lists_drift_and_exits_one_after_the_store_was_tampered_with(cli, env, awarded):
    store, first = awarded["store"], str(awarded["member_ids"][0])
    board = keys.board_key("members", keys.scope_all(), keys.period_month("2026-11"))
    store.board_incr(board, first, 100)
    env(awarded["url"], store.url)
    result = cli("boards", "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"DRIFT {board} member={first} cached=105.0 ledger=5.0"]
    assert "1 rows drifted; run `pkarena boards rebuild`" in result.stderr


def test_boards_rebuild_repairs_the_drift_that_check_reported(cli, env, awarded):
    store = awarded["store"]
    stale = keys.board_key("members", keys.scope_all(), keys.period_day("2026-01-01"))
    store.board_incr(stale, "999", 1)
    store.delete(*store.board_keys(keys.board_prefix("orgs")))
    env(awarded["url"], store.url)
    assert cli("boards", "check").exit_code == 1
    result = cli("boards", "rebuild")
    assert result.exit_code == 0, result.output
    assert "rebuilt 12 boards from the ledger" in result.stdout
    assert cli("boards", "check").exit_code == 0
    assert store.board_keys(stale) == []


def test_a_memory_store_is_empty_in_a_new_process_so_check_reports_every_board(cli, env, awarded):
    env(awarded["url"], "memory://")
    result = cli("boards", "check")
    assert result.exit_code == 1
    assert all(line.startswith("DRIFT ") and "cached=None" in line for line in result.stdout.splitlines())


# --- demo --------------------------------------------------------------------------------------------
def test_demo_without_serving_creates_the_demo_accounts_and_a_second_run_reuses_them(cli, tmp_path, monkeypatch):
    path = tmp_path / "demo.sqlite3"
    first = cli("demo", "--no-serve", "--db", str(path))
    assert first.exit_code == 0, first.output
    assert "demo data created" in first.output
    assert "pkarena-demo" in first.output
    assert "not serving" in first.output and "demo running at" not in first.output
    with database(f"sqlite:///{path}") as factory, factory() as session:
        accounts = {m.username: m for m in session.execute(select(Member)).scalars()}
        entries = session.execute(select(func.count(LedgerEntry.id))).scalar_one()
        assert set(accounts) >= DEMO_USERS
        assert (accounts["admin"].role, accounts["host-a"].role, accounts["b20"].role) == (
            "admin", "organizer", "member")
        for username in ("admin", "host-a", "host-b", "a01", "b20"):
            assert check_password_hash(accounts[username].password_hash, "pkarena-demo")
        assert entries > 0

    again = cli("demo", "--no-serve", "--db", str(path))
    assert again.exit_code == 0, again.output
    assert "reusing existing demo data" in again.output
    with database(f"sqlite:///{path}") as factory, factory() as session:
        assert session.execute(select(func.count(Member.id))).scalar_one() == len(accounts)
        assert session.execute(select(func.count(LedgerEntry.id))).scalar_one() == entries
