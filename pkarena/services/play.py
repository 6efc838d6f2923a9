"""Runs and matches: draw questions, keep the engine's state in the Store under a lease, log answers, award."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import match as engine
from pkarena.engine import rules
from pkarena.engine.bots import answer_time as bot_answer_time
from pkarena.engine.bots import due as due_bot_moves
from pkarena.engine.modes import MODES, Mode
from pkarena.services import ledger
from pkarena.store import keys
from pkarena.store.base import Store
from question_bank.answers import record_answer
from question_bank.models import AnswerLog, Category, Question, QuestionVersion
from question_bank.selection import Candidate, Quota, Seen, SelectionError, SelectionRule, draw
from question_bank.types import count_blanks

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
MODE_LABELS = {"daily": "每日答题", "challenge": "挑战答题", "pk1v1": "对战", "pk4": "对战"}
FORFEITED = "forfeited"


class PlayError(Exception):
    """A refused play request: a stable code and a Chinese message."""

    def __init__(self, code: str) -> None:
        super().__init__(MESSAGES[code])
        self.code, self.message = code, MESSAGES[code]


@dataclass(frozen=True)
class Award:
    """What one member got at the end, and why it may be less than the result asked for."""

    member_id: int
    points: int
    requested: int
    reason: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """Events to emit (in order), the refusal code if any, and awards when the match ended."""

    events: list[engine.Event]
    code: str = ""
    awards: dict[int, Award] = field(default_factory=dict)
    answer: engine.Answer | None = None
    recipients: list[int] = field(default_factory=list)  # the human players, who get every event

    @property
    def ok(self) -> bool:
        """True unless refused."""
        return not self.code

    @property
    def message(self) -> str:
        """The Chinese message of the refusal ("" if accepted)."""
        return MESSAGES.get(self.code, "")


def reason_text(source: str, reason: str) -> str:
    """A sentence for an award reason code, e.g. "今日对战积分已达上限"."""
    label = MODE_LABELS.get(source, source)
    return {
        rules.REASON_OK: "",
        rules.REASON_DAILY_CAP: f"今日{label}积分已达上限",
        rules.REASON_MATCH_LIMIT: f"今日计分的{label}场次已满，本场不计分",
        rules.REASON_BOT: "机器人不计积分",
        FORFEITED: "中途退出，本场不计分",
    }.get(reason, reason)


def now_ms(clock: Clock) -> int:
    """Server time in milliseconds, the engine's unit."""
    return int(clock.now().timestamp() * 1000)


def daily_match_id(clock: Clock, member_id: int) -> str:
    """One daily run per member and local day: starting again resumes it."""
    return f"daily-{member_id}-{clock.day_key()}"


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
    state = store.state_get(keys.match_state_key(match_id))
    if state is None:
        raise PlayError(NO_MATCH)
    return engine.Match.from_state(state)


def _save(store: Store, match: engine.Match) -> None:
    store.state_set(keys.match_state_key(match.match_id), match.to_state(), keys.MATCH_STATE_TTL)


def _humans(match: engine.Match) -> list[int]:
    return [int(p.id) for p in match.players if not p.bot]


# --- use cases ---------------------------------------------------------------------------------------
def start(session: Session, store: Store, clock: Clock, mode_name: str, member_ids: list[int], *,
          match_id: str | None = None, bots: int = 0, mode: Mode | None = None,
          bot_ids: list[int] | None = None) -> tuple[engine.Match, Outcome]:
    """Start a run or match (bots fill `bots` extra seats, or the seats of bot members `bot_ids`); an existing id resumes."""
    shape = mode or MODES[mode_name]
    match_id = match_id or uuid.uuid4().hex
    with _locked(store, match_id):
        existing = store.state_get(keys.match_state_key(match_id))
        if existing is not None:
            match = engine.Match.from_state(existing)
            current = match.current_question(now_ms(clock))
            return match, Outcome([current] if current else [], recipients=_humans(match))
        public, secrets = draw_questions(session, clock, shape, match_id, member_ids)
        players = [engine.Player(str(m)) for m in member_ids] + [engine.Player(f"bot-{i}", bot=True) for i in range(bots)]
        players += [engine.Player(str(b), bot=True) for b in bot_ids or ()]
        match = engine.Match(match_id, shape, players, public, secrets)
        events = match.start(now_ms(clock))
        _save(store, match)
        for member in member_ids:
            store.state_set(keys.playing_member_key(member), {"match_id": match_id}, keys.MATCH_STATE_TTL)
    return match, Outcome(events, recipients=_humans(match))


def start_daily(session: Session, store: Store, clock: Clock, member_id: int) -> tuple[engine.Match, Outcome]:
    """Today's daily run of a member (the same run all day)."""
    return start(session, store, clock, "daily", [member_id], match_id=daily_match_id(clock, member_id))


def _apply(session: Session, store: Store, clock: Clock, match_id: str,
           step: Callable[[engine.Match, int], tuple[str, list[engine.Event], engine.Answer | None]],
           on_commit: ledger.EntryListener | None) -> Outcome:
    with _locked(store, match_id):
        match = load(store, match_id)
        code, events, scored = step(match, now_ms(clock))
        # The ledger and the answer log first: if they fail, the state is not saved and a retry is safe.
        awards = settle(session, clock, match, events, on_commit)
        _save(store, match)
        if match.over:
            store.delete(*(keys.playing_member_key(m) for m in _humans(match)))
    return Outcome(events, code, awards, scored, _humans(match))


def answer(session: Session, store: Store, clock: Clock, match_id: str, member_id: int, index: int, choice: Any,
           on_commit: ledger.EntryListener | None = None) -> Outcome:
    """Score one answer at server time; refused answers carry a code and change nothing."""
    def step(match: engine.Match, now: int):
        result = match.answer(str(member_id), index, choice, now)
        return result.code, result.events, result.answer
    return _apply(session, store, clock, match_id, step, on_commit)


def tick(session: Session, store: Store, clock: Clock, match_id: str,
         on_commit: ledger.EntryListener | None = None) -> Outcome:
    """Let server time act: demo bots' answers that are due, deadlines, the next question, forfeits."""
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
        match = load(store, match_id)
        match.disconnect(str(member_id), now_ms(clock))
        _save(store, match)


def reconnect(session: Session, store: Store, clock: Clock, match_id: str, member_id: int,
              on_commit: ledger.EntryListener | None = None) -> Outcome:
    """A player is back: the open question with its deadline (if still seated)."""
    def step(match: engine.Match, now: int):
        if match.player(str(member_id)) is None:
            return engine.NOT_IN_MATCH, [], None
        return "", match.reconnect(str(member_id), now), None
    return _apply(session, store, clock, match_id, step, on_commit)


# --- answer log and awards -----------------------------------------------------------------------------
def settle(session: Session, clock: Clock, match: engine.Match, events: list[engine.Event],
           on_commit: ledger.EntryListener | None = None) -> dict[int, Award]:
    """Log every closed question's answers (misses too) and award the end; both are idempotent."""
    humans = set(_humans(match))
    logged = False
    for event in events:
        if isinstance(event, engine.QuestionClosed):
            for player, got in event.results.items():
                if player.isdigit() and int(player) in humans:
                    # The answer's own server time; a miss is logged at the close.
                    at_ms = event.closed_at if got.elapsed_ms is None else event.opened_at + got.elapsed_ms
                    at = datetime.fromtimestamp(at_ms / 1000, UTC)
                    record_answer(session, question_version_id=event.version_id, member_id=int(player),
                                  match_ref=match.match_id, choice=got.choice, correct=got.correct,
                                  elapsed_ms=got.elapsed_ms, answered_at=at)
                    logged = True
    if logged:
        session.commit()
    ended = next((e for e in events if isinstance(e, engine.MatchEnded) and not e.aborted), None)
    return award_end(session, clock, ended, humans, on_commit) if ended else {}


def award_end(session: Session, clock: Clock, ended: engine.MatchEnded, humans: set[int],
              on_commit: ledger.EntryListener | None = None) -> dict[int, Award]:
    """Award every human player through the ledger (key: mode, match id, member); repeats change nothing."""
    awards: dict[int, Award] = {}
    for standing in ended.standings:
        if not standing.player.isdigit() or int(standing.player) not in humans:
            continue
        member_id = int(standing.player)
        if standing.forfeited:
            awards[member_id] = Award(member_id, 0, 0, FORFEITED, reason_text(ended.mode, FORFEITED))
            continue
        result = ledger.award(session, clock, member_id=member_id, source=ended.mode, source_ref=ended.match_id,
                              outcome=standing.outcome, on_commit=on_commit)
        entry = result.entry
        awards[member_id] = Award(member_id, entry.points, entry.requested, entry.reason,
                                  reason_text(ended.mode, entry.reason))
    return awards
