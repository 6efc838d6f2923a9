"""Importing questions: Excel-made encodings, categories, re-import, updates by 外部ID, all-or-nothing on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker
from test_qb_import_errors import HEAD, counts, csv_bytes, good_rows, q, run, xlsx

from question_bank.models import Category, Question, QuestionVersion


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def any_db(request) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh migrated SQLite or PostgreSQL database."""
    engine = create_engine(request.getfixturevalue(request.param))
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh migrated SQLite database."""
    engine = create_engine(sqlite_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def stems(factory: sessionmaker[Session]) -> list[str]:
    with factory() as s:
        return sorted(s.scalars(select(QuestionVersion.stem)))


def test_gb18030_csv_as_excel_writes_it_imports_every_row_with_characters_outside_gb2312(factory) -> None:
    rows = [q(stem="朱镕基曾任哪个职务？", a="国务院总理", b="外交部长"), q("判断", "“喆”字读作 zhé。", "", "", answer="√"),
            q("填空", "陶喆是____歌手", "", "", answer="台湾;臺灣")]
    report = run(factory, csv_bytes(rows, encoding="gb18030"), "题库.csv")
    assert report.ok and report.created == 3, report.as_json()
    assert stems(factory) == sorted(r[1] for r in rows)


def test_utf8_csv_with_bom_imports(factory) -> None:
    report = run(factory, b"\xef\xbb\xbf" + csv_bytes(good_rows(4)), "bom.csv")
    assert report.ok and report.created == 4 and report.errors == []


def test_utf16_tsv_imports(factory) -> None:
    data = b"\xff\xfe" + csv_bytes(good_rows(4), delimiter="\t").decode().encode("utf-16-le")
    report = run(factory, data, "unicode.tsv")
    assert report.ok and report.created == 4, report.as_json()


def test_answers_are_stored_canonically(factory, tmp_path: Path) -> None:
    rows = [q("多选", "选出金属", "铁", "铜", "木头", answer="Ｂ；Ａ"), q("判断", "铁是金属", "", "", answer="正确"),
            q("填空", "____和____是直辖市", "", "", answer="北京；北京市|上海")]
    assert run(factory, xlsx(tmp_path / "b.xlsx", rows), "b.xlsx").ok
    with factory() as s:
        answers = {v.type: v.answer for v in s.scalars(select(QuestionVersion))}
    assert answers == {"multiple": ["A", "B"], "judge": True, "fill": [["北京", "北京市"], ["上海"]]}


def test_categories_are_created_from_paths_once(factory, tmp_path: Path) -> None:
    rows = [q(stem="一", category="安全/消防"), q(stem="二", category="安全/消防"), q(stem="三", category="安全")]
    assert run(factory, xlsx(tmp_path / "c.xlsx", rows), "c.xlsx").ok
    with factory() as s:
        cats = {c.name: c for c in s.scalars(select(Category))}
        assert set(cats) == {"安全", "消防"}
        assert cats["消防"].parent_id == cats["安全"].id
        assert cats["消防"].path == f"/{cats['安全'].id}/{cats['消防'].id}/"


def test_reimporting_the_same_content_creates_nothing(any_db, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "bank.xlsx", good_rows(8))
    first = run(any_db, path, "bank.xlsx")
    again = run(any_db, csv_bytes(good_rows(8)), "bank.csv")  # same content, other format
    assert (first.created, again.created, again.updated, again.skipped) == (8, 0, 0, 8)
    assert counts(any_db) == (8, 8, 0)


def test_a_file_with_one_bad_row_leaves_the_bank_unchanged(any_db, tmp_path: Path) -> None:
    assert run(any_db, xlsx(tmp_path / "old.xlsx", good_rows(3, "旧")), "old.xlsx").ok
    before = stems(any_db)
    rows = good_rows(5, "新")
    rows[3] = q(stem="新的坏题", answer="E")
    report = run(any_db, xlsx(tmp_path / "new.xlsx", rows, ), "new.xlsx")
    assert not report.ok and report.created == 0
    assert [(p.row, p.column, p.code) for p in report.errors] == [(5, "答案", "ANSWER_OUT_OF_RANGE")]
    assert stems(any_db) == before and counts(any_db) == (3, 3, 0)


def test_external_id_makes_a_reimport_an_update_with_a_new_version(any_db, tmp_path: Path) -> None:
    assert run(any_db, xlsx(tmp_path / "v1.xlsx", [q(ext="S-001"), q(stem="不变的题", ext="S-002")]), "v1.xlsx").ok
    report = run(any_db, xlsx(tmp_path / "v2.xlsx", [q(stem="下列哪个是水的分子式？", ext="S-001"),
                                                     q(stem="不变的题", ext="S-002")]), "v2.xlsx")
    assert (report.created, report.updated, report.skipped) == (0, 1, 1)
    with any_db() as s:
        question = s.scalars(select(Question).where(Question.external_id == "S-001")).one()
        assert [v.version for v in question.versions] == [1, 2]
        assert question.current_version.stem == "下列哪个是水的分子式？"
        assert question.content_hash == question.current_version.content_hash


def test_changing_only_the_explanation_adds_a_version(factory, tmp_path: Path) -> None:
    assert run(factory, xlsx(tmp_path / "a.xlsx", [q(ext="E1")]), "a.xlsx").ok
    report = run(factory, xlsx(tmp_path / "b.xlsx", [q(ext="E1", explanation="水由氢和氧组成")]), "b.xlsx")
    assert report.updated == 1 and counts(factory) == (1, 2, 0)


def test_an_external_id_added_later_is_adopted_by_the_same_question(factory, tmp_path: Path) -> None:
    assert run(factory, xlsx(tmp_path / "a.xlsx", [q()]), "a.xlsx").ok
    report = run(factory, xlsx(tmp_path / "b.xlsx", [q(ext="NEW-1")]), "b.xlsx")
    assert (report.created, report.updated) == (0, 1) and counts(factory) == (1, 1, 0)


def test_dry_run_reports_counts_and_writes_nothing(any_db, tmp_path: Path) -> None:
    report = run(any_db, xlsx(tmp_path / "d.xlsx", [*good_rows(4), q(stem="分类题", category="通信/5G")]), "d.xlsx",
                 dry_run=True)
    assert report.ok and report.dry_run and report.created == 5
    assert counts(any_db) == (0, 0, 0)


def test_progress_is_reported_for_reading_and_saving(factory, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    run(factory, xlsx(tmp_path / "p.xlsx", good_rows(6)), "p.xlsx", on_progress=lambda *a: seen.append(a))
    assert ("read", 6, 6) in seen and seen[-1] == ("save", 6, 6)


def test_english_headers_and_numbered_options_are_accepted(factory, tmp_path: Path) -> None:
    head = ["Type", "Stem", "Option 1", "Option 2", "Option 3", "Answer", "Difficulty", "External ID"]
    rows = [["single", "Which is a noble gas?", "Neon", "Iron", "Salt", "a", "2", "EN-1"]]
    report = run(factory, xlsx(tmp_path / "en.xlsx", rows, head=head), "en.xlsx")
    assert report.ok, report.as_json()
    with factory() as s:
        version = s.scalars(select(QuestionVersion)).one()
    assert (version.options, version.answer, version.difficulty) == (["Neon", "Iron", "Salt"], "A", 2)
    assert HEAD[0] == "题型"
