"""`pkarena qb import/export/template`, run in-process through click's CliRunner on a real SQLite database."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.cli import ScriptInfo
from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select
from test_qb_import_errors import csv_bytes, good_rows, q, xlsx

from pkarena.qb_cli import qb
from question_bank.models import Question, QuestionVersion

JSON_KEYS = {"ok", "created", "skipped", "updated", "errors", "warnings"}
PROBLEM_KEYS = {"file", "sheet", "row", "column", "code", "value", "message"}


@pytest.fixture
def run(sqlite_url: str) -> Iterator[Callable[..., Result]]:
    """Invoke `qb …` against the test's SQLite database."""
    from pkarena import create_app
    from pkarena.config import Config
    from pkarena.extensions import db

    had_flag = "FLASK_RUN_FROM_CLI" in os.environ
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        info = ScriptInfo(create_app=lambda: create_app(Config(DATABASE_URL=sqlite_url, SECRET_KEY="test")))
        return runner.invoke(qb, list(args), obj=info, catch_exceptions=False)

    yield invoke
    if db.engine is not None:
        db.engine.dispose()
    if not had_flag:
        os.environ.pop("FLASK_RUN_FROM_CLI", None)


def count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Question))
    engine.dispose()
    return n


def test_import_commits_and_exits_0_with_the_json_shape(run, sqlite_url: str, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "bank.xlsx", good_rows(6))
    result = run("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= JSON_KEYS
    assert (report["ok"], report["created"], report["skipped"], report["errors"]) == (True, 6, 0, [])
    assert count(sqlite_url) == 6
    again = json.loads(run("import", str(path), "--json").stdout)
    assert (again["created"], again["skipped"]) == (0, 6)


def test_a_bad_row_rejects_the_file_with_exit_1_and_names_row_and_column(run, sqlite_url: str, tmp_path: Path) -> None:
    rows = [*good_rows(3), q(stem="哪个是金属？", a="铁", b="木", answer="E")]
    result = run("import", str(xlsx(tmp_path / "bad.xlsx", rows)), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["created"] == 0
    [error] = report["errors"]
    assert set(error) == PROBLEM_KEYS
    assert (error["file"], error["sheet"], error["row"], error["column"], error["code"], error["value"]) == (
        "bad.xlsx", "题库", 5, "答案", "ANSWER_OUT_OF_RANGE", "E")
    assert count(sqlite_url) == 0


def test_readable_report_in_chinese(run, tmp_path: Path) -> None:
    bad = run("import", str(xlsx(tmp_path / "bad.xlsx", [q(type_="问答")])))
    assert bad.exit_code == 1
    assert "导入被拒绝" in bad.stdout and "TYPE_INVALID" in bad.stdout and "第 2 行" in bad.stdout
    assert "「题型」列" in bad.stdout and "题库未做任何改动" in bad.stdout
    good = run("import", str(xlsx(tmp_path / "good.xlsx", good_rows(2))))
    assert good.exit_code == 0 and "导入成功" in good.stdout and "新增 2 题" in good.stdout


def test_dry_run_validates_and_writes_nothing(run, sqlite_url: str, tmp_path: Path) -> None:
    result = run("import", str(xlsx(tmp_path / "bank.xlsx", good_rows(5))), "--dry-run", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["created"] == 5 and report["dry_run"] is True
    assert count(sqlite_url) == 0
    text = run("import", str(tmp_path / "bank.xlsx"), "--dry-run")
    assert text.exit_code == 0 and "试运行" in text.stdout
    assert count(sqlite_url) == 0


def test_gb18030_csv_imports(run, sqlite_url: str, tmp_path: Path) -> None:
    rows = [q(stem="朱镕基曾任哪个职务？", a="国务院总理", b="外交部长"), q("判断", "“喆”字读作 zhé。", "", "", answer="√"),
            q("填空", "我国的首都是____。", "", "", answer="北京;北京市")]
    path = tmp_path / "题库.csv"
    path.write_bytes(csv_bytes(rows, encoding="gb18030"))
    result = run("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 3
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        assert "朱镕基曾任哪个职务？" in set(conn.scalars(select(QuestionVersion.stem)))
    engine.dispose()


def test_unreadable_file_is_rejected_with_exit_1(run, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    result = run("import", str(path), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"][0]["code"] == "FILE_TYPE"


def test_export_and_template_write_xlsx(run, tmp_path: Path) -> None:
    assert run("import", str(xlsx(tmp_path / "bank.xlsx", good_rows(4)))).exit_code == 0
    exported = run("export", str(tmp_path / "out.xlsx"))
    assert exported.exit_code == 0 and "4" in exported.stdout
    assert load_workbook(tmp_path / "out.xlsx")["题库"].max_row == 5
    template = run("template", str(tmp_path / "template.xlsx"))
    assert template.exit_code == 0
    assert load_workbook(tmp_path / "template.xlsx")["题库"]["A1"].value == "题型*"
    assert "import" in run("--help").stdout
