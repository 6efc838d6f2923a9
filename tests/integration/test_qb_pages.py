"""The question bank's organizer pages: import with preview and progress, list filters, edit as a new version, retire."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from test_qb_import_errors import good_rows, q, xlsx

from pkarena.models import AuditLog
from pkarena.services.bank import admin as qb_admin
from pkarena.services.bank import imports as qb_import
from question_bank.answers import record_answer
from question_bank.importer import import_file
from question_bank.models import AnswerLog, Category, Question, QuestionVersion
from question_bank.selection import Quota, SelectionRule, draw


@pytest.fixture
def organizer(world, login):
    """A logged-in organizer of a small org tree."""
    company = world.org("题库公司")
    host = world.member(company, "qb-host", role="organizer", scope=company)
    login(host)
    return host


def upload(client, data: bytes, filename: str = "题库.xlsx"):
    return client.post("/qb/import", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def sheet(tmp_path: Path, rows: list[list[object]]) -> bytes:
    return xlsx(tmp_path / "upload.xlsx", rows).read_bytes()


def count(session, model=Question) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def seed(session, tmp_path: Path, rows: list[list[object]]) -> None:
    """Put rows into the bank through the importer (as `pkarena qb import` would)."""
    report = import_file(session, xlsx(tmp_path / "seed.xlsx", rows), "seed.xlsx")
    assert report.ok, report.as_json()


def token_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_a_valid_sheet_is_previewed_then_imported_only_on_confirm(client, organizer, session, tmp_path):
    rows = good_rows(4, prefix="导入")
    page = upload(client, sheet(tmp_path, rows)).get_data(as_text=True)
    assert 'data-testid="qb-preview"' in page and 'data-testid="qb-confirm"' in page
    assert all(row[1] in page for row in rows)  # the stems of the preview
    assert "将新增 4 道题" in page
    assert count(session) == 0

    token = token_of(client.post("/qb/import/confirm"))
    qb_import.wait(token, timeout=60)
    assert client.get(f"/qb/import/{token}/progress").get_json()["state"] == "done"
    result = client.get(f"/qb/import/{token}").get_data(as_text=True)
    assert 'data-testid="qb-import-done"' in result and "新增 4 道" in result
    assert count(session) == 4
    assert sorted(session.scalars(select(QuestionVersion.stem))) == sorted(r[1] for r in rows)
    assert session.scalar(select(AuditLog).where(AuditLog.action == "qb.import")).actor_id == organizer.id
    # The staged file is gone with the session entry: a second confirm cannot import again.
    assert client.post("/qb/import/confirm").headers["Location"].endswith("/qb/import")


def test_a_sheet_with_one_bad_row_is_reported_by_row_and_column_and_nothing_is_written(client, organizer, session,
                                                                                       tmp_path):
    rows = good_rows(3) + [q(stem="氧气的化学式是？", a="O2", b="O3", answer="E")]
    page = upload(client, sheet(tmp_path, rows)).get_data(as_text=True)
    assert 'data-testid="qb-import-error-table"' in page and 'data-testid="qb-confirm"' not in page
    assert "<td class=\"num\">5</td><td>答案</td>" in page  # header is row 1: the 4th data row is row 5
    assert "ANSWER_OUT_OF_RANGE" in page and "第 5 行「答案」列" in page
    assert count(session) == 0 and count(session, Category) == 0

    reasons = client.get("/qb/import/reasons.xlsx")
    assert reasons.status_code == 200
    ws = load_workbook(io.BytesIO(reasons.data)).active
    header = [c.value for c in ws[1]]
    assert header[-1] == "错误原因"
    assert "答案" in (ws.cell(row=5, column=len(header)).value or "")
    assert not ws.cell(row=2, column=len(header)).value


def test_confirm_without_an_upload_sends_back_to_the_upload_page(client, organizer):
    response = client.post("/qb/import/confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith("/qb/import")


def test_another_users_import_progress_is_not_found(app, client, organizer, world, session, tmp_path):
    upload(client, sheet(tmp_path, good_rows(2)))
    token = token_of(client.post("/qb/import/confirm"))
    qb_import.wait(token, timeout=60)
    other = world.member(world.org("别的公司"), "qb-other", role="organizer")
    other_client = app.test_client()
    other_client.post("/api/v1/auth/login", json={"username": other.username, "password": world.PASSWORD})
    assert other_client.get(f"/qb/import/{token}/progress").status_code == 404
    assert other_client.get(f"/qb/import/{token}").status_code == 404


def test_template_and_export_download_as_xlsx(client, organizer, session, tmp_path):
    seed(session, tmp_path, good_rows(3))
    template = load_workbook(io.BytesIO(client.get("/qb/template.xlsx").data))
    assert template.active.title == "题库"
    exported = load_workbook(io.BytesIO(client.get("/qb/export.xlsx").data)).active
    assert exported.max_row == 4  # header + 3 questions


def listed_ids(client, query: str) -> list[int]:
    import re

    page = client.get("/qb/questions" + query).get_data(as_text=True)
    return [int(i) for i in re.findall(r'data-question-id="(\d+)"', page)]


def test_the_list_filters_by_text_type_category_difficulty_status_tag_and_flags(client, organizer, session,
                                                                                tmp_path, clock):
    seed(session, tmp_path, [
        q(stem="灭火器的压力表指针应在哪个区域？", a="绿区", b="红区", difficulty="2", category="安全/消防", tags="消防"),
        q("判断", "5G 是第五代移动通信技术。", "", "", answer="对", difficulty="1", category="通信", tags="5G"),
        q("填空", "钢是铁和____的合金。", "", "", answer="碳", difficulty="4", category="材料", tags="金属、合金"),
        q("多选", "下列哪些是消防器材？", "灭火器", "消防栓", "茶杯", answer="AB", category="安全", tags="消防")])
    ids = {v.stem[:2]: v.question_id for v in session.scalars(select(QuestionVersion))}
    fire, judge, fill, multi = ids["灭火"], ids["5G"], ids["钢是"], ids["下列"]
    assert sorted(listed_ids(client, "")) == sorted([fire, judge, fill, multi])
    assert listed_ids(client, "?q=灭火器") == [fire]  # the stem only, not the options
    assert listed_ids(client, "?q=器") == [multi, fire]  # newest first
    assert listed_ids(client, "?type=judge") == [judge]
    safety = session.scalar(select(Category).where(Category.name == "安全"))
    assert sorted(listed_ids(client, f"?category={safety.id}")) == sorted([fire, multi])  # the subtree
    assert listed_ids(client, "?difficulty=4") == [fill]
    assert listed_ids(client, "?tag=消防&type=single") == [fire]
    page = client.get("/qb/questions?tag=消防").get_data(as_text=True)
    assert 'data-type="single">单选 1<' in page and 'data-type="multiple">多选 1<' in page
    assert listed_ids(client, "?flagged=y") == []  # no answers yet: nothing is flagged

    # 30 players answer the fire question right and the judge question too: facility > 0.9 flags both.
    versions = {v.question_id: v.id for v in session.scalars(select(QuestionVersion))}
    for player in range(30):
        for qid in (fire, judge):
            record_answer(session, question_version_id=versions[qid], member_id=1000 + player, match_ref=f"m{player}",
                          choice="A", correct=True, elapsed_ms=3000, answered_at=clock.now())
    session.commit()
    assert sorted(listed_ids(client, "?flagged=y")) == sorted([fire, judge])

    client.post(f"/qb/questions/{judge}/retire")
    assert listed_ids(client, "?status=retired") == [judge]
    assert judge not in listed_ids(client, "?status=active")


def edit_values(**changes: str) -> dict[str, str]:
    values = {"type": "single", "stem": "水的化学式是？", "option_A": "H2O", "option_B": "CO2", "answer": "A",
              "explanation": "", "difficulty": "3", "category_id": "0", "tags": "", "source": "", "status": "active"}
    return {**values, **changes}


def test_editing_saves_version_2_and_an_answer_played_on_version_1_keeps_pointing_to_it(client, organizer, session,
                                                                                          tmp_path):
    seed(session, tmp_path, [q(stem="水的化学式是？", a="H2O", b="CO2", answer="A")])
    question = session.scalar(select(Question))
    v1 = question.current_version_id
    record_answer(session, question_version_id=v1, member_id=organizer.id, match_ref="daily-1", choice="A",
                  correct=True, elapsed_ms=1200, answered_at=datetime(2026, 11, 24, tzinfo=UTC))
    session.commit()
    page = client.get(f"/qb/questions/{question.id}").get_data(as_text=True)
    assert 'data-testid="qb-phone-preview"' in page and "水的化学式是？" in page

    response = client.post(f"/qb/questions/{question.id}",
                           data=edit_values(stem="水的化学式是下列哪一个？", option_C="NaCl", answer="Ａ",
                                            explanation="水由氢和氧组成。", tags="化学、常识"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    session.rollback()
    question = session.get(Question, question.id)
    session.refresh(question)
    assert [v.version for v in question.versions] == [1, 2]
    current = question.current_version
    assert current.version == 2 and current.stem == "水的化学式是下列哪一个？" and current.answer == "A"
    assert current.options == ["H2O", "CO2", "NaCl"] and current.tags == ["化学", "常识"]
    assert session.get(QuestionVersion, v1).stem == "水的化学式是？"
    assert session.scalar(select(AnswerLog)).question_version_id == v1
    assert session.scalar(select(AuditLog).where(AuditLog.action == "qb.question.update")).target_id == str(question.id)


def test_an_edit_is_checked_by_the_importers_rules_and_refused_whole(client, organizer, session, tmp_path):
    seed(session, tmp_path, [q(stem="水的化学式是？", a="H2O", b="CO2", answer="A")])
    qid = session.scalar(select(Question.id))
    response = client.post(f"/qb/questions/{qid}", data=edit_values(answer="E"))
    assert response.status_code == 400
    assert "不是有效的选项字母" in response.get_data(as_text=True)
    response = client.post(f"/qb/questions/{qid}", data=edit_values(type="multiple", answer="A"))
    assert response.status_code == 400 and "多选题至少要有两个答案" in response.get_data(as_text=True)
    assert count(session, QuestionVersion) == 1


def test_retiring_takes_a_question_out_of_selection_and_reactivating_brings_it_back(client, organizer, session,
                                                                                    tmp_path, clock):
    seed(session, tmp_path, good_rows(2))
    first, second = session.scalars(select(Question.id).order_by(Question.id)).all()
    assert client.post(f"/qb/questions/{first}/retire").status_code == 302
    session.rollback()
    assert session.get(Question, first).status == "retired"
    rule = SelectionRule((Quota(1),), shortfall="error")
    for seed_value in range(10):
        assert [c.question_id for c in draw(rule, qb_admin.candidates(session), seed=seed_value,
                                            now=clock.now())] == [second]
    assert session.scalar(select(AuditLog).where(AuditLog.action == "qb.question.retire")).actor_id == organizer.id
    assert client.post(f"/qb/questions/{first}/reactivate").status_code == 302
    session.rollback()
    assert session.get(Question, first).status == "active"


def test_categories_show_counts_and_can_be_created_and_renamed(client, organizer, session, tmp_path):
    seed(session, tmp_path, [q(stem="题一", category="安全/消防"), q(stem="题二", category="安全")])
    safety = session.scalar(select(Category).where(Category.name == "安全"))
    nodes = {n.label: (n.direct, n.total) for n in qb_admin.category_tree(session)}
    assert nodes == {"安全": (1, 2), "安全/消防": (1, 1)}
    assert 'data-testid="qb-category-tree"' in client.get("/qb/categories").get_data(as_text=True)
    assert client.post("/qb/categories", data={"parent_id": safety.id, "name": "用电"}).status_code == 302
    session.rollback()
    child = session.scalar(select(Category).where(Category.name == "用电"))
    assert child.parent_id == safety.id and child.path == f"{safety.path}{child.id}/"
    client.post("/qb/categories", data={"parent_id": safety.id, "name": "用电"})  # a duplicate sibling
    assert count(session, Category) == 3
    assert client.post(f"/qb/categories/{child.id}/rename", data={"name": "安全用电"}).status_code == 302
    session.rollback()
    assert session.get(Category, child.id).name == "安全用电"
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action.like("qb.category.%"))) == 2
