"""Alembic migrations (DESIGN §3): head matches the models exactly, and down to base and back works."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from support.services import scratch_database

import pkarena.models  # noqa: F401  (every model on the one metadata)
import question_bank.models  # noqa: F401
from pkarena.database import make_engine
from pkarena.migrate import alembic_config, upgrade
from question_bank.db import Base

QB_TABLES = {"qb_category", "qb_question", "qb_question_version", "qb_answer_log"}  # revision 0002
SNAPSHOT_TABLES = {"monthly_snapshot", "snapshot_row"}  # revision 0003
SNAPSHOT_ROW_FK = "fk_snapshot_row_snapshot_id_monthly_snapshot"  # created in 0003, dropped in 0004


@pytest.fixture
def empty_sqlite(tmp_path) -> str:
    """A SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A brand-new PostgreSQL database, dropped afterwards."""
    with scratch_database("pkarena_migrations") as url:
        yield url


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


def schema(url: str) -> dict[str, dict]:
    """Every table but alembic_version with its columns, primary key, foreign keys, indexes and uniques."""
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return {table: {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)),
            "primary_key": found.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted((fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"])
                                   for fk in found.get_foreign_keys(table)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in found.get_indexes(table)),
            "uniques": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
        } for table in found.get_table_names() if table != "alembic_version"}
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
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


def test_each_downgrade_step_restores_exactly_the_schema_of_that_revision(empty_url):
    config = alembic_config(empty_url)
    revisions = [rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()][::-1]
    upgraded = {}
    for revision in revisions:  # base → head one step at a time, remembering each revision's schema
        command.upgrade(config, revision)
        upgraded[revision] = schema(empty_url)
    # What each revision adds is missing from the one before it.
    assert not (QB_TABLES | SNAPSHOT_TABLES) & set(upgraded["0001"])
    assert set(upgraded["0002"]) >= QB_TABLES and not SNAPSHOT_TABLES & set(upgraded["0002"])
    assert SNAPSHOT_ROW_FK in {fk[0] for fk in upgraded["0003"]["snapshot_row"]["foreign_keys"]}
    assert SNAPSHOT_ROW_FK not in {fk[0] for fk in upgraded["0004"]["snapshot_row"]["foreign_keys"]}
    assert set(upgraded[revisions[-1]]) == set(Base.metadata.tables)

    for revision in reversed(revisions[:-1]):  # head → base one step at a time
        command.downgrade(config, "-1")
        assert current_revision(empty_url) == revision
        assert schema(empty_url) == upgraded[revision], f"downgrading to {revision}"
    command.downgrade(config, "base")
    assert current_revision(empty_url) is None and schema(empty_url) == {}

    command.upgrade(config, "head")
    assert schema(empty_url) == upgraded[revisions[-1]]
    assert schema_diff(empty_url) == []


def test_alembic_check_through_env_py_finds_nothing_to_generate(empty_url):
    # Runs autogenerate with env.py's own target metadata: a model module env.py forgets to import
    # would show up here as tables to drop.
    upgrade(empty_url)
    command.check(alembic_config(empty_url))


def test_upgrading_twice_is_a_no_op(empty_url):
    upgrade(empty_url)
    upgrade(empty_url)
    heads = ScriptDirectory.from_config(alembic_config(empty_url)).get_heads()
    assert [current_revision(empty_url)] == heads


def test_the_migration_history_is_one_line_starting_at_0001():
    # A second head (two branches adding revisions at once) would make `upgrade head` refuse to run.
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert [rev.revision for rev in script.walk_revisions()][-1] == "0001"


def screen_scope_check(url: str) -> str:
    engine = make_engine(url)
    try:
        [check] = [c for c in inspect(engine).get_check_constraints("screen_token")
                   if c["name"] == "ck_screen_token_scope_kind"]
        return check["sqltext"]
    finally:
        engine.dispose()


def test_0006_lets_a_screen_show_a_contest_and_its_downgrade_restores_the_old_check(empty_url):
    config = alembic_config(empty_url)
    command.upgrade(config, "0005")
    assert "contest" not in screen_scope_check(empty_url)
    command.upgrade(config, "0006")
    assert "contest" in screen_scope_check(empty_url) and "joint_group" in screen_scope_check(empty_url)
    command.downgrade(config, "0005")
    assert "contest" not in screen_scope_check(empty_url) and "joint_group" in screen_scope_check(empty_url)
