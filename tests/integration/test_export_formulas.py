"""Every export route and CLI writes user text as text: no live formula in .xlsx, no unprefixed CSV formula.

Names, reasons and stems such as ``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` go into a member display name, an
org name, a manual-points note, a contest name and question stems; every export is then opened and checked.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import re
import shutil

import pytest
import test_contests
from click.testing import CliRunner
from ledger_helpers import database
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from pkarena.cli import main
from pkarena.services import ledger
from pkarena.services.contests import manage as contests
from pkarena.services.people import member_import_job
from question_bank.importer import import_file
from question_bank.models import Question, QuestionVersion
from question_bank.safe_cells import FORMULA_TRIGGERS, safe_row

sides = test_contests.sides
MONTH = "2026-11"  # the frozen clock's month
HYPERLINK = '=HYPERLINK("http://x/?"&A1,"点我")'
DDE = "=cmd|' /C calc'!A0"
PAYLOADS = [HYPERLINK, DDE, "+1+1", "-2+3", "@SUM(A1)", "\t制表开头", "\r回车开头"]
STEMS = [HYPERLINK, DDE, "+1+1 等于几？", "-2+3 等于几？", "@SUM(A1) 是什么？", "\t制表题干", "\r回车题干"]


def xlsx_texts(data: bytes, where: str) -> set[str]:
    """Every text value of the workbook, after checking that no cell is a formula and look-alikes are quoted."""
    book = load_workbook(io.BytesIO(data))
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: {sheet.title}!{cell.coordinate} is a formula {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.add(cell.value)
                    if cell.value.startswith(FORMULA_TRIGGERS):
                        assert cell.quotePrefix, f"{where}: {sheet.title}!{cell.coordinate} lacks quotePrefix"
    return texts


def xml_read(texts: list[str]) -> set[str]:
    """The texts as openpyxl reads them back: the XML parser turns a stored CR into LF (no formula either way)."""
    return {text.replace("\r", "\n") for text in texts}


def csv_fields(text: str, where: str) -> set[str]:
    """Every field of the CSV, after checking that none starts like a formula unless it is a number."""
    fields = {field for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")) for field in row}
    for field in fields:
        if field.startswith(FORMULA_TRIGGERS):
            assert re.fullmatch(r"-?\d+(\.\d+)?", field), f"{where}: unprefixed formula field {field!r}"
    return fields


def upload_xlsx(headers: list[str], rows: list[list[object]]) -> bytes:
    """An upload whose cells are text (openpyxl would store a str starting with "=" as a formula)."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(safe_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_question(session, clock, stem: str) -> None:
    question = Question(status="active", content_hash=stem, created_at=clock.now())
    version = QuestionVersion(question=question, version=1, type="single", stem=stem, options=["甲", "乙"],
                              answer="A", difficulty=3, tags=[], content_hash=stem, created_at=clock.now())
    question.current_version = version
    session.add(question)
    session.flush()


@pytest.fixture
def hostile(session, clock, world, sides) -> dict:
    """Formula look-alikes in member names, org names, manual-points notes, a contest name and question stems."""
    sides["a"].name, sides["b"].name = HYPERLINK, DDE
    people = [*sides["a_members"], *sides["b_members"], world.member(sides["a"]), world.member(sides["b"])]
    for person, name in zip(people, PAYLOADS, strict=True):
        person.display_name = name
    session.commit()
    for i, (person, note) in enumerate(zip(people, PAYLOADS, strict=True)):
        ledger.award(session, clock, member_id=person.id, source="manual", source_ref=f"formula-{i}",
                     outcome={"points": -3 if i == 3 else 5}, category="思想学习", note=note)
    contest = contests.create(session, clock, sides["host"], test_contests.draft(sides, name="@SUM(A1)"),
                              schedule=True)
    for stem in STEMS:
        make_question(session, clock, stem)
    session.commit()
    return {**sides, "contest": contest}


@pytest.fixture
def cli(app, backend, monkeypatch):
    """`pkarena …` in-process against the app's database (run after the web requests: it rebinds the engine)."""
    monkeypatch.setenv("DATABASE_URL", backend[0])
    monkeypatch.setenv("PKARENA_STORE_URL", "memory://")
    had_flag = "FLASK_RUN_FROM_CLI" in os.environ
    yield lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)
    if not had_flag:
        os.environ.pop("FLASK_RUN_FROM_CLI", None)


def test_every_export_route_and_cli_keeps_user_text_as_text(client, login, hostile, cli, tmp_path):
    login(hostile["admin"])
    seen: dict[str, set[str]] = {}
    ledger_xlsx = client.get(f"/admin/snapshots/export?month={MONTH}&format=xlsx")
    assert ledger_xlsx.status_code == 200
    seen["ledger xlsx"] = xlsx_texts(ledger_xlsx.data, "ledger xlsx")
    ledger_csv = client.get(f"/admin/snapshots/export?month={MONTH}&format=csv")
    assert ledger_csv.status_code == 200
    seen["ledger csv"] = csv_fields(ledger_csv.get_data(as_text=True), "ledger csv")
    contest = client.get(f"/admin/contests/{hostile['contest'].id}/export.xlsx")
    assert contest.status_code == 200
    seen["contest xlsx"] = xlsx_texts(contest.data, "contest xlsx")
    stats = client.get("/qb/stats/export.xlsx")
    assert stats.status_code == 200
    seen["item statistics xlsx"] = xlsx_texts(stats.data, "item statistics xlsx")
    bank = client.get("/qb/export.xlsx")
    assert bank.status_code == 200
    seen["qb export xlsx"] = xlsx_texts(bank.data, "qb export xlsx")

    # A rejected question import: the 错误原因 workbook echoes the uploaded cells.
    rejected = upload_xlsx(["题型*", "题干*", "选项A", "选项B", "答案*"],
                           [["单选", stem, "甲", "乙", "Z"] for stem in STEMS[:5]])
    client.post("/qb/import", data={"file": (io.BytesIO(rejected), "题库.xlsx")}, content_type="multipart/form-data")
    reasons = client.get("/qb/import/reasons.xlsx")
    assert reasons.status_code == 200
    seen["qb reasons xlsx"] = xlsx_texts(reasons.data, "qb reasons xlsx")

    # Member import: a rejected file's 错误原因 workbook, then an accepted one's result CSV (initial passwords).
    headers = ["姓名", "用户名", "手机号", "组织", "初始密码"]
    names = PAYLOADS[:5]
    bad = upload_xlsx(headers, [[name, f"x{i}" if i else "?", "", "二支部", ""] for i, name in enumerate(names)])
    client.post("/admin/members/import", data={"file": (io.BytesIO(bad), "名单.xlsx")},
                content_type="multipart/form-data")
    member_reasons = client.get("/admin/members/import/reasons.xlsx")
    assert member_reasons.status_code == 200
    seen["member reasons xlsx"] = xlsx_texts(member_reasons.data, "member reasons xlsx")
    good = upload_xlsx(headers, [[name, f"formula{i}", "", "二支部", ""] for i, name in enumerate(names)])
    client.post("/admin/members/import", data={"file": (io.BytesIO(good), "名单.xlsx")},
                content_type="multipart/form-data")
    confirmed = client.post("/admin/members/import/confirm")
    token = confirmed.headers["Location"].rsplit("/", 1)[-1]
    member_import_job.wait(token, timeout=60)
    page = client.get(f"/admin/members/import/{token}").get_data(as_text=True)
    encoded = re.search(r"data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)", page).group(1)
    seen["member result csv"] = csv_fields(base64.b64decode(encoded).decode("utf-8"), "member result csv")

    # The CLIs, last: they configure the process-wide database handle.
    assert cli("ledger", "export", "--month", MONTH, str(tmp_path / "l.xlsx"), "--csv", str(tmp_path / "l.csv")
               ).exit_code == 0
    seen["cli ledger xlsx"] = xlsx_texts((tmp_path / "l.xlsx").read_bytes(), "cli ledger xlsx")
    seen["cli ledger csv"] = csv_fields((tmp_path / "l.csv").read_bytes().decode("utf-8"), "cli ledger csv")
    assert cli("qb", "export", str(tmp_path / "bank.xlsx")).exit_code == 0
    seen["cli qb export"] = xlsx_texts((tmp_path / "bank.xlsx").read_bytes(), "cli qb export")

    # The original text is there: unchanged in .xlsx, behind one "'" in CSV.
    quoted = {f"'{p}" for p in PAYLOADS}
    assert xml_read(PAYLOADS) <= seen["ledger xlsx"] and xml_read(PAYLOADS) <= seen["cli ledger xlsx"]
    assert quoted <= seen["ledger csv"] and quoted <= seen["cli ledger csv"]
    assert {HYPERLINK, DDE, "@SUM(A1)"} <= seen["contest xlsx"]
    for name in ("item statistics xlsx", "qb export xlsx", "cli qb export"):
        assert xml_read(STEMS) <= seen[name], name
    assert set(STEMS[:5]) <= seen["qb reasons xlsx"] and set(names) <= seen["member reasons xlsx"]
    assert {f"'{n}" for n in names} <= seen["member result csv"]


def test_a_stem_starting_with_minus_or_equals_round_trips_through_export_and_import(
        session, clock, hostile, client, login, sqlite_template, tmp_path):
    login(hostile["admin"])
    exported = client.get("/qb/export.xlsx").data
    fresh = tmp_path / "fresh.sqlite3"
    shutil.copy(sqlite_template, fresh)
    with database(f"sqlite:///{fresh}") as factory, factory() as other:
        report = import_file(other, exported, "题库导出.xlsx")
        assert report.ok, [p.message for p in report.errors]
        stems = set(other.execute(select(QuestionVersion.stem)).scalars())
    # The reader trims cell text, so only the leading tab/CR of the last two stems is not kept.
    assert set(STEMS[:5]) <= stems
