"""The item statistics page: answers recorded in the log become per-question rows, a scatter, flags and an xlsx."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from pkarena.services.bank import item_stats
from question_bank.answers import record_answer
from question_bank.models import Category, Question, QuestionVersion

ATTEMPTS = 30  # the flag threshold


def make_question(session, clock, type_name: str, stem: str, options: list[str], answer, category=None) -> int:
    question = Question(status="active", content_hash=stem, created_at=clock.now())
    version = QuestionVersion(question=question, version=1, type=type_name, stem=stem, options=options,
                              answer=answer, difficulty=3, category=category, tags=[], content_hash=stem,
                              created_at=clock.now())
    question.current_version = version
    session.add(question)
    session.flush()
    return question.id


@pytest.fixture
def bank(session, clock) -> dict[str, int]:
    """Thirty matches of five questions: the strong half answers g1–g3, the weak half only 'neg'; all get 'easy'."""
    safety = Category(name="安全生产", path="", created_at=clock.now())
    session.add(safety)
    session.flush()
    safety.path = f"/{safety.id}/"
    ids = {
        "easy": make_question(session, clock, "single", "安全帽的主要作用是？", ["装饰", "防护头部", "保暖", "防雨"], "B", safety),
        "g1": make_question(session, clock, "single", "5G 的英文全称中 G 代表？", ["Generation", "Gigabit"], "A"),
        "g2": make_question(session, clock, "fill", "我国最长的河流是__。", [], [["长江"]]),
        "g3": make_question(session, clock, "judge", "铝的密度比铁小。", [], True, safety),
        "neg": make_question(session, clock, "judge", "灭火器可以倒置存放。", [], False, safety),
        "none": make_question(session, clock, "multiple", "以下属于金属的是？", ["铜", "木", "铁"], ["A", "C"]),
    }
    for i in range(ATTEMPTS):
        strong = i < ATTEMPTS // 2
        marks = {"easy": ("B", True), "g1": ("A", True) if strong else ("B", False),
                 "g2": (["长江"], True) if strong else (["黄河"], False),
                 "g3": (True, True) if strong else (False, False),
                 "neg": (True, False) if strong else (False, True)}
        for name, (choice, correct) in marks.items():
            record_answer(session, question_version_id=_version_id(session, ids[name]),
                          member_id=100 + i, match_ref=f"m{i}", choice=choice, correct=correct,
                          elapsed_ms=1000 + 100 * i, answered_at=clock.now())
    # One older match that a `since` filter leaves out.
    record_answer(session, question_version_id=_version_id(session, ids["g1"]), member_id=99, match_ref="old",
                  choice="B", correct=False, elapsed_ms=500, answered_at=clock.now() - timedelta(days=10))
    session.commit()
    return ids


def _version_id(session, question_id: int) -> int:
    return session.get(Question, question_id).current_version_id


def rows_by_id(report) -> dict[int, item_stats.ItemRow]:
    return {r.question_id: r for r in report.rows}


def test_service_rows_match_the_hand_computed_statistics(bank, session, clock):
    rows = rows_by_id(item_stats.item_report(session, since=clock.now() - timedelta(days=1)))
    easy, g1, neg, none = rows[bank["easy"]], rows[bank["g1"]], rows[bank["neg"]], rows[bank["none"]]
    assert (easy.attempts, easy.facility, easy.discrimination) == (30, 1.0, None)  # no variance, no correlation
    assert easy.flags == ["facility_high"] and easy.random_guess == 0.25
    assert easy.option_distribution == {"B": 30} and easy.category == "安全生产"
    # g1: marks 1 for the strong half whose other answers total 3, 0 for the weak half whose total is 2 → r = +1
    assert (g1.attempts, g1.facility) == (30, 0.5) and g1.discrimination == pytest.approx(1.0)
    assert g1.flags == [] and g1.sd == pytest.approx((0.25 * 30 / 29) ** 0.5)
    # neg is answered right only by the weak half (rest 1) and wrong by the strong half (rest 4) → r = −1
    assert neg.discrimination == pytest.approx(-1.0) and neg.discrimination < 0
    assert neg.flags == ["discrimination_negative", "efficiency_low"]
    assert (neg.random_guess, neg.option_labels, neg.answer_label) == (0.5, ["对", "错"], "错")
    assert rows[bank["g2"]].random_guess == 0.0 and rows[bank["g2"]].answer_label == "长江"
    assert (none.attempts, none.facility, none.discrimination, none.flags) == (0, None, None, [])
    assert g1.median_ms == pytest.approx(1000 + 100 * 14.5)


def test_since_keeps_older_matches_out_and_filters_narrow_the_rows(bank, session, clock):
    assert rows_by_id(item_stats.item_report(session))[bank["g1"]].attempts == 31
    judges = item_stats.item_report(session, type_name="judge")
    assert sorted(r.question_id for r in judges.rows) == sorted([bank["g3"], bank["neg"]])
    safety = item_stats.item_report(session, category_id=session.get(QuestionVersion, _version_id(
        session, bank["easy"])).category_id)
    assert sorted(r.question_id for r in safety.rows) == sorted([bank["easy"], bank["g3"], bank["neg"]])


def test_the_fixed_set_of_thirty_full_attempts_has_cronbachs_alpha(bank, session, clock):
    report = item_stats.item_report(session, since=clock.now() - timedelta(days=1))
    (fixed,) = report.fixed_sets
    assert fixed.attempts == 30 and len(fixed.question_ids) == 5
    # item variances sum to 4 · (¼ · 30/29); totals are 4 and 2 (variance 30/29) → α = 5/4 · (1 − 1) = 0
    assert fixed.alpha == pytest.approx(0.0)


def test_chart_data_colours_flagged_points_and_lists_every_option(bank, session, clock):
    report = item_stats.item_report(session, since=clock.now() - timedelta(days=1))
    chart = item_stats.chart_data(report.rows)
    points = {p["id"]: p for p in chart["points"]}
    assert set(points) == {bank["g1"], bank["g2"], bank["g3"], bank["neg"]}  # easy has no discrimination
    assert points[bank["neg"]]["flagged"] and not points[bank["g1"]]["flagged"]
    assert chart["bars"][str(bank["easy"])] == {"labels": ["A", "B", "C", "D"], "counts": [0, 30, 0, 0],
                                                 "answer": "B", "stem": "安全帽的主要作用是？"}


def test_the_page_lists_every_question_and_the_flags(bank, client, world, login):
    host = world.member(world.org("华瑞公司"), "host", role="organizer")
    login(host)
    response = client.get("/qb/stats/?since=2026-11-20")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for stem in ("安全帽的主要作用是？", "灭火器可以倒置存放。", "以下属于金属的是？"):
        assert stem in page
    assert "区分度为负" in page and "过易（答对率高于 90%）" in page
    assert f'data-question-id="{bank["neg"]}" data-attempts="30" class="flagged"' in page
    judges = client.get("/qb/stats/?type=judge").get_data(as_text=True)
    assert "灭火器可以倒置存放。" in judges and "安全帽的主要作用是？" not in judges


def test_the_xlsx_export_has_a_row_per_question_with_the_statistics(bank, client, world, login):
    login(world.member(world.org("华瑞公司"), "host", role="organizer"))
    response = client.get("/qb/stats/export.xlsx?since=2026-11-20")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][:2] == ["Cronbach's α", 0]
    header = next(i for i, row in enumerate(values) if row[0] == "题目编号")
    rows = {row[0]: dict(zip(values[header], row, strict=True)) for row in values[header + 1:]}
    assert set(rows) == set(bank.values())
    neg = rows[bank["neg"]]
    assert (neg["作答次数"], neg["答对率(%)"], neg["区分度"]) == (30, 50, -1)
    assert neg["标记"] == "区分度为负；区分效率低（低于 15%）"
    assert rows[bank["none"]]["作答次数"] == 0 and rows[bank["none"]]["答对率(%)"] is None
