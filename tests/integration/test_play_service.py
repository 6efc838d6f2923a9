"""The play service on SQLite + memory and PostgreSQL + Redis: whole matches, the answer log and ledger awards."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pkarena.engine import match as engine
from pkarena.models import LedgerEntry
from pkarena.services import ledger
from pkarena.services.play import matches as play
from pkarena.services.play import settlement
from pkarena.store import keys
from question_bank.models import AnswerLog

EXPLAIN = "解析-秘密"


@pytest.fixture
def store(app):
    """The app's store (memory or Redis)."""
    return app.extensions["pkarena.store"]


@pytest.fixture
def bank(world) -> list[int]:
    """Eight active single-choice questions whose key is "B" (ids of their versions)."""
    return world.questions(8, explanation=EXPLAIN)


@pytest.fixture
def people(world):
    """Four members of one branch."""
    branch = world.org("第一支部", world.org("测试公司"))
    return [world.member(branch, f"p{i}") for i in range(1, 5)]


def points_of(session, member) -> list[tuple[str, int, str]]:
    session.rollback()
    rows = session.execute(select(LedgerEntry.source, LedgerEntry.points, LedgerEntry.reason)
                           .where(LedgerEntry.member_id == member.id).order_by(LedgerEntry.id))
    return [tuple(r) for r in rows]


def play_out(session, store, clock, match, plan, on_commit=None) -> list[play.Outcome]:
    """Answer every question per `plan` (member → (choice, seconds after the open)), waiting for each next one."""
    outcomes = []
    for index in range(len(match.questions)):
        opened = clock.now()
        for member, (choice, after) in sorted(plan.items(), key=lambda kv: kv[1][1]):
            clock.set(opened + after)
            outcomes.append(play.answer(session, store, clock, match.match_id, member.id, index, choice, on_commit))
        clock.advance(milliseconds=match.mode.gap_ms)
        outcomes.append(play.tick(session, store, clock, match.match_id, on_commit))
    return outcomes


def test_a_full_pk4_match_awards_by_place_and_logs_every_answer(session, store, clock, bank, people) -> None:
    seen: list[LedgerEntry] = []
    match, started = play.start(session, store, clock, "pk4", [p.id for p in people])
    assert [type(e).__name__ for e in started.events] == ["MatchStarted", "QuestionOpened"]
    plan = {people[0]: ("B", timedelta(seconds=1)), people[1]: ("B", timedelta(seconds=3)),
            people[2]: ("A", timedelta(seconds=2)), people[3]: ("B", timedelta(seconds=5))}
    outcomes = play_out(session, store, clock, match, plan, seen.append)
    assert all(o.ok for o in outcomes)
    ended = [e for o in outcomes for e in o.events if isinstance(e, engine.MatchEnded)]
    assert len(ended) == 1 and [(s.player, s.place) for s in ended[0].standings] == [
        (str(people[0].id), 1), (str(people[1].id), 2), (str(people[3].id), 3), (str(people[2].id), 4)]
    awards = next(o.awards for o in outcomes if o.awards)
    assert {m: a.points for m, a in awards.items()} == {people[0].id: 3, people[1].id: 1, people[2].id: 1,
                                                       people[3].id: 1}
    assert len(seen) == 4
    assert points_of(session, people[0]) == [("pk4", 3, "")]
    assert session.scalar(select(func.count()).select_from(AnswerLog).where(AnswerLog.match_ref == match.match_id)) == 20
    wrong = session.scalars(select(AnswerLog).where(AnswerLog.member_id == people[2].id)).all()
    assert {(w.choice, w.correct, w.elapsed_ms) for w in wrong} == {("A", False, 2000)}

    # Awarding the same match again is a no-op: same points, no new ledger rows.
    again = settlement.award_end(session, clock, ended[0], {p.id for p in people})
    assert {m: a.points for m, a in again.items()} == {m: a.points for m, a in awards.items()}
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 4
    assert play.tick(session, store, clock, match.match_id).events == []


def test_a_second_answer_to_the_same_question_is_refused_with_a_code(session, store, clock, bank, people) -> None:
    match, _ = play.start(session, store, clock, "pk1v1", [people[0].id, people[1].id])
    first = play.answer(session, store, clock, match.match_id, people[0].id, 0, "A")
    second = play.answer(session, store, clock, match.match_id, people[0].id, 0, "B")
    assert first.ok and not first.answer.correct
    assert (second.code, second.message) == (engine.ALREADY_ANSWERED, "本题已作答，不能修改答案")
    assert play.load(store, match.match_id).answers[0][str(people[0].id)].choice == "A"
    outsider = play.answer(session, store, clock, match.match_id, people[2].id, 0, "B")
    assert outsider.code == engine.NOT_IN_MATCH and outsider.message


def test_all_players_get_the_same_questions_and_no_question_payload_leaks(session, store, clock, bank, people) -> None:
    match, started = play.start(session, store, clock, "pk4", [p.id for p in people])
    stored = store.state_get(keys.match_state_key(match.match_id))
    assert stored["questions"] == [json.loads(json.dumps(q.__dict__)) for q in match.questions]
    opened = [e for e in started.events if isinstance(e, engine.QuestionOpened)]
    text = json.dumps([e.payload() for e in opened], ensure_ascii=False)
    assert EXPLAIN not in text and '"answer"' not in text
    assert 0 < store.ttl(keys.match_state_key(match.match_id)) <= keys.MATCH_STATE_TTL


def test_the_daily_run_awards_one_per_correct_answer(session, store, clock, bank, people) -> None:
    member = people[0]
    match, _ = play.start_solo(session, store, clock, "daily", member.id)
    assert match.match_id == play.solo_match_id(clock, "daily", member.id)
    outcomes = []
    for index, choice in enumerate("BBABB"):
        clock.advance(seconds=2)
        outcomes.append(play.answer(session, store, clock, match.match_id, member.id, index, choice))
        clock.advance(milliseconds=match.mode.gap_ms)
        outcomes.append(play.tick(session, store, clock, match.match_id))
    awards = next(o.awards for o in outcomes if o.awards)
    assert awards[member.id].points == 4 and awards[member.id].reason == ""
    # Starting again the same day resumes the finished run: no second draw, no second award.
    resumed, again = play.start_solo(session, store, clock, "daily", member.id)
    assert resumed.status == engine.ENDED and again.events == []
    assert points_of(session, member) == [("daily", 4, "")]


def test_only_once_a_day_solo_modes_resume_and_pk_modes_do_not_start_as_solo_runs(session, store, clock, bank,
                                                                                 people) -> None:
    member = people[0]
    assert play.done_today(store, clock, "daily", member.id) is False  # not started yet
    first, _ = play.start_solo(session, store, clock, "challenge", member.id)
    second, _ = play.start_solo(session, store, clock, "challenge", member.id)
    assert play.solo_match_id(clock, "challenge", member.id) is None and first.match_id != second.match_id
    assert play.done_today(store, clock, "challenge", member.id) is False
    with pytest.raises(ValueError, match="not a solo mode"):
        play.start_solo(session, store, clock, "pk1v1", member.id)


def test_the_daily_cap_of_five_limits_the_award_and_says_why(session, store, clock, bank, people) -> None:
    member = people[0]
    ledger.award(session, clock, member_id=member.id, source="daily", source_ref="earlier", outcome={"correct": 3})
    match, _ = play.start_solo(session, store, clock, "daily", member.id)
    awards = {}
    for index in range(5):
        clock.advance(seconds=1)
        outcome = play.answer(session, store, clock, match.match_id, member.id, index, "B")
        clock.advance(milliseconds=match.mode.gap_ms)
        awards.update(outcome.awards)
        awards.update(play.tick(session, store, clock, match.match_id).awards)
    got = awards[member.id]
    assert (got.points, got.requested, got.reason, got.message) == (2, 5, "daily_cap", "今日每日答题积分已达上限")


def test_only_the_first_1v1_of_the_day_counts_and_the_message_says_so(session, store, clock, bank, people) -> None:
    pair = {people[0]: ("B", timedelta(seconds=1)), people[1]: ("A", timedelta(seconds=1))}
    results = []
    for _ in range(2):
        match, _ = play.start(session, store, clock, "pk1v1", [people[0].id, people[1].id])
        results.append(next(o.awards for o in play_out(session, store, clock, match, pair) if o.awards))
    assert (results[0][people[0].id].points, results[0][people[1].id].points) == (2, 1)
    second = results[1][people[0].id]
    assert (second.points, second.reason, second.message) == (0, "match_limit", "今日计分的对战场次已满，本场不计分")


def test_a_challenge_run_ends_on_the_second_miss_and_awards_the_streak_tier(session, store, clock, bank, people) -> None:
    member = people[0]
    match, _ = play.start(session, store, clock, "challenge", [member.id])
    assert len(match.questions) == 8  # the whole (small) bank, up to the run's length
    awards = {}
    for index, choice in enumerate("BBBBBAA"):
        clock.advance(seconds=1)
        awards.update(play.answer(session, store, clock, match.match_id, member.id, index, choice).awards)
        clock.advance(milliseconds=match.mode.gap_ms)
        awards.update(play.tick(session, store, clock, match.match_id).awards)
    assert play.load(store, match.match_id).status == engine.ENDED
    assert awards[member.id].points == 3


def test_starting_with_an_empty_bank_is_refused_with_a_code(session, store, clock, people) -> None:
    with pytest.raises(play.PlayError) as refused:
        play.start(session, store, clock, "pk1v1", [people[0].id, people[1].id])
    assert refused.value.code == play.NOT_ENOUGH_QUESTIONS and refused.value.message


def test_a_match_held_by_another_process_is_not_touched(session, store, clock, bank, people, monkeypatch) -> None:
    match, _ = play.start(session, store, clock, "pk1v1", [people[0].id, people[1].id])
    store.lease_acquire(keys.match_lease_key(match.match_id), "other-process", keys.MATCH_LEASE_TTL)
    monkeypatch.setattr(play, "LEASE_WAIT_S", 0.0)
    with pytest.raises(play.PlayError) as refused:
        play.answer(session, store, clock, match.match_id, people[0].id, 0, "B")
    assert refused.value.code == play.BUSY
    assert play.load(store, match.match_id).answers[0] == {}


def log_count(session, match_id: str) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(AnswerLog).where(AnswerLog.match_ref == match_id))


def test_an_answer_acked_before_settling_leaves_the_writes_to_the_next_tick(session, store, clock, bank,
                                                                              people) -> None:
    pair = people[:2]
    match, _ = play.start(session, store, clock, "pk1v1", [p.id for p in pair])
    ended_events = []
    for index in range(len(match.questions)):
        clock.advance(seconds=1)
        first = play.answer(session, store, clock, match.match_id, pair[0].id, index, "B", settle_now=False)
        assert first.ok and not first.unsettled and log_count(session, match.match_id) == 2 * index
        closing = play.answer(session, store, clock, match.match_id, pair[1].id, index, "A", settle_now=False)
        # The closing answer reveals at once, but writes nothing yet and holds `match.end` back.
        assert closing.ok and closing.unsettled and not closing.awards
        assert any(isinstance(e, engine.QuestionClosed) for e in closing.events)
        assert not any(isinstance(e, engine.MatchEnded) for e in closing.events)
        assert log_count(session, match.match_id) == 2 * index
        assert play.next_tick(store, clock, match.match_id) == play.now_ms(clock)  # the driver is due at once
        assert play.stalled(store, clock, late_ms=2000) == []  # and has two seconds before it counts as gone
        clock.advance(milliseconds=match.mode.gap_ms)
        settled = play.tick(session, store, clock, match.match_id)
        assert not settled.unsettled and log_count(session, match.match_id) == 2 * (index + 1)
        ended_events += [e for e in settled.events if isinstance(e, engine.MatchEnded)]
    assert len(ended_events) == 1  # announced once, by the tick that settled it, with the awards
    (winner,), (loser,) = points_of(session, pair[0]), points_of(session, pair[1])
    assert winner[0] == loser[0] == "pk1v1" and winner[1] > loser[1]
    assert play.next_tick(store, clock, match.match_id) is None
    assert not play.tick(session, store, clock, match.match_id).events  # nothing is announced twice
    assert len(points_of(session, pair[0])) == 1


def test_a_settlement_that_fails_stays_pending_and_the_next_tick_finishes_it(session, store, clock, bank, people,
                                                                             monkeypatch) -> None:
    member = people[0]
    match, _ = play.start_solo(session, store, clock, "daily", member.id)
    for index in range(len(match.questions)):
        clock.advance(seconds=1)
        play.answer(session, store, clock, match.match_id, member.id, index, "B", settle_now=False)
        if index + 1 < len(match.questions):
            clock.advance(milliseconds=match.mode.gap_ms)
            play.tick(session, store, clock, match.match_id)

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ledger, "award", broken)
    with pytest.raises(RuntimeError):
        play.tick(session, store, clock, match.match_id)
    session.rollback()
    assert points_of(session, member) == [] and play.next_tick(store, clock, match.match_id) == play.now_ms(clock)
    monkeypatch.undo()
    settled = play.tick(session, store, clock, match.match_id)
    assert settled.awards[member.id].points == len(match.questions)
    assert [type(e).__name__ for e in settled.events] == ["MatchEnded"]
    assert log_count(session, match.match_id) == len(match.questions)


def test_every_unfinished_match_is_on_the_schedule_at_its_next_tick(session, store, clock, bank, people) -> None:
    match, _ = play.start(session, store, clock, "pk1v1", [people[0].id, people[1].id])
    deadline = play.load(store, match.match_id).deadline
    assert play.next_tick(store, clock, match.match_id) == deadline + 1
    assert play.stalled(store, clock, late_ms=2000) == []
    clock.set(clock.now() + timedelta(milliseconds=match.mode.limit_ms + 2500))  # nobody ticked it
    assert play.stalled(store, clock, late_ms=2000) == [match.match_id]
    play.tick(session, store, clock, match.match_id)  # closed at the deadline: due again after the gap
    assert play.stalled(store, clock, late_ms=2000) == []
    store.state_delete(keys.match_state_key(match.match_id))  # expired: it leaves the schedule
    clock.advance(minutes=5)
    assert play.stalled(store, clock, late_ms=2000) == [match.match_id]
    with pytest.raises(play.PlayError):
        play.next_tick(store, clock, match.match_id)
    assert play.stalled(store, clock, late_ms=2000) == []
