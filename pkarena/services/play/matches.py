"""Runs and matches: draw questions, keep the engine's state in the Store under a lease, log answers, award."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import match as engine
from pkarena.engine import sources
from pkarena.engine.bots import answer_time as bot_answer_time
from pkarena.engine.bots import due as due_bot_moves
from pkarena.engine.bots import next_move_at as next_bot_move_at
from pkarena.engine.modes import MODES, Mode
from pkarena.services import ledger
from pkarena.services.play.settlement import Award, from_pending, needs_settling, settle, to_pending
from pkarena.store import keys
from pkarena.store.base import Store
from question_bank.models import AnswerLog, Category, Question, QuestionVersion
from question_bank.selection import Candidate, Quota, Seen, SelectionError, SelectionRule, draw
from question_bank.types import count_blanks

SOLO_MODES = sources.of_kind("solo")  # daily, challenge: one player, started by `<mode>.start`
HISTORY_DAYS = 30  # questions a player saw recently are drawn last
LEASE_WAIT_S = 3.0  # how long a handler waits for another process to finish mutating the same match
LEASE_POLL_S = 0.005

# Stable codes of refusals beyond the engine's own, with Chinese messages for every code.
NO_MATCH = "NO_MATCH"
BUSY = "BUSY"
NOT_ENOUGH_QUESTIONS = "NOT_ENOUGH_QUESTIONS"
MESSAGES = {
    engine.ALREADY_ANSWERED: "本题已作答，不能修改答案",
    engine.QUESTION_CLOSED: "本题已结束作答",
    engine.NOT_IN_MATCH: "你不在这场对局中",
    engine.WRONG_INDEX: "不是当前题目",
    engine.MATCH_OVER: "对局已结束",
    NO_MATCH: "对局不存在或已过期",
    BUSY: "服务器繁忙，请重试",
    NOT_ENOUGH_QUESTIONS: "题库中可用题目不足，暂时无法开始",
}


class PlayError(Exception):
    """A refused play request: a stable code and a Chinese message."""

    def __init__(self, code: str) -> None:
        super().__init__(MESSAGES[code])
        self.code, self.message = code, MESSAGES[code]


@dataclass(frozen=True)
class Outcome:
    """Events to emit (in order), the refusal code if any, and awards when the match ended."""

    events: list[engine.Event]
    code: str = ""
    awards: dict[int, Award] = field(default_factory=dict)
    answer: engine.Answer | None = None
    recipients: list[int] = field(default_factory=list)  # the human players, who get every event
    unsettled: bool = False  # closed questions or the end wait for the next tick (answers ack first)
    next_at: int | None = None  # when the match needs its next tick, as saved (None: done)

    @property
    def ok(self) -> bool:
        """True unless refused."""
        return not self.code

    @property
    def message(self) -> str:
        """The Chinese message of the refusal ("" if accepted)."""
        return MESSAGES.get(self.code, "")


def now_ms(clock: Clock) -> int:
    """Server time in milliseconds, the engine's unit."""
    return int(clock.now().timestamp() * 1000)


def solo_match_id(clock: Clock, mode_name: str, member_id: int) -> str | None:
    """The id of a once-a-day mode's run (one per member and local day: starting again resumes it), else None."""
    return f"{mode_name}-{member_id}-{clock.day_key()}" if MODES[mode_name].once_a_day else None


# --- questions ---------------------------------------------------------------------------------------
def _candidates(session: Session) -> list[Candidate]:
    query = (select(Question.id, QuestionVersion.id, QuestionVersion.type, QuestionVersion.difficulty, Category.path)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
             .outerjoin(Category, Category.id == QuestionVersion.category_id)
             .where(Question.status == "active"))
    return [Candidate(qid, vid, qtype, difficulty, path or "/") for qid, vid, qtype, difficulty, path in session.execute(query)]


def _history(session: Session, clock: Clock, member_ids: list[int]) -> list[Seen]:
    since = clock.now() - timedelta(days=HISTORY_DAYS)
    query = (select(QuestionVersion.question_id, AnswerLog.answered_at, AnswerLog.correct)
             .join(QuestionVersion, QuestionVersion.id == AnswerLog.question_version_id)
             .where(AnswerLog.member_id.in_(member_ids), AnswerLog.answered_at >= since))
    return [Seen(qid, at, correct) for qid, at, correct in session.execute(query)]


def draw_questions(session: Session, clock: Clock, mode: Mode, match_id: str,
                   member_ids: list[int]) -> tuple[list[engine.PublicQuestion], list[engine.Secret]]:
    """Draw the mode's questions once for the whole match (seed = match id): every player gets the same."""
    rule = SelectionRule((Quota(mode.questions),), shortfall="fill", prefer="unseen_then_wrong")
    candidates = _candidates(session)
    if mode.sudden_death:  # a challenge run draws what the bank has, up to its length
        rule = SelectionRule((Quota(min(mode.questions, len(candidates))),), shortfall="fill",
                             prefer="unseen_then_wrong")
    try:
        picked = draw(rule, candidates, seed=match_id, now=clock.now(), history=_history(session, clock, member_ids))
    except SelectionError as exc:
        raise PlayError(NOT_ENOUGH_QUESTIONS) from exc
    if not picked:
        raise PlayError(NOT_ENOUGH_QUESTIONS)
    versions = {v.id: v for v in session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_([c.version_id for c in picked])))}
    public, secrets = [], []
    for c in picked:
        v = versions[c.version_id]
        blanks = (count_blanks(v.stem) or 1) if v.type == "fill" else 0
        public.append(engine.PublicQuestion(v.id, v.type, v.stem, list(v.options or []), blanks))
        secrets.append(engine.Secret(v.answer, v.explanation))
    session.rollback()  # end the read transaction: no connection idles in one while players think
    return public, secrets


# --- state under a lease -------------------------------------------------------------------------------
@contextmanager
def _locked(store: Store, match_id: str) -> Iterator[None]:
    """Hold the match's lease, so two processes never interleave load → mutate → save."""
    owner, key = uuid.uuid4().hex, keys.match_lease_key(match_id)
    waited = 0.0
    while not store.lease_acquire(key, owner, keys.MATCH_LEASE_TTL):
        if waited >= LEASE_WAIT_S:
            raise PlayError(BUSY)
        time.sleep(LEASE_POLL_S)  # another process holds it for one short mutation
        waited += LEASE_POLL_S
    try:
        yield
    finally:
        store.lease_release(key, owner)


def load(store: Store, match_id: str) -> engine.Match:
    """The match as stored, or PlayError(NO_MATCH)."""
    return _load(store, match_id)[0]


def _load(store: Store, match_id: str) -> tuple[engine.Match, list[dict]]:
    state = store.state_get(keys.match_state_key(match_id))
    if state is None:
        raise PlayError(NO_MATCH)
    return engine.Match.from_state(state), state.get("pending", [])


def next_tick_at(match: engine.Match, pending: list[dict], now: int) -> int | None:
    """Server ms at which the match next needs a tick (None: over and settled, nothing left to do)."""
    if pending:
        return now  # settle as soon as a driver looks
    if match.over:
        return None
    wake = match.deadline + 1 if not match.closed else (match.next_open_at or match.deadline)
    if match.away_since:  # a forfeit is due when the grace period runs out, even mid-question
        wake = min(wake, min(match.away_since.values()) + match.mode.grace_ms)
    return min(wake, next_bot_move_at(match) or wake)


def _save(store: Store, match: engine.Match, pending: list[dict], now: int, scheduled: int | None = -1) -> int | None:
    """Store the match and return its next tick; `scheduled` (as loaded) spares a round trip if that did not move."""
    store.state_set(keys.match_state_key(match.match_id), {**match.to_state(), "pending": pending},
                    keys.MATCH_STATE_TTL)
    at = next_tick_at(match, pending, now)
    if at == scheduled and not pending:  # most answers leave the deadline where it was
        return at
    if at is None:
        store.schedule_remove(keys.match_schedule_key(), match.match_id)
    else:
        store.schedule_set(keys.match_schedule_key(), match.match_id, at)
    return at


def next_tick(store: Store, clock: Clock, match_id: str) -> int | None:
    """When a stored match next needs a tick (server ms; None when done); a vanished match leaves the schedule."""
    try:
        match, pending = _load(store, match_id)
    except PlayError:
        store.schedule_remove(keys.match_schedule_key(), match_id)
        raise
    return next_tick_at(match, pending, now_ms(clock))


def stalled(store: Store, clock: Clock, late_ms: int, limit: int = 100) -> list[str]:
    """Matches whose next tick is more than `late_ms` overdue: nobody is driving them."""
    return store.schedule_due(keys.match_schedule_key(), now_ms(clock) - late_ms, limit)


def _humans(match: engine.Match) -> list[int]:
    return [int(p.id) for p in match.players if not p.bot]


# --- use cases ---------------------------------------------------------------------------------------
def start(session: Session, store: Store, clock: Clock, mode_name: str, member_ids: list[int], *,
          match_id: str | None = None, bot_ids: list[int] | None = None) -> tuple[engine.Match, Outcome]:
    """Start a run or match (demo bot members `bot_ids` take the empty seats); an existing id resumes."""
    shape = MODES[mode_name]
    match_id = match_id or uuid.uuid4().hex
    with _locked(store, match_id):
        existing = store.state_get(keys.match_state_key(match_id))
        if existing is not None:
            match = engine.Match.from_state(existing)
            current = match.current_question(now_ms(clock))
            return match, Outcome([current] if current else [], recipients=_humans(match))
        public, secrets = draw_questions(session, clock, shape, match_id, member_ids)
        players = [engine.Player(str(m)) for m in member_ids] + [engine.Player(str(b), bot=True) for b in bot_ids or ()]
        match = engine.Match(match_id, shape, players, public, secrets)
        events = match.start(now_ms(clock))
        _save(store, match, [], now_ms(clock))
        for member in member_ids:
            store.state_set(keys.playing_member_key(member), {"match_id": match_id}, keys.MATCH_STATE_TTL)
    return match, Outcome(events, recipients=_humans(match))


def start_solo(session: Session, store: Store, clock: Clock, mode_name: str,
               member_id: int) -> tuple[engine.Match, Outcome]:
    """A member's solo run (`daily.start`, `challenge.start`); a once-a-day mode resumes today's run."""
    if mode_name not in SOLO_MODES:
        raise ValueError(f"{mode_name!r} is not a solo mode")
    return start(session, store, clock, mode_name, [member_id], match_id=solo_match_id(clock, mode_name, member_id))


def done_today(store: Store, clock: Clock, mode_name: str, member_id: int) -> bool:
    """True when the member's once-a-day run of `mode_name` is over today (a new start only shows its end)."""
    match_id = solo_match_id(clock, mode_name, member_id)
    if match_id is None:
        return False
    try:
        return load(store, match_id).over
    except PlayError:  # not started today (or expired): starting is allowed
        return False


def _apply(session: Session, store: Store, clock: Clock, match_id: str,
           step: Callable[[engine.Match, int], tuple[str, list[engine.Event], engine.Answer | None]],
           on_commit: ledger.EntryListener | None, *, settle_now: bool = True) -> Outcome:
    with _locked(store, match_id):
        match, pending = _load(store, match_id)
        scheduled = next_tick_at(match, pending, now_ms(clock))
        earlier = [from_pending(entry) for entry in pending]
        code, events, scored = step(match, now_ms(clock))
        pending = pending + [to_pending(e) for e in events if needs_settling(e)]
        awards: dict[int, Award] = {}
        if settle_now and pending:
            # The answer log and the ledger first: if they fail, the state is not saved and a retry is safe.
            awards = settle(session, clock, match_id, set(_humans(match)),
                            earlier + [e for e in events if needs_settling(e)], on_commit)
            pending = []
        next_at = _save(store, match, pending, now_ms(clock), scheduled)
        if match.over and not pending:
            store.delete(*(keys.playing_member_key(m) for m in _humans(match)))
    if settle_now:  # an end settled now but reached earlier is announced now, with its awards
        events = [e for e in earlier if isinstance(e, engine.MatchEnded)] + events
    else:  # `match.end` carries the awards, so it waits for the settlement
        events = [e for e in events if not (isinstance(e, engine.MatchEnded) and needs_settling(e))]
    return Outcome(events, code, awards, scored, _humans(match), unsettled=bool(pending), next_at=next_at)


def answer(session: Session, store: Store, clock: Clock, match_id: str, member_id: int, index: int, choice: Any,
           on_commit: ledger.EntryListener | None = None, *, settle_now: bool = True) -> Outcome:
    """Score one answer at server time; refused answers carry a code and change nothing.

    With `settle_now=False` (the socket handler, which acks first) the database writes of a question
    this answer closes are left pending for the next `tick`, and `match.end` is announced by that tick.
    """
    def step(match: engine.Match, now: int):
        result = match.answer(str(member_id), index, choice, now)
        return result.code, result.events, result.answer
    return _apply(session, store, clock, match_id, step, on_commit, settle_now=settle_now)


def tick(session: Session, store: Store, clock: Clock, match_id: str,
         on_commit: ledger.EntryListener | None = None) -> Outcome:
    """Let server time act: settle what answers left pending, demo bots' moves, deadlines, forfeits."""
    def step(match: engine.Match, now: int):
        events: list[engine.Event] = []
        for move in due_bot_moves(match, now):  # at the bot's own time, even if this tick comes late
            if match.index == move.index and not match.closed:
                events += match.answer(move.player, move.index, move.choice, bot_answer_time(match, move)).events
        return "", events + match.tick(now), None
    return _apply(session, store, clock, match_id, step, on_commit)


def current_match_id(store: Store, member_id: int) -> str | None:
    """The match a member is seated in (for reconnects), or None."""
    seat = store.state_get(keys.playing_member_key(member_id))
    return None if seat is None else seat["match_id"]


def disconnect(store: Store, clock: Clock, match_id: str, member_id: int) -> None:
    """A player's connection dropped: the grace period starts."""
    with _locked(store, match_id):
        match, pending = _load(store, match_id)
        match.disconnect(str(member_id), now_ms(clock))
        _save(store, match, pending, now_ms(clock))


def reconnect(session: Session, store: Store, clock: Clock, match_id: str, member_id: int,
              on_commit: ledger.EntryListener | None = None) -> Outcome:
    """A player is back: the open question with its deadline (if still seated)."""
    def step(match: engine.Match, now: int):
        if match.player(str(member_id)) is None:
            return engine.NOT_IN_MATCH, [], None
        return "", match.reconnect(str(member_id), now), None
    return _apply(session, store, clock, match_id, step, on_commit)
