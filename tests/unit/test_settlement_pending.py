"""Pending settlement entries: a closed question and an end survive the trip through JSON unchanged."""

from __future__ import annotations

import json

from test_match_engine import T0, new_match

from pkarena.engine import match as m
from pkarena.services.play.settlement import from_pending, needs_settling, to_pending


def test_closed_questions_and_the_end_round_trip_through_json() -> None:
    match = new_match("pk1v1", players=2, questions=1)  # started at T0
    assert match.answer("1", 0, "B", T0 + 1200).accepted
    events = match.answer("2", 0, "A", T0 + 2500).events
    settling = [e for e in events if needs_settling(e)]
    assert [type(e).__name__ for e in settling] == ["QuestionClosed", "MatchEnded"]
    for event in settling:
        assert from_pending(json.loads(json.dumps(to_pending(event)))) == event


def test_an_aborted_match_and_question_events_need_no_settling() -> None:
    match = new_match("pk1v1", players=2, questions=2)
    assert not any(needs_settling(e) for e in match.answer("1", 0, "B", T0 + 100).events)
    aborted = match.abort()
    assert isinstance(aborted[0], m.MatchEnded) and not needs_settling(aborted[0])
