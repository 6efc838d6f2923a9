"""`pkarena boards freeze|check --month` and `pkarena ledger export`, run in-process against real databases."""

from __future__ import annotations

import csv
import os
import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from ledger_helpers import database, seed
from openpyxl import load_workbook
from sqlalchemy import update

from pkarena.cli import main
from pkarena.clock import FrozenClock
from pkarena.models import SnapshotRow
from pkarena.services import ledger

# A month surely over on the machine's real clock (the commands use it); the awards use a frozen one.
MONTH = "2026-01"
SEEDED_AT = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
AWARDED_AT = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def cli():
    """Invoke `pkarena …` in-process; the global database handle the commands configure is released after."""
    from pkarena.extensions import db

    had_flag = "FLASK_RUN_FROM_CLI" in os.environ
    runner = CliRunner()
    yield lambda *args: runner.invoke(main, list(args), catch_exceptions=False)
    if db.engine is not None:
        db.engine.dispose()
    if not had_flag:
        os.environ.pop("FLASK_RUN_FROM_CLI", None)


@pytest.fixture(params=[
    pytest.param("sqlite_url", id="sqlite"),
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
])
def url(request, monkeypatch) -> str:
    """A database with three members and January 2026 awards (5, 3, 3 points), pointed at by the env."""
    database_url = request.getfixturevalue(request.param)
    clock = FrozenClock(SEEDED_AT)
    with database(database_url) as factory:
        ids = seed(factory, clock, members_count=3).member_ids
        clock.set(AWARDED_AT)
        with factory() as session:
            for i, (member_id, points) in enumerate(zip(ids, (5, 3, 3), strict=True)):
                ledger.award(session, clock, member_id=member_id, source="manual", source_ref=f"r{i}",
                             outcome={"points": points}, category="履职尽责", note=f"任务{i}")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PKARENA_STORE_URL", "memory://")
    return database_url


def checksums(output: str) -> list[str]:
    return re.findall(r"sha256=([0-9a-f]{64})", output)


def test_freeze_twice_gives_the_same_checksums_and_check_confirms_them(cli, url):
    first = cli("boards", "freeze", "--month", MONTH)
    assert first.exit_code == 0, first.output
    second = cli("boards", "freeze", "--month", MONTH)
    assert checksums(first.stdout) == checksums(second.stdout) and len(checksums(first.stdout)) == 4
    assert "already frozen" not in first.stdout and second.stdout.count("already frozen") == 4
    assert "scope" in first.stderr  # tqdm's progress bar goes to stderr
    check = cli("boards", "check", "--month", MONTH)
    assert check.exit_code == 0, check.output
    assert f"{MONTH}: 4 snapshots match their checksums and the ledger" in check.stdout


def test_check_month_exits_one_when_a_frozen_row_was_altered(cli, url):
    cli("boards", "freeze", "--month", MONTH)
    with database(url) as factory, factory() as session:
        session.execute(update(SnapshotRow).where(SnapshotRow.rank == 1).values(points=99))
        session.commit()
    result = cli("boards", "check", "--month", MONTH)
    assert result.exit_code == 1
    assert "rows_altered" in result.stdout and "do not verify" in result.stderr


def test_check_month_of_a_month_never_frozen_exits_one(cli, url):
    result = cli("boards", "check", "--month", "2025-12")
    assert result.exit_code == 1
    assert "2025-12 is not frozen" in result.stderr


def test_freezing_a_malformed_or_unfinished_month_is_refused(cli, url):
    assert cli("boards", "freeze", "--month", "2025-1").exit_code == 1
    unfinished = cli("boards", "freeze", "--month", "2999-01")
    assert unfinished.exit_code == 1
    # The message alone: no empty progress bar drawn before it.
    assert "尚未结束" in unfinished.stderr and "freezing" not in unfinished.stderr


def test_ledger_export_writes_a_sheet_per_scope_with_the_checksum_and_the_ledger(cli, url, tmp_path):
    frozen = checksums(cli("boards", "freeze", "--month", MONTH).stdout)
    target = tmp_path / "ledger.xlsx"
    result = cli("ledger", "export", "--month", MONTH, str(target), "--csv", str(tmp_path / "ledger.csv"))
    assert result.exit_code == 0, result.output
    book = load_workbook(target, read_only=True)
    assert book.sheetnames[0] == "成员总榜" and book.sheetnames[-1] == "台账" and len(book.sheetnames) == 5
    ranking = list(book["成员总榜"].values)
    assert ranking[0][3] in frozen and [line[0] for line in ranking[2:]] == [1, 2, 2]
    ledger_lines = list(book["台账"].values)
    assert ledger_lines[0][3] == ranking[0][3]
    assert [line[5] for line in ledger_lines[2:]] == [5, 3, 3]
    assert ledger_lines[2][0] == "2026-01-20 10:00:00" and ledger_lines[2][6] == "积分制"
    assert ledger_lines[2][8] == "任务0" and ledger_lines[2][4] == "第一支部"
    text = (tmp_path / "ledger.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff时间（北京时间）")
    assert len(list(csv.reader(text.splitlines()))) == 4


def test_ledger_export_of_an_unfrozen_month_says_so_and_has_no_checksum(cli, url, tmp_path):
    target = tmp_path / "live.xlsx"
    result = cli("ledger", "export", "--month", MONTH, str(target))
    assert result.exit_code == 0, result.output
    assert "not frozen" in result.stdout
    first_row = next(load_workbook(target, read_only=True)["成员总榜"].values)
    assert first_row[2].startswith("未冻结")


def test_ledger_export_needs_a_file(cli, url):
    result = cli("ledger", "export", "--month", MONTH)
    assert result.exit_code == 2
    assert "give FILE.xlsx" in result.output


@pytest.mark.parametrize(("args", "says"), [
    (("boards", "freeze"), "Freeze a finished month into checksummed snapshots"),
    (("boards", "check"), "Verify that month's frozen snapshots"),
    (("ledger",), "Points ledger commands"),
    (("ledger", "export"), "Export a month's rankings"),
])
def test_the_new_commands_explain_themselves_with_help(cli, monkeypatch, tmp_path, args, says):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    result = cli(*args, "--help")
    assert result.exit_code == 0, result.output
    assert says in " ".join(result.output.split())
    assert not (tmp_path / "unused.sqlite3").exists()
