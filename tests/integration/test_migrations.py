"""Alembic migrations (DESIGN §3): head matches the models exactly, and down to base and back works."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

import pkarena.models  # noqa: F401  (every model on the one metadata)
import question_bank.models  # noqa: F401
from pkarena.database import make_engine
from pkarena.migrate import alembic_config, upgrade
from question_bank.db import Base

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:55432/pkarena_test"


@pytest.fixture
def empty_sqlite(tmp_path) -> str:
    """A SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture
def empty_postgres(request) -> str:
    """A brand-new PostgreSQL database, dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    # Per run and worker, like conftest's databases: two runs on one machine never drop each other's.
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    name = f"pkarena_migrations_{run_id}_{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"
    admin = create_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL unavailable: {exc.__class__.__name__}"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=[
    pytest.param("empty_sqlite", id="sqlite"),
    pytest.param("empty_postgres", id="postgres", marks=pytest.mark.postgres),
])
def empty_url(request) -> str:
    """An empty database on each backend."""
    return request.getfixturevalue(request.param)


def schema_diff(url: str) -> list:
    """What autogenerate would change to make the database match the models (empty when in sync)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrading_an_empty_database_to_head_gives_exactly_the_models_schema(empty_url):
    upgrade(empty_url)
    assert schema_diff(empty_url) == []
    assert tables(empty_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_downgrading_to_base_and_upgrading_again_round_trips(empty_url):
    config = alembic_config(empty_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert tables(empty_url) == {"alembic_version"}
    command.upgrade(config, "head")
    assert schema_diff(empty_url) == []


def test_alembic_check_through_env_py_finds_nothing_to_generate(empty_url):
    # Runs autogenerate with env.py's own target metadata: a model module env.py forgets to import
    # would show up here as tables to drop.
    upgrade(empty_url)
    command.check(alembic_config(empty_url))


def test_upgrading_twice_is_a_no_op(empty_url):
    upgrade(empty_url)
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            heads = ScriptDirectory.from_config(alembic_config(empty_url)).get_heads()
            assert [MigrationContext.configure(conn).get_current_revision()] == heads
    finally:
        engine.dispose()


def test_the_migration_history_is_one_line_starting_at_0001():
    # A second head (two branches adding revisions at once) would make `upgrade head` refuse to run.
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert [rev.revision for rev in script.walk_revisions()][-1] == "0001"
