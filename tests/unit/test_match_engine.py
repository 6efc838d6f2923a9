"""The match engine with an injected clock: answers at server time, close, reveal, places, forfeits."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pkarena.engine import match as m
from pkarena.engine.modes import MODES

T0 = 1_000_000  # server ms at the start of every match here


def bank(n: int = 5) -> tuple[list[m.PublicQuestion], list[m.Secret]]:
    """`n` single-choice questions whose key is always "B", with an explanation each."""
    public = [m.PublicQuestion(100 + i, "single", f"第{i + 1}题", ["甲", "乙", "丙"], 0) for i in range(n)]
    return public, [m.Secret("B", f"解析{i + 1}") for i in range(n)]


def new_match(mode: str = "pk4", players: int = 4, questions: int = 5, **shape) -> m.Match:
    public, secret = bank(questions)
    chosen = replace(MODES[mode], **shape) if shape else MODES[mode]
    seats = [m.Player(str(i + 1)) for i in range(players)]
    match = m.Match("match-1", chosen, seats, public, secret)
    match.start(T0)
    return match


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


def test_starting_sends_the_first_question_with_a_server_deadline() -> None:
    public, secret = bank()
    match = m.Match("x", MODES["pk1v1"], [m.Player("1"), m.Player("2")], public, secret)
    events = match.start(T0)
    assert kinds(events) == ["MatchStarted", "QuestionOpened"]
    assert events[1].payload() == {"match_id": "x", "index": 0, "type": "single", "stem": "第1题",
                                   "options": ["甲", "乙", "丙"], "blanks": 0, "limit_ms": 10_000,
                                   "deadline": T0 + 10_000}


def test_a_correct_answer_scores_by_server_elapsed_time() -> None:
    match = new_match()
    result = match.answer("1", 0, "B", T0 + 2_000)
    assert result.accepted and result.answer == m.Answer("B", True, 2_000, 90)
    assert match.answer("2", 0, "A", T0 + 1_000).answer.score == 0


def test_second_answer_to_same_question_is_refused_and_changes_nothing() -> None:
    match = new_match()
    match.answer("1", 0, "A", T0 + 1_000)
    again = match.answer("1", 0, "B", T0 + 1_500)
    assert again.code == m.ALREADY_ANSWERED
    assert match.answers[0]["1"].choice == "A"


def test_refusals_carry_stable_codes() -> None:
    match = new_match()
    assert match.answer("9", 0, "B", T0).code == m.NOT_IN_MATCH
    assert match.answer("1", 1, "B", T0).code == m.WRONG_INDEX
    late = match.answer("1", 0, "B", T0 + 10_001)
    assert late.code == m.QUESTION_CLOSED
    assert kinds(late.events) == ["QuestionClosed"]


def test_the_question_closes_when_everyone_has_answered_and_the_reveal_follows() -> None:
    match = new_match(players=2, mode="pk1v1")
    first = match.answer("1", 0, "B", T0 + 1_000)
    assert first.events == []
    last = match.answer("2", 0, "C", T0 + 3_000)
    assert kinds(last.events) == ["QuestionClosed"]
    reveal = last.events[0].payload()
    assert reveal["answer"] == "B" and reveal["explanation"] == "解析1"
    assert reveal["results"]["2"] == {"choice": "C", "correct": False, "elapsed_ms": 3_000, "score": 0}


def test_the_next_question_opens_after_the_reveal_gap() -> None:
    match = new_match(players=1, mode="pk1v1")
    match.answer("1", 0, "B", T0 + 1_000)
    assert match.tick(T0 + 1_000 + MODES["pk1v1"].gap_ms - 1) == []
    opened = match.tick(T0 + 1_000 + MODES["pk1v1"].gap_ms)
    assert kinds(opened) == ["QuestionOpened"]
    assert opened[0].deadline == T0 + 1_000 + MODES["pk1v1"].gap_ms + 10_000


def test_deadline_closes_the_question_and_missing_players_score_zero() -> None:
    match = new_match(players=2, mode="pk1v1")
    match.answer("1", 0, "B", T0 + 500)
    events = match.tick(T0 + 10_001)
    assert kinds(events) == ["QuestionClosed"]
    assert events[0].results["2"] == m.Answer(None, False, None, 0)
    assert events[0].closed_at == T0 + 10_000


def test_places_go_by_total_then_by_smaller_summed_time() -> None:
    match = new_match(questions=1)
    match.answer("1", 0, "B", T0 + 4_000)  # 80
    match.answer("2", 0, "B", T0 + 2_000)  # 90
    match.answer("3", 0, "A", T0 + 1_000)  # 0, 1 s
    ended = match.answer("4", 0, "C", T0 + 5_000).events  # 0, 5 s
    assert kinds(ended) == ["QuestionClosed", "MatchEnded"]
    places = [(s.player, s.place, s.total, s.outcome["place"]) for s in ended[-1].standings]
    assert places == [("2", 1, 90, 1), ("1", 2, 80, 2), ("3", 3, 0, 3), ("4", 4, 0, 4)]


def test_a_perfect_tie_in_1v1_is_no_win_for_either() -> None:
    match = new_match("pk1v1", players=2, questions=1)
    match.answer("1", 0, "B", T0 + 1_000)
    end = match.answer("2", 0, "B", T0 + 1_000).events[-1]
    assert [(s.place, s.outcome["won"]) for s in end.standings] == [(1, False), (1, False)]


def test_daily_counts_correct_answers_and_ends_after_five() -> None:
    match = new_match("daily", players=1, gap_ms=0)
    for i, choice in enumerate("BBABB"):
        result = match.answer("1", i, choice, T0 + 1_000 * (i + 1))
    end = result.events[-1]
    assert isinstance(end, m.MatchEnded)
    assert end.standings[0].outcome == {"correct": 4, "bot": False} and end.standings[0].total == 4


def test_challenge_survives_one_miss_then_ends_on_the_second() -> None:
    match = new_match("challenge", players=1, questions=30, gap_ms=0)
    choices = ["B", "B", "A", "B", "A"]
    for i, choice in enumerate(choices):
        result = match.answer("1", i, choice, T0 + 100 * (i + 1))
    assert match.status == m.ENDED
    assert result.events[-1].standings[0].outcome == {"streak": 3, "bot": False}
    assert match.answer("1", 5, "B", T0 + 1_000).code == m.MATCH_OVER


def test_a_player_who_returns_within_the_grace_period_keeps_the_seat_and_the_question() -> None:
    match = new_match("pk1v1", players=2)
    match.answer("1", 0, "B", T0 + 1_000)
    match.disconnect("1", T0 + 1_500)
    back = match.reconnect("1", T0 + 5_000)
    assert kinds(back) == ["QuestionOpened"] and back[0].deadline == T0 + 10_000
    assert match.out == {}


def test_a_player_away_beyond_the_grace_period_forfeits_and_the_other_wins() -> None:
    match = new_match("pk1v1", players=2, grace_ms=5_000, gap_ms=0)
    match.answer("1", 0, "B", T0 + 1_000)
    match.disconnect("2", T0 + 1_000)
    events = match.tick(T0 + 6_000)
    assert kinds(events) == ["PlayerForfeited", "QuestionClosed", "MatchEnded"]
    standings = {s.player: s for s in events[-1].standings}
    assert standings["1"].outcome["won"] is True and standings["2"].forfeited and standings["2"].place == 2


def test_everyone_away_aborts_the_match() -> None:
    match = new_match("daily", players=1, grace_ms=5_000)
    match.disconnect("1", T0)
    events = match.tick(T0 + 5_000)
    assert kinds(events) == ["PlayerForfeited", "MatchEnded"] and events[-1].aborted
    assert match.status == m.ABORTED


def test_a_match_survives_a_json_round_trip_mid_question() -> None:
    match = new_match("pk4", grace_ms=7_000)
    match.answer("1", 0, "B", T0 + 1_000)
    match.disconnect("2", T0 + 1_200)
    copy = m.Match.from_state(json.loads(json.dumps(match.to_state())))
    assert copy.to_state() == match.to_state() and copy.mode.grace_ms == 7_000
    assert copy.answer("1", 0, "B", T0 + 1_300).code == m.ALREADY_ANSWERED


def test_fill_and_judge_answers_are_checked_by_the_question_bank_rules() -> None:
    public = [m.PublicQuestion(1, "fill", "首都是__", [], 1), m.PublicQuestion(2, "judge", "水是湿的", [], 0)]
    secret = [m.Secret([["北京", "北京市"]], None), m.Secret(True, None)]
    match = m.Match("f", replace(MODES["daily"], gap_ms=0), [m.Player("1")], public, secret)
    match.start(T0)
    assert match.answer("1", 0, ["北京 市"], T0 + 10).answer.correct is True
    assert match.answer("1", 1, False, T0 + 20).answer.correct is False


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_mode_takes_its_shape_from_the_rules(mode: str) -> None:
    shape = MODES[mode]
    assert shape.limit_ms in (10_000, 30_000) and shape.players == {"daily": 1, "challenge": 1, "pk1v1": 2,
                                                                      "pk4": 4}[mode]
    assert (shape.revives is not None) == (mode == "challenge")
