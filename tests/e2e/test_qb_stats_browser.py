"""An organizer opens the item statistics page of the demo server after answers were logged and sees the scatter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from question_bank.answers import record_answer
from question_bank.models import Question, QuestionVersion

pytestmark = pytest.mark.e2e

PLAYERS = 30  # enough attempts for the flags


def record_demo_answers(db_path) -> list[int]:
    """Thirty matches of the same five demo questions written straight into the demo's SQLite file."""
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with Session(engine) as session:
            versions = session.execute(
                select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
                .where(QuestionVersion.type.in_(("single", "judge"))).order_by(Question.id).limit(5)).scalars().all()
            now = datetime.now(UTC)
            for player in range(PLAYERS):
                for rank, version in enumerate(versions):
                    # Stronger players (low numbers) answer more questions right; question 4 goes the other way.
                    correct = (player < 25 - 4 * rank) if rank < 4 else player >= 15
                    if correct:
                        choice = version.answer
                    elif version.type == "judge":
                        choice = not version.answer
                    else:
                        choice = "B" if version.answer == "A" else "A"
                    record_answer(session, question_version_id=version.id, member_id=10_000 + player,
                                  match_ref=f"e2e-stats-{player}", choice=choice, correct=correct,
                                  elapsed_ms=2_000 + 150 * player, answered_at=now)
            session.commit()
            return [v.question_id for v in versions]
    finally:
        engine.dispose()


def test_organizer_sees_the_statistics_table_and_the_scatter(demo_server, desktop, ui_login, screenshot):
    question_ids = record_demo_answers(demo_server.log.parent / "demo.sqlite3")
    assert len(question_ids) == 5
    page = desktop
    ui_login(page, "host-a")
    page.goto("/qb/stats/")
    scatter = page.locator("[data-testid=qb-scatter]")
    page.wait_for_function("document.getElementById('qb-scatter').dataset.drawn === 'true'")
    # Other e2e tests share this demo server and may have answered questions too: at least our five.
    assert int(scatter.get_attribute("data-points")) >= 5
    canvas = scatter.locator("canvas").first
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    # Something was painted: the canvas holds pixels that are not all the same colour.
    distinct = page.evaluate("""() => {
        const c = document.querySelector('#qb-scatter canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2] + ',' + d[i + 3]);
        return seen.size;
    }""")
    assert distinct > 3
    flagged = page.locator(f"tr[data-question-id='{question_ids[4]}']")
    assert "区分度为负" in flagged.inner_text()
    # Sorting by attempts (descending on the second click) brings the answered questions to the top.
    header = page.locator("th", has_text="作答次数")
    header.click()
    header.click()
    attempts = [int(a or 0) for a in page.locator("#stats-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.attempts)")]
    assert attempts[0] == max(attempts) >= PLAYERS
    assert attempts[:5] == sorted(attempts[:5], reverse=True)
    flagged.click()
    assert page.locator("#qb-bars").get_attribute("data-question") == str(question_ids[4])
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "qb-stats.png")
